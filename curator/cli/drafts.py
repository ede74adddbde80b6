"""Commands: drafts list/show/approve/reject/reopen/accept-source/edit/history, curate, entries list."""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from curator import Draft
from curator import DraftError
from curator import DraftEvent
from curator import DraftFlag
from curator import DraftState
from curator import FieldChange
from curator import NotFoundError
from curator import StaleVersionError
from curator import shapes
from curator.readmodels import DraftQuery

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    from curator import Curator
from curator.cli._common import EXIT_FAILURES
from curator.cli._common import _curator
from curator.cli._common import _json_line
from curator.cli._common import _line
from curator.cli._common import _text
from curator.cli._common import _visible
from curator.cli._common import _when
from curator.cli._common import app
from curator.cli._common import drafts_app
from curator.cli._common import entries_app
from curator.cli._common import err
from curator.cli._common import exit_code
from curator.cli._common import out
from curator.cli._common import reviewer

# --- drafts and review --------------------------------------------------------------------


def _age(when: datetime) -> str:
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _render_draft(draft: Draft) -> None:
    content = draft.content
    flags = ", ".join(str(f) for f in draft.flags)
    out.rule(
        _line(
            f"draft {draft.id} · {draft.state} · version {draft.version}",
            (" · " if flags else "", ""),
            (flags, "red"),
        )
    )
    out.print(_text(content.headline, "bold"))
    details = [content.outlet, _when(content.published_at) if content.published_at else None]
    out.print(_text(" · ".join(d for d in details if d), "dim"))
    out.print()
    out.print(_text(content.summary))
    out.print()
    if content.attribution:
        out.print(_text(content.attribution))
        out.print()
    if content.excerpt:
        for line in content.excerpt.splitlines():
            out.print(_text(f"  │ {line}", "italic"))
        out.print()
    for q in content.quotes:
        out.print(_text(f"  “{q.text}” — {q.speaker or '(speaker unknown)'}"))
    out.print()
    out.print(_text(f"Source: {content.outlet} {content.source_url}"))
    if content.also_reported_by:
        credits = ", ".join(f"{c.outlet} ({c.url})" for c in content.also_reported_by)
        out.print(_text(f"Also reported by: {credits}"))
    if draft.checks:
        out.print()
    for check in draft.checks:  # why each flag: README "Reviewing drafts" says what to do
        where = f" · {check.where}" if check.where else ""
        words = f": “{check.text}”" if check.text else ""
        out.print(_line((f"{check.flag}{where}", "red"), " — ", _text(check.reason + words)))


def _flag_cell(draft: Draft) -> str:
    """The flags of a draft for `drafts list`, thin ones with their reasons."""
    cells = []
    for flag in draft.flags:
        reasons = [c.reason for c in draft.checks if c.flag is flag]
        cells.append(f"{flag} ({'; '.join(reasons)})" if flag == "thin" and reasons else str(flag))
    return ", ".join(cells)


@drafts_app.command("list")
def drafts_list(
    ctx: typer.Context,
    state: Annotated[
        list[DraftState] | None, typer.Option("--state", help="only drafts in this state")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source id (repeatable)")
    ] = None,
    flag: Annotated[
        list[DraftFlag] | None, typer.Option("--flag", help="only drafts with this flag")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="only drafts with this tag")
    ] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="only drafts quoting this speaker (exact)")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-q", help="every word (a prefix) in headline, summary or quotes"),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            help="only drafts made since this date (UTC)",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until",
            help="only drafts made before this date (UTC)",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
    after: Annotated[
        int | None, typer.Option("--after", help="the page after this draft id (see the end)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per draft")] = False,
) -> None:
    """List drafts, newest first: id, state, headline, outlet, quotes, flags, age."""
    query = DraftQuery(
        states=tuple(state or ()),
        source_ids=tuple(source or ()),
        flags=tuple(flag or ()),
        tags=tuple(tag or ()),
        speaker=speaker,
        since=since.replace(tzinfo=UTC) if since else None,
        until=until.replace(tzinfo=UTC) if until else None,
        search=search,
    )
    with _curator(ctx) as facade:
        for source_id in query.source_ids:
            facade.get_source(source_id)
        page = facade.draft_queue(query, starting_after=after, limit=limit, with_checks=True)
    drafts = [item.draft for item in page.items]
    if as_json:
        for draft in drafts:
            _json_line(shapes.draft_json(draft))
        return
    table = Table(title="drafts")
    for column in ("id", "state", "headline", "outlet", "quotes", "flags", "age"):
        table.add_column(column, overflow="fold")
    for draft in drafts:
        table.add_row(
            str(draft.id),
            str(draft.state),
            _text(draft.content.headline),
            _text(draft.content.outlet),
            str(len(draft.content.quotes)),
            _text(_flag_cell(draft)),
            _age(draft.created_at),
        )
    out.print(table)
    if page.next_after is not None:
        err.print(f"more: add --after {page.next_after}", highlight=False)


@drafts_app.command("show")
def drafts_show(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="the Markdown + YAML front matter used for editing")
    ] = False,
) -> None:
    """Show one draft (Rich rendering with its history, --json or --markdown)."""
    with _curator(ctx) as facade:
        if markdown:
            text = facade.draft_markdown(draft_id)
            # Like ls(1): bytes as they are for a pipe or a file, visible on a terminal.
            sys.stdout.write(_visible(text) if sys.stdout.isatty() else text)
            return
        draft = facade.get_draft(draft_id)
        events = [] if as_json else facade.draft_history(draft_id)
    if as_json:
        _json_line(shapes.draft_json(draft))
        return
    _render_draft(draft)
    out.print()
    out.rule("history")
    _print_history(events)


def _review_many(
    ctx: typer.Context, ids: list[int], action: Callable[[Curator, int], Draft], verb: str
) -> None:
    """Apply a review action to each id; a refused one is reported and the rest go on.
    The exit code is that of the failures' kind (README "Exit codes"), 1 when mixed."""
    codes: set[int] = set()
    with _curator(ctx) as facade:
        for draft_id in ids:
            try:
                draft = action(facade, draft_id)
            except (DraftError, NotFoundError) as e:
                err.print(_line((f"draft {draft_id}:", "red"), " ", _text(e.message)))
                codes.add(exit_code(e))
                continue
            out.print(f"draft {draft.id} {verb} (version {draft.version})")
            if draft.override is not None:
                flags = ", ".join(str(f) for f in draft.override.flags)
                out.print(
                    _line(
                        ("  forced: ", "yellow"),
                        _text(f"{flags} overridden; it is published with this note"),
                    )
                )
    if codes:
        raise typer.Exit(codes.pop() if len(codes) == 1 else EXIT_FAILURES)


_BY = typer.Option("--by", help="reviewer name [default: $CURATOR_REVIEWER, else your login name]")
_NOTE = typer.Option("--note", help="why (kept in the history)")


@drafts_app.command("approve")
def drafts_approve(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="approve a flagged draft (needs --note): it is published with the override",
        ),
    ] = False,
    version: Annotated[
        int | None,
        typer.Option("--version", help="refuse if the draft is no longer at this version"),
    ] = None,
) -> None:
    """Approve drafts. Flagged ones (verbatim check, budget) need --force and --note."""
    if version is not None and len(ids) != 1:
        raise typer.BadParameter("--version goes with a single draft id")
    name = reviewer(by)
    _review_many(
        ctx,
        ids,
        lambda f, i: f.approve(i, by=name, note=note, force=force, version=version),
        "approved",
    )


@drafts_app.command("reject")
def drafts_reject(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Reject drafts; their stories stay gone when feeds show them again."""
    name = reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.reject(i, by=name, note=note), "rejected")


@drafts_app.command("reopen")
def drafts_reopen(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Send rejected drafts back to review."""
    name = reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.reopen(i, by=name, note=note), "reopened")


@drafts_app.command("accept-source")
def drafts_accept_source(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Take the new machine version of drafts whose source article changed."""
    name = reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.accept_proposed(i, by=name), "updated")


@drafts_app.command("edit")
def drafts_edit(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Edit a draft in $EDITOR (Markdown + YAML front matter), validated on save. A
    published draft becomes a correction: approve it again and `curator publish`."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    name = reviewer(by)
    with _curator(ctx) as facade:
        facade.check_editable(draft_id)  # before the editor: no work typed in vain
        original = facade.draft_markdown(draft_id)
        handle, temp_name = tempfile.mkstemp(prefix=f"curator-draft-{draft_id}-", suffix=".md")
        path = Path(temp_name)
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(original)
        while True:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
            if done.returncode != 0:
                err.print(
                    f"[red]the editor failed (exit {done.returncode});[/red] "
                    f"nothing saved, your text is in {path}"
                )
                raise typer.Exit(EXIT_FAILURES)
            text = path.read_text(encoding="utf-8")
            if text == original:
                path.unlink()
                out.print("no changes")
                return
            try:
                draft = facade.edit_draft(draft_id, text, by=name, note=note)
            except DraftError as e:
                err.print(_line(("not saved:", "red"), " ", _text(e.message)))
                if isinstance(e, StaleVersionError):  # editing again would not help
                    now = e.current or facade.get_draft(draft_id)
                    err.print(
                        f"draft {draft_id} is now at version {now.version} ({now.state}):"
                        f" `curator drafts show {draft_id}`"
                    )
                elif sys.stdin.isatty() and typer.confirm("Edit again?", default=True):
                    continue
                err.print(f"your text is kept in {path}")
                raise typer.Exit(exit_code(e)) from e
            path.unlink()
            break
    flags = ", ".join(str(f) for f in draft.flags)
    out.print(
        f"draft {draft.id} saved (version {draft.version}, {draft.state})"
        + (f" — flagged: {flags}" if flags else "")
    )
    if draft.published_content is not None:
        out.print(
            "a correction: the published post stays as it is until this version is"
            f" approved (`curator drafts approve {draft.id}`) and published (`curator publish`)"
        )


@drafts_app.command("history")
def drafts_history(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per event")] = False,
) -> None:
    """Every change of a draft: when, who, what changed (old → new), note."""
    with _curator(ctx) as facade:
        events = facade.draft_history(draft_id)
    if as_json:
        for e in events:
            _json_line(shapes.event_json(e))
        return
    _print_history(events)


def _print_history(events: Sequence[DraftEvent]) -> None:
    """One block per event: version, when, action and who, the note, then each change
    as a word diff ([-removed-]{+added+}, coloured on a terminal)."""
    for e in events:
        out.print(
            _line(
                (f"v{e.version}", "bold"),
                f" · {_when(e.at)} · {e.action} by ",
                _text(e.by, "bold"),
                *((" — ", _text(e.note, "italic")) if e.note else ()),
            )
        )
        for change in e.changes:
            out.print(_line("    ", (f"{change.field}: ", "cyan"), _change_text(change)))


_WORD = re.compile(r"(\S+)(\s*)")


def _change_text(change: FieldChange) -> Text:
    if change.old is None and change.new is None:
        return _line(("changed", "dim"))  # recorded before old → new values were kept
    old, new = change.old or "", change.new or ""
    if change.old is None or change.new is None or "\n" not in old + new and len(old + new) < 80:
        return _line(_text(old or "—", "red"), (" → ", "dim"), _text(new or "—", "green"))
    return _line(*_word_diff(old, new))


def _word_diff(old: str, new: str) -> list[Text]:
    """git's --word-diff: [-removed-]{+added+} between unchanged words, the spacing of
    the new text kept."""
    before, after = _WORD.findall(old), _WORD.findall(new)

    def words(tokens: list[tuple[str, str]]) -> str:
        """The words of a run with the spacing between them, not after the last."""
        return "".join(word + space for word, space in tokens[:-1]) + tokens[-1][0]

    parts = [_text(new[: len(new) - len(new.lstrip())])]
    matcher = difflib.SequenceMatcher(
        a=[w for w, _ in before], b=[w for w, _ in after], autojunk=False
    )
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(_text("".join(w + space for w, space in after[b1:b2])))
            continue
        if a2 > a1:
            parts.append(_text(f"[-{words(before[a1:a2])}-]", "red"))
        if b2 > b1:
            parts.append(_text(f"{{+{words(after[b1:b2])}+}}", "green"))
        parts.append(_text((after[b2 - 1] if b2 > b1 else before[a2 - 1])[1]))
    return parts


@app.command()
def curate(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source id (repeatable)")
    ] = None,
) -> None:
    """Make drafts of extracted articles that have none yet."""
    with _curator(ctx) as facade:
        drafts = facade.curate(source or ())
    out.print(f"{len(drafts)} new drafts")


@entries_app.command("list")
def entries_list(
    ctx: typer.Context,
    dropped: Annotated[
        bool, typer.Option("--dropped", help="entries the filters dropped, with the reason")
    ] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source id (repeatable)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per entry")] = False,
) -> None:
    """List stored entries (newest first), or with --dropped the ones filters dropped."""
    with _curator(ctx) as facade:
        if dropped:
            rows = [shapes.dropped_json(d) for d in facade.list_dropped(source or (), limit=limit)]
        else:
            for source_id in source or ():
                facade.get_source(source_id)
            wanted: list[str | None] = list(source) if source else [None]
            entries = [e for sid in wanted for e in facade.list_entries(source_id=sid, limit=limit)]
            rows = [shapes.entry_json(e) for e in entries]
    if as_json:
        for row in rows:
            _json_line(row)
        return
    table = Table(title="dropped entries" if dropped else "entries")
    columns = (
        ("entry", "source", "title", "reason") if dropped else ("entry", "source", "title", "url")
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_text(row[c] or "") for c in columns))
    out.print(table)
