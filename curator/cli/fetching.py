"""Commands: fetch, status, articles retry, extract, reextract, quotes list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

import curator
from curator import ArticleReport
from curator import DraftState
from curator import FetchOutcome
from curator import Quote
from curator import SourceReport
from curator import shapes
from curator.readmodels import DraftQuery

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    from curator import Curator
from curator.cli._common import EXIT_FAILURES
from curator.cli._common import _curator
from curator.cli._common import _errors
from curator.cli._common import _json_line
from curator.cli._common import _json_lines
from curator.cli._common import _line
from curator.cli._common import _text
from curator.cli._common import _visible
from curator.cli._common import _when
from curator.cli._common import app
from curator.cli._common import articles_app
from curator.cli._common import err
from curator.cli._common import out
from curator.cli._common import quotes_app

# --- fetch ------------------------------------------------------------------------

_OUTCOME_STYLE = {
    FetchOutcome.OK: "green",
    FetchOutcome.NOT_MODIFIED: "cyan",
    FetchOutcome.ERROR: "red",
    FetchOutcome.GONE: "yellow",
    FetchOutcome.PAUSED: "yellow",
}


@app.command()
def fetch(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="fetch only this source id (repeatable)"),
    ] = None,
    due: Annotated[bool, typer.Option("--due", help="fetch only sources that are due")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines, one per source as it finishes")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="also fetch sources paused (Retry-After, backoff) or gone"),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="wait for another fetch or daemon tick instead of exit 4"),
    ] = False,
) -> None:
    """Fetch sources once and store new entries.

    Like the daemon, sources that failed and asked to wait (Retry-After, or backing off)
    and gone ones (410) are skipped with "paused until …" unless --force. Exit 1 if any
    source or article page failed; 4 if another fetch is running (unless --wait).
    """

    # Imported here: the other commands (`status`) start without the progress display.
    from rich.progress import BarColumn
    from rich.progress import MofNCompleteColumn
    from rich.progress import Progress
    from rich.progress import TextColumn
    from rich.progress import TimeElapsedColumn

    def waiting(pid: int | None) -> None:
        holder = f" (pid {pid})" if pid else ""
        err.print(f"another fetch is running{holder}: waiting for it to finish", highlight=False)

    started = datetime.now(UTC)
    with (
        _curator(ctx) as facade,
        facade.single_node_lock("fetch", wait=wait, on_wait=waiting),
    ):
        if as_json:
            # One line per source as soon as it is done (in that order), so a killed
            # run has still reported every source it finished.
            reports = facade.fetch(
                source or (),
                only_due=due,
                force=force,
                on_done=lambda r: _json_line(shapes.report_json(r)),
            )
        else:
            total = len(source) if source else sum(1 for s in facade.sources if s.enabled)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("sources", total=total)

                def advance(report: SourceReport) -> None:
                    progress.advance(task)
                    if report.outcome in (FetchOutcome.ERROR, FetchOutcome.PAUSED):
                        style = _OUTCOME_STYLE[report.outcome]
                        progress.console.print(
                            _line((f"{report.source_id}:", style), " ", _text(report.error or ""))
                        )

                articles = progress.add_task("articles", total=None, visible=False)

                def article_done(report: ArticleReport) -> None:
                    progress.update(articles, visible=True, advance=1)
                    if report.error:
                        progress.console.print(
                            _line(
                                (f"{report.source_id}:", "yellow"),
                                " ",
                                _text(f"{report.url}: {report.error}"),
                            )
                        )

                reports = facade.fetch(
                    source or (),
                    only_due=due,
                    force=force,
                    on_report=advance,
                    on_article=article_done,
                )
            out.print(_fetch_table(reports))
            _print_next_steps(facade, started)
    if any(r.outcome is FetchOutcome.ERROR or r.article_errors for r in reports):
        raise typer.Exit(EXIT_FAILURES)


def _print_next_steps(facade: Curator, started: datetime) -> None:
    """What the fetch made, and what to do next: review the drafts."""
    made = sum(facade.draft_queue(DraftQuery(since=started), limit=1).counts.values())
    waiting = facade.draft_queue(DraftQuery(states=(DraftState.NEW,)), limit=1).counts["new"]
    out.print(f"{made} new drafts; {waiting} waiting for review")
    if waiting:
        out.print("next: curator drafts list --state new", highlight=False)


def _fetch_table(reports: list[SourceReport]) -> Table:
    table = Table(title="fetch")
    columns = (
        "source",
        "result",
        "new",
        "updated",
        "unchanged",
        "HTTP",
        "time",
        "articles",
        "quotes",
        "error",
    )
    for column in columns:
        numeric = column in {"new", "updated", "unchanged", "articles", "quotes"}
        table.add_column(column, justify="right" if numeric else "left")
    for r in reports:
        style = _OUTCOME_STYLE[r.outcome]
        table.add_row(
            r.source_id,
            f"[{style}]{r.outcome.value.replace('_', '-')}[/{style}]",
            str(r.counts.new),
            str(r.counts.updated),
            str(r.counts.unchanged),
            str(r.http_status or "—"),
            f"{r.duration.total_seconds():.2f}s",
            str(r.articles)
            + (f" [red]({r.article_errors} failed)[/red]" if r.article_errors else ""),
            str(r.quotes),
            _text(r.error or ""),
        )
    return table


@articles_app.command("retry")
def articles_retry(
    ctx: typer.Context,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="repeatable")] = None,
    entry: Annotated[list[int] | None, typer.Option("--entry", "-e", help="repeatable")] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="also the ones still retried")] = False,
) -> None:
    """Make the article pages that failed permanently due again now (the daemon or the
    next `curator fetch` fetches them)."""
    with _curator(ctx, sources_file=False) as facade:
        count = facade.retry_articles(source or (), entry or (), all_failed=all_failed)
    out.print(f"{count} article pages to fetch again")


# --- status -------------------------------------------------------------------------


@app.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines: one per running node, then per source")
    ] = False,
) -> None:
    """The running daemons (nodes), then per source: entries, last success, last error,
    failures, next due, gone. Reads the database only, and writes nothing."""
    with _curator(ctx, sources_file=False) as facade:
        nodes = facade.running_nodes()
        rows = facade.status()
    if as_json:
        _json_lines(
            [*({"node": shapes.node_json(node)} for node in nodes), *map(shapes.source_json, rows)]
        )
        return
    if nodes:
        node_table = Table(title="nodes")
        for column in ("host", "pid", "started", "last heartbeat", "work"):
            node_table.add_column(column)
        for node in nodes:
            node_table.add_row(
                _text(node.host),
                str(node.pid),
                _when(node.started_at),
                _when(node.heartbeat_at),
                _text(node.work),
            )
        out.print(node_table)
    columns = (
        "source",
        "enabled",
        "entries",
        "last success",
        "failures",
        "next due",
        "failed pages",
        "last error",
    )
    cells = [
        (
            _visible(row.source_id) + (" (gone)" if row.gone else ""),
            "yes" if row.enabled else "no",
            str(row.entries),
            _when(row.last_success_at),
            str(row.consecutive_failures),
            _when(row.next_due_at),
            str(row.failed_pages),
            _visible(row.last_error or ""),
        )
        for row in rows
    ]
    if len(cells) > _RICH_TABLE_MAX_ROWS:
        _print_plain_table(columns, cells)
        return
    table = Table(title="sources")
    for column in columns:
        table.add_column(column)
    for row_cells, row in zip(cells, rows, strict=True):
        table.add_row(
            _text(row.source_id) + (Text(" (gone)", style="yellow") if row.gone else ""),
            *row_cells[1:-1],
            Text(row_cells[-1]),
        )
    out.print(table)


#: Rich lays out a table cell by cell: 10,000 rows took 10 s. Longer ones print plainly.
_RICH_TABLE_MAX_ROWS = 500


def _print_plain_table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell in terminal columns, two spaces apart; the
    cells are made visible already. One format string lays out each line."""
    by_column = [list(cells) for cells in zip(columns, *rows, strict=True)]
    widths = []
    for cells in by_column[:-1]:  # the last column is not padded
        if "".join(cells).isascii():  # one terminal column per character: str.format pads
            widths.append(max(map(len, cells)))
            continue
        width = max(map(cell_len, cells))  # wide characters: padded here, by Rich's count
        cells[:] = [cell + " " * (width - cell_len(cell)) for cell in cells]
        widths.append(0)
    line = "  ".join([*(f"{{:<{width}}}" for width in widths), "{}"]).format
    text = "\n".join(line(*cells).rstrip() for cells in zip(*by_column, strict=True))
    out.file.write(text + "\n")
    out.file.flush()


# --- extraction and quotes --------------------------------------------------------------


def _quotes_table(quotes: Sequence[Quote], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("#", "kind", "speaker", "cue", "outlet", "quote", "conf."):
        table.add_column(column, overflow="fold")
    for number, q in enumerate(quotes, 1):
        table.add_row(
            str(number),
            str(q.kind),
            _line(_text(q.speaker or "—"), (f" ({q.speaker_kind})" if q.speaker else "", "dim")),
            _text(q.cue or ""),
            _text(q.outlet or ""),
            _text(q.text),
            f"{q.confidence:.2f}",
        )
    return table


@app.command()
def extract(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(help="local .html/.htm/.txt files (or .gz of those) and http(s) URLs"),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per input")] = False,
) -> None:
    """Extract the article and every quote with its speaker. Exit 1 if any input failed."""
    with _errors():
        settings = ctx.obj.settings_or_default()
        with curator.make_curator(settings) as facade:
            results = facade.extract(inputs)
    for result in results:
        if as_json:
            _json_line(shapes.extract_json(result))
            continue
        article = result.extraction.article if result.extraction else None
        if article is None:
            err.print(_line(_text(f"{result.input}:", "red"), " ", _text(result.error or "")))
            continue
        out.rule(_text(result.input))
        out.print(_text(article.title or "(no title)", "bold"))
        details = [
            article.byline,
            _when(article.published_at) if article.published_at else None,
            article.canonical_url or article.url,
        ]
        out.print(_text(" · ".join(d for d in details if d), "dim"))
        quotes = result.extraction.quotes if result.extraction else ()
        if quotes:
            out.print(_quotes_table(quotes))
        else:
            out.print("no quotes found", style="dim")
    if any(r.error for r in results):
        raise typer.Exit(EXIT_FAILURES)


@app.command()
def reextract(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source id (repeatable)")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            help="only pages fetched since this date (UTC)",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per article")] = False,
) -> None:
    """Extract stored article pages again (no re-fetch) and replace their quotes."""
    with _curator(ctx) as facade:
        since_utc = since.replace(tzinfo=UTC) if since is not None else None
        reports = facade.reextract(source or (), since=since_utc)
    for report in reports:
        if as_json:
            _json_line(shapes.article_report_json(report))
        elif report.error:
            err.print(
                _line((f"{report.source_id}:", "red"), " ", _text(f"{report.url}: {report.error}"))
            )
    if not as_json:
        quotes = sum(r.quotes for r in reports)
        out.print(f"re-extracted {len(reports)} articles: {quotes} quotes")
    if any(r.error for r in reports):
        raise typer.Exit(EXIT_FAILURES)


@quotes_app.command("list")
def quotes_list(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source id (repeatable)")
    ] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="speaker contains this text (any case)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per quote")] = False,
) -> None:
    """List stored quotes, newest articles first."""
    with _curator(ctx) as facade:
        rows = facade.list_quotes(source_ids=source or (), speaker=speaker, limit=limit)
    if as_json:
        for row in rows:
            _json_line(shapes.stored_quote_json(row))
        return
    table = Table(title="quotes")
    for column in ("source", "speaker", "kind", "quote", "article"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.source_id,
            _text(row.quote.speaker or "—"),
            str(row.quote.kind),
            _text(row.quote.text),
            _text(row.article_title or row.article_url or ""),
        )
    out.print(table)
