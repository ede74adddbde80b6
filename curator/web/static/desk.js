// curator desk: keyboard shortcuts and bulk selection. Plain forms do the work; this
// file only moves the focus and presses their buttons, so every action also works
// without it. Served from /static (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // --- the queue ------------------------------------------------------------------
  var rows = $all('[data-testid="queue-row"]');
  var current = -1;

  function setCurrent(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("current"); rows[current].removeAttribute("aria-current"); }
    current = index;
    rows[current].classList.add("current");
    rows[current].setAttribute("aria-current", "true");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function currentRow() { return current >= 0 ? rows[current] : null; }

  function selectedBoxes() { return $all('[data-testid="select"]:checked'); }

  function updateSelected() {
    var count = selectedBoxes().length;
    var label = $('[data-testid="selected-count"]');
    if (label) { label.textContent = count + " selected"; }
    rows.forEach(function (row) {
      var box = $('[data-testid="select"]', row);
      row.classList.toggle("selected", !!(box && box.checked));
    });
  }

  function press(row, testid) {
    var button = row ? $('[data-testid="' + testid + '"]', row) : null;
    if (button) { button.click(); }
  }

  function queueKey(event) {
    var row = currentRow();
    switch (event.key) {
      case "j": setCurrent(current + 1); break;
      case "k": setCurrent(current < 0 ? 0 : current - 1); break;
      case "o": case "Enter": if (row) { window.location.assign(row.dataset.href); } else { return false; } break;
      case "e": if (row) { window.location.assign(row.dataset.href + "#edit"); } break;
      case "x":
        if (row) { var box = $('[data-testid="select"]', row); box.checked = !box.checked; updateSelected(); }
        break;
      case "a":
        if (selectedBoxes().length) { press(document, "bulk-approve"); } else { press(row, "approve"); }
        break;
      case "r":
        // Reject with a note: the current row (or the selection) is rejected when the
        // note is submitted with Enter.
        if (!selectedBoxes().length && row) { $('[data-testid="select"]', row).checked = true; updateSelected(); }
        var note = $('.bulk [data-testid="reject-note"]');
        if (note) { note.focus(); }
        break;
      default: return false;
    }
    return true;
  }

  if (rows.length) {
    rows.forEach(function (row, index) {
      row.addEventListener("click", function (event) {
        if (!event.target.closest("a, button, input")) { setCurrent(index); }
      });
    });
    $all('[data-testid="select"]').forEach(function (box) { box.addEventListener("change", updateSelected); });
    var all = $('[data-testid="select-all"]');
    if (all) {
      all.addEventListener("change", function () {
        $all('[data-testid="select"]').forEach(function (box) { box.checked = all.checked; });
        updateSelected();
      });
    }
    var bulkNote = $('.bulk [data-testid="reject-note"]');
    if (bulkNote) {
      bulkNote.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); press(document, "bulk-reject"); }
      });
    }
    setCurrent(0);
    updateSelected();
  }

  // --- the draft page -----------------------------------------------------------------
  var editor = $("details.editor");

  function openEditor() {
    if (!editor) { return; }
    editor.open = true;
    var area = $('textarea[name="markdown"]', editor);
    if (area) { area.focus(); }
  }

  function draftKey(event) {
    switch (event.key) {
      case "a": press(document, "approve"); break;
      case "r": var note = $('.reject-form [data-testid="reject-note"]'); if (note) { note.focus(); } break;
      case "e": openEditor(); break;
      case "o": var back = $('[data-testid="back"]'); if (back) { back.click(); } break;
      default: return false;
    }
    return true;
  }

  if (editor) {
    // After the load: the browser's scroll to #edit would take the focus away again.
    if (window.location.hash === "#edit") { window.addEventListener("load", openEditor); }
    var area = $('textarea[name="markdown"]', editor);
    if (area) {
      area.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); press(editor, "save"); }
      });
    }
    var rejectNote = $('.reject-form [data-testid="reject-note"]');
    if (rejectNote) {
      rejectNote.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); press($(".reject-form"), "reject"); }
      });
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var handled = rows.length ? queueKey(event) : (editor ? draftKey(event) : false);
    if (event.key === "?") { document.body.classList.toggle("show-keys"); handled = true; }
    if (handled) { event.preventDefault(); }
  });
})();
