"""Commands: publish, unpublish, republish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Annotated

import typer
from rich.table import Table

from curator import PublishResult
from curator import shapes

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    pass
from curator.cli._common import EXIT_FAILURES
from curator.cli._common import _curator
from curator.cli._common import _json_line
from curator.cli._common import _text
from curator.cli._common import _when
from curator.cli._common import app
from curator.cli._common import out
from curator.cli._common import reviewer

# --- publish ---------------------------------------------------------------------------


@app.command()
def publish(
    ctx: typer.Context,
    target: Annotated[
        list[str] | None, typer.Option("--target", "-t", help="only this target (repeatable)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be published, change nothing")
    ] = False,
    status: Annotated[bool, typer.Option("--status", help="list what is where")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per result")] = False,
) -> None:
    """Publish approved drafts to the targets (each post once; again when it changed)."""
    with _curator(ctx) as facade:
        if status:
            rows = facade.publish_status()
            if as_json:
                for row in rows:
                    _json_line(shapes.ledger_json(row))
                return
            table = Table(title="published")
            forced = any(row.override for row in rows)  # a column only when there is one
            columns = ("draft", "target", "where", "outcome", "updated", "error")
            for column in (*columns, "override") if forced else columns:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(
                    str(row.draft_id),
                    _text(row.target),
                    _text(row.remote_url or row.remote_id or ""),
                    _text("removed" if row.removed else row.outcome),
                    _when(row.updated_at),
                    _text(row.error or ""),
                    *((_text(row.override or ""),) if forced else ()),
                )
            out.print(table)
            return
        results = facade.publish(target or (), dry_run=dry_run)
    _print_results(results, as_json)


@app.command()
def unpublish(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    target: Annotated[
        list[str] | None, typer.Option("--target", "-t", help="only this target (repeatable)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="why (kept in the history)")] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="who [default: $CURATOR_REVIEWER, else your login name]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per result")] = False,
) -> None:
    """Take a post down everywhere it is (takedown requests happen): the draft is then
    withdrawn, and `curator republish ID` can put it back."""
    name = reviewer(by)
    with _curator(ctx) as facade:
        results = facade.unpublish(draft_id, target or (), by=name, note=note)
        draft = facade.get_draft(draft_id)
    _print_results(results, as_json, title=f"unpublish draft {draft_id}")
    if not as_json:
        out.print(f"draft {draft_id} is {draft.state}")


@app.command()
def republish(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    note: Annotated[str | None, typer.Option("--note", help="why (kept in the history)")] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="who [default: $CURATOR_REVIEWER, else your login name]"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="the draft is flagged: approve it anyway (needs --note)")
    ] = False,
) -> None:
    """Approve a withdrawn draft again; `curator publish` puts it back on every target."""
    name = reviewer(by)
    with _curator(ctx) as facade:
        draft = facade.republish(draft_id, by=name, note=note, force=force)
    out.print(
        f"draft {draft.id} approved again (version {draft.version});"
        " `curator publish` puts it back online"
    )


def _print_results(
    results: Sequence[PublishResult], as_json: bool, *, title: str = "publish"
) -> None:
    if as_json:
        for r in results:
            _json_line(shapes.publish_result_json(r))
    else:
        table = Table(title=title)
        for column in ("target", "draft", "outcome", "where", "error"):
            table.add_column(column, overflow="fold")
        for r in results:
            table.add_row(
                _text(r.target),
                str(r.draft_id),
                r.outcome,
                _text(r.remote_url or ""),
                _text(r.error or ""),
            )
        out.print(table)
    if any(r.error and r.outcome != "skipped" for r in results):
        raise typer.Exit(EXIT_FAILURES)
