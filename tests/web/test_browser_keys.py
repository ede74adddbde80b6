"""The queue is keyboard-first (issue #12 §4): j/k move, x selects, a approves the
current row (or the selection), o opens the draft, where a approves it too; r rejects
with a note, e opens the draft's editor.

The first test goes in steps: the keys act on positions in the queue, which the steps
change. The second changes nothing.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from .conftest import EDITOR
from .conftest import Desk
from .conftest import drafts_by_headline
from .conftest import screenshot


def current(page: Page) -> Locator:
    return page.locator('[data-testid="queue-row"].current')


def row_id(row: Locator) -> int:
    value = row.get_attribute("data-id")
    assert value is not None
    return int(value)


def states_by_id(desk: Desk) -> dict[int, str]:
    return {row["id"]: row["state"] for row in drafts_by_headline(desk).values()}


def test_keyboard_shortcuts_move_select_open_approve_and_reject(editor: Page, desk: Desk) -> None:
    editor.goto("/?state=new")
    rows = editor.get_by_test_id("queue-row")
    ids = [row_id(rows.nth(i)) for i in range(rows.count())]
    assert len(ids) >= 6
    expect(current(editor)).to_have_attribute("data-id", str(ids[0]))

    # j/k move the current row.
    editor.keyboard.press("j")
    editor.keyboard.press("j")
    expect(current(editor)).to_have_attribute("data-id", str(ids[2]))
    editor.keyboard.press("k")
    expect(current(editor)).to_have_attribute("data-id", str(ids[1]))
    expect(current(editor)).to_have_count(1)

    # x selects the current row, and again unselects it.
    editor.keyboard.press("x")
    expect(rows.nth(1).get_by_test_id("select")).to_be_checked()
    expect(editor.get_by_test_id("selected-count")).to_have_text("1 selected")
    editor.keyboard.press("x")
    expect(rows.nth(1).get_by_test_id("select")).not_to_be_checked()
    expect(editor.get_by_test_id("selected-count")).to_have_text("0 selected")

    # a approves the current row.
    editor.keyboard.press("a")
    expect(editor.get_by_test_id("flash")).to_have_text(f"approved #{ids[1]}")
    assert states_by_id(desk)[ids[1]] == "approved"

    # x on two rows, then a approves the selection.
    editor.goto("/?state=new")
    expect(current(editor)).to_have_attribute("data-id", str(ids[0]))
    editor.keyboard.press("x")
    editor.keyboard.press("j")
    editor.keyboard.press("x")
    expect(editor.get_by_test_id("selected-count")).to_have_text("2 selected")
    screenshot(editor, "queue-keys")
    editor.keyboard.press("a")
    expect(editor.get_by_test_id("flash")).to_contain_text("approved 2")
    stored = states_by_id(desk)
    assert (stored[ids[0]], stored[ids[2]]) == ("approved", "approved")

    # o opens the current draft; there o goes back to the queue, and a approves it.
    editor.goto("/?state=new")
    editor.keyboard.press("j")
    opened = row_id(current(editor))
    editor.keyboard.press("o")
    expect(editor).to_have_url(re.compile(rf"/drafts/{opened}\b"))
    editor.keyboard.press("o")
    expect(editor).to_have_url(re.compile(r"/\?state=new$"))
    editor.keyboard.press("j")
    editor.keyboard.press("o")
    expect(editor).to_have_url(re.compile(rf"/drafts/{opened}\b"))
    editor.keyboard.press("a")
    expect(editor.get_by_test_id("flash")).to_have_text(f"approved #{opened}")
    assert sum(state == "approved" for state in states_by_id(desk).values()) == 4

    # r rejects the current row with a note typed there and then (Enter sends it).
    editor.goto("/?state=new")
    rejected = row_id(current(editor))
    editor.keyboard.press("r")
    expect(editor.locator(".bulk").get_by_test_id("reject-note")).to_be_focused()
    note = "Duplicate of the wire story"
    editor.keyboard.type(note)
    editor.keyboard.press("Enter")
    expect(editor.get_by_test_id("flash")).to_have_text(f"rejected 1 (#{rejected})")
    assert states_by_id(desk)[rejected] == "rejected"
    history = [
        json.loads(line)
        for line in desk.curator("drafts", "history", str(rejected), "--json").splitlines()
    ]
    assert (history[-1]["action"], history[-1]["by"], history[-1]["note"]) == (
        "rejected",
        EDITOR,
        note,
    )


def test_e_opens_the_current_draft_with_its_editor_ready_to_type(editor: Page) -> None:
    editor.goto("/?state=new")
    editor.keyboard.press("j")
    opened = row_id(current(editor))
    editor.keyboard.press("e")
    expect(editor).to_have_url(re.compile(rf"/drafts/{opened}\b.*#edit$"))
    expect(editor.get_by_test_id("markdown")).to_be_visible()  # the editor is open
    expect(editor.get_by_test_id("markdown")).to_be_focused()
