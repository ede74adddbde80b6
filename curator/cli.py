"""The command line: a thin layer over the Curator facade (Typer + Rich).

Exit codes (also in README): 0 success; 1 some sources, article pages or checks failed
(the rest still ran); 2 usage or configuration error; 3 database error, or no database
yet (`curator db upgrade` makes it); 4 another fetch or daemon is running (did nothing).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.console import ConsoleRenderable
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn
from rich.progress import MofNCompleteColumn
from rich.progress import Progress
from rich.progress import TextColumn
from rich.progress import TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import curator
from curator import ArticleReport
from curator import BusyError
from curator import ConfigError
from curator import CuratorError
from curator import Draft
from curator import DraftError
from curator import DraftFormatError
from curator import DraftState
from curator import ExtractResult
from curator import FetchOutcome
from curator import NoDatabaseError
from curator import NotFoundError
from curator import PublishResult
from curator import Quote
from curator import SourceChanges
from curator import SourceReport
from curator import StoredQuote
from curator import StoreError

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    from curator import Curator
    from curator import Settings

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_BUSY = 4

app = typer.Typer(
    help="curator: fetch news sources, extract quotes, draft, review and publish posts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
sources_app = typer.Typer(help="List, check, import and export sources.", no_args_is_help=True)
app.add_typer(db_app, name="db")
quotes_app = typer.Typer(help="Quotes found in fetched articles.", no_args_is_help=True)
drafts_app = typer.Typer(
    help="Review drafts: list, show, approve, reject, edit.", no_args_is_help=True
)
entries_app = typer.Typer(
    help="Stored entries, and the ones filters dropped.", no_args_is_help=True
)
app.add_typer(drafts_app, name="drafts")
app.add_typer(entries_app, name="entries")
app.add_typer(sources_app, name="sources")
app.add_typer(quotes_app, name="quotes")
articles_app = typer.Typer(help="Article pages of entries.", no_args_is_help=True)
app.add_typer(articles_app, name="articles")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# C0 controls but tab and newline, DEL, and C1: what a terminal acts on (ESC ] 0 retitles
# the window, ESC [2J clears it, U+009B is a one-character CSI). Feeds, pages and
# receivers can send any of them, so they are shown escaped, never sent to the terminal.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """``text`` with every terminal control character written out as ``\\xNN``."""
    return _CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _text(value: object, style: str = "") -> Text:
    """Text from outside (a feed, a page, a receiver, an error about them) for Rich: a
    `Text`, so it is never read as markup, with its control characters made visible."""
    return Text(_visible(str(value)), style=style)


def _line(*parts: str | Text | tuple[str, str]) -> Text:
    """Our own words (plain or ``(text, style)``) joined with outside `Text` parts."""
    return Text.assemble(*parts)


class _SafeRichHandler(RichHandler):
    """Log messages quote URLs and errors from outside: make their control characters visible."""

    def render_message(self, record: logging.LogRecord, message: str) -> ConsoleRenderable:
        return super().render_message(record, _visible(message))


@dataclass
class Options:
    sources: Path | None = None
    database_url: str | None = None
    data_dir: Path | None = None
    verbosity: int = 0  # -v, -vv

    def settings(self) -> Settings:
        return curator.load_settings(
            self.sources, database_url=self.database_url, data_dir=self.data_dir
        )

    def database_settings(self) -> Settings:
        """Settings that reach the database without reading sources.yaml."""
        return curator.default_settings(database_url=self.database_url, data_dir=self.data_dir)

    def settings_or_default(self) -> Settings:
        """The settings, or built-in defaults when no sources file exists (`extract`)."""
        try:
            return self.settings()
        except ConfigError as e:
            if self.sources is not None or "not found" not in e.message:
                raise
            return curator.default_settings(database_url=self.database_url, data_dir=self.data_dir)


def _version(value: bool) -> None:
    if value:
        out.print(f"curator {curator.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="sources.yaml to use [env: CURATOR_SOURCES]"),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="database URL [env: CURATOR_DATABASE_URL]"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="runtime data folder [env: CURATOR_DATA_DIR]"),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="log details (-vv: more)")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[_SafeRichHandler(console=err, show_path=False)],
    )
    ctx.obj = Options(
        sources=sources, database_url=database_url, data_dir=data_dir, verbosity=verbose
    )


@contextmanager
def _errors() -> Iterator[None]:
    """Map the curator error tree to one clear line and an exit code."""
    try:
        yield
    except (ConfigError, NotFoundError) as e:
        for each in e.errors if isinstance(e, ConfigError) else (e,):  # a file's every error
            err.print(_line(("error:", "red"), " ", _text(each)))
        raise typer.Exit(EXIT_USAGE) from e
    except NoDatabaseError as e:
        err.print(_line(("error:", "red"), " ", _text(e)))
        raise typer.Exit(EXIT_STORE) from e
    except StoreError as e:
        err.print(_line(("database error:", "red"), " ", _text(e)))
        raise typer.Exit(EXIT_STORE) from e
    except BusyError as e:
        err.print(_line(("error:", "red"), " ", _text(e)))
        raise typer.Exit(EXIT_BUSY) from e
    except CuratorError as e:
        err.print(_line(("error:", "red"), " ", _text(e)))
        raise typer.Exit(EXIT_FAILURES) from e


@contextmanager
def _curator(
    ctx: typer.Context, *, check: bool = True, sources_file: bool = True
) -> Iterator[Curator]:
    """The facade; unless ``check`` is off (`db upgrade`), only on an up-to-date database.
    Without ``sources_file`` (commands that read the database alone, e.g. `status`),
    sources.yaml is not read: 10,000 sources take a while to validate."""
    options: Options = ctx.obj
    with _errors():
        settings = options.settings() if sources_file else options.database_settings()
        with curator.make_curator(settings) as facade:
            if check:
                facade.check_database()
            yield facade


def _json_line(value: dict[str, Any]) -> None:
    line = json.dumps(value, ensure_ascii=False, default=_json_default)
    # json.dumps escapes C0 but not DEL and C1 (U+0080-U+009F, e.g. the one-character
    # CSI U+009B): escape them too, so a JSON line on a terminal is inert.
    sys.stdout.write(_C1_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", line) + "\n")
    sys.stdout.flush()


_C1_CHARS = re.compile(r"[\x7f-\x9f]")


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- db ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema, then apply sources.yaml."""
    with _curator(ctx, check=False) as facade:
        changes = facade.upgrade()
    err.print(f"database is up to date ({escape(facade.database_url)})", highlight=False)
    _print_changes(changes)


def _print_changes(changes: SourceChanges) -> None:
    if not changes:
        err.print("sources: no change", highlight=False)
        return
    for label, ids in (
        ("added", changes.added),
        ("changed", changes.changed),
        ("removed", changes.removed),
    ):
        if ids:
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            err.print(_line(f"sources {label} ({len(ids)}): ", _text(shown)))


# --- fetch ------------------------------------------------------------------------

_OUTCOME_STYLE = {
    FetchOutcome.OK: "green",
    FetchOutcome.NOT_MODIFIED: "cyan",
    FetchOutcome.ERROR: "red",
    FetchOutcome.GONE: "yellow",
    FetchOutcome.PAUSED: "yellow",
}


def _report_json(report: SourceReport) -> dict[str, Any]:
    return {
        "source": report.source_id,
        "outcome": str(report.outcome),
        "new": report.counts.new,
        "updated": report.counts.updated,
        "unchanged": report.counts.unchanged,
        "http_status": report.http_status,
        "error": report.error,
        "seconds": round(report.duration.total_seconds(), 3),
        "articles": report.articles,
        "article_errors": report.article_errors,
        "quotes": report.quotes,
        "paused_until": report.paused_until,
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

    def waiting(pid: int | None) -> None:
        holder = f" (pid {pid})" if pid else ""
        err.print(f"another fetch is running{holder}: waiting for it to finish", highlight=False)

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
                on_done=lambda r: _json_line(_report_json(r)),
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
    if any(r.outcome is FetchOutcome.ERROR or r.article_errors for r in reports):
        raise typer.Exit(EXIT_FAILURES)


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
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per source")] = False,
) -> None:
    """The running daemons (nodes), then per source: entries, last success, last error,
    failures, next due, gone."""
    with _curator(ctx, sources_file=False) as facade:
        rows = facade.status()
        nodes = [] if as_json else facade.running_nodes()
    if as_json:
        for row in rows:
            _json_line(
                {
                    "source": row.source_id,
                    "name": row.name,
                    "enabled": row.enabled,
                    "url": row.url,
                    "entries": row.entries,
                    "last_success": row.last_success_at,
                    "last_error": row.last_error,
                    "last_error_at": row.last_error_at,
                    "consecutive_failures": row.consecutive_failures,
                    "next_due": row.next_due_at,
                    "gone": row.gone,
                    "failed_pages": row.failed_pages,
                }
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
    )
    cells = [
        (
            row.source_id + (" (gone)" if row.gone else ""),
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
        _print_plain_table((*columns, "last error"), cells)
        return
    table = Table(title="sources")
    for column in (*columns, "last error"):
        table.add_column(column)
    for row_cells, row in zip(cells, rows, strict=True):
        table.add_row(
            Text(row.source_id) + (Text(" (gone)", style="yellow") if row.gone else ""),
            *row_cells[1:-1],
            Text(row_cells[-1]),
        )
    out.print(table)


#: Rich lays out a table cell by cell: 10,000 rows took 10 s. Longer ones print plainly.
_RICH_TABLE_MAX_ROWS = 500


def _print_plain_table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell, two spaces apart; cells made visible already."""
    widths = [max([cell_len(c), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    widths[-1] = 0  # the last column is not padded

    def line(cells: tuple[str, ...]) -> str:
        padded = (c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    out.file.write("\n".join([line(columns), *(line(r) for r in rows)]) + "\n")
    out.file.flush()


# --- sources ----------------------------------------------------------------------------


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per source")] = False,
) -> None:
    """List the sources configured in sources.yaml."""
    with _errors():
        settings = ctx.obj.settings()
    if as_json:
        for s in settings.sources:
            _json_line(
                {
                    "id": s.id,
                    "url": s.url,
                    "name": s.name,
                    "outlet": s.outlet,
                    "enabled": s.enabled,
                    "interval": s.interval,
                    "fetch_articles": s.fetch_articles,
                    "tags": list(s.tags),
                }
            )
        return
    table = Table(title=str(settings.sources_path))
    for column in ("id", "name", "outlet", "enabled", "interval", "url"):
        table.add_column(column)
    for s in settings.sources:
        table.add_row(
            _text(s.id),
            _text(s.name),
            _text(s.outlet),
            "yes" if s.enabled else "no",
            str(s.interval),
            _text(s.url),
        )
    out.print(table)


@sources_app.command("check")
def sources_check(ctx: typer.Context) -> None:
    """Validate sources.yaml; print every problem with its file, line and field."""
    with _errors():
        settings = ctx.obj.settings()
    enabled = sum(1 for s in settings.sources if s.enabled)
    out.print(
        f"{settings.sources_path}: ok — {len(settings.sources)} sources ({enabled} enabled)",
        highlight=False,
    )


@sources_app.command("sync")
def sources_sync(ctx: typer.Context) -> None:
    """Apply sources.yaml to the database: add, update, mark removed (entries are kept).

    fetch and status use the sources in the database; run this after editing the file.
    """
    with _curator(ctx) as facade:
        changes = facade.sync_sources()
    _print_changes(changes)


@sources_app.command("import")
def sources_import(
    ctx: typer.Context,
    opml: Annotated[Path, typer.Argument(help="OPML file to import", exists=True, dir_okay=False)],
    print_only: Annotated[
        bool, typer.Option("--print", help="print the YAML entries instead of appending them")
    ] = False,
) -> None:
    """Add the feeds of an OPML file to sources.yaml (skipping URLs already there)."""
    with _errors():
        settings = ctx.obj.settings()
        path = settings.sources_path
        plan = curator.plan_opml_import(
            opml.read_bytes(),
            opml_name=str(opml),
            sources_text=path.read_text(encoding="utf-8"),
            sources_path=path,
            existing=settings.sources,
        )
        if print_only:
            sys.stdout.write(plan.items_yaml)
            return
        if plan.problem is not None:
            raise plan.problem
        assert plan.new_text is not None
        path.write_text(plan.new_text, encoding="utf-8")
    out.print(f"imported {len(plan.added)} sources into {path} ({plan.skipped} already there)")


@sources_app.command("export")
def sources_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Write the configured sources as OPML."""
    with _errors():
        settings = ctx.obj.settings()
    text = curator.export_opml(settings.sources, title="curator sources", now=datetime.now(UTC))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


# --- extraction and quotes --------------------------------------------------------------


def _quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "text": quote.text,
        "speaker": quote.speaker,
        "speaker_kind": str(quote.speaker_kind),
        "cue": quote.cue,
        "kind": str(quote.kind),
        "start": quote.start,
        "end": quote.end,
        "confidence": round(quote.confidence, 3),
        "outlet": quote.outlet,
    }


def _extract_json(result: ExtractResult) -> dict[str, Any]:
    article = result.extraction.article if result.extraction else None
    return {
        "input": result.input,
        "title": article.title if article else None,
        "byline": article.byline if article else None,
        "published": article.published_at if article else None,
        "url": (article.canonical_url or article.url) if article else None,
        "text": article.text if article else None,
        "quotes": [_quote_json(q) for q in result.extraction.quotes] if result.extraction else [],
        "error": result.error,
    }


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
            _json_line(_extract_json(result))
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
            _json_line(
                {
                    "entry": report.entry_id,
                    "source": report.source_id,
                    "url": report.url,
                    "quotes": report.quotes,
                    "error": report.error,
                }
            )
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
            _json_line(_stored_quote_json(row))
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


def _stored_quote_json(row: StoredQuote) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source_id,
        "entry": row.entry_id,
        "article": row.article_id,
        "article_title": row.article_title,
        "article_url": row.article_url,
        **_quote_json(row.quote),
    }


# --- drafts and review --------------------------------------------------------------------


def _reviewer(by: str | None) -> str:
    return by or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def _age(when: datetime) -> str:
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _draft_json(draft: Draft) -> dict[str, Any]:
    content = draft.content
    return {
        "id": draft.id,
        "state": str(draft.state),
        "version": draft.version,
        "headline": content.headline,
        "summary": content.summary,
        "attribution": content.attribution,
        "excerpt": content.excerpt,
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "cue": q.cue, "outlet": q.outlet}
            for q in content.quotes
        ],
        "source_url": content.source_url,
        "outlet": content.outlet,
        "published": content.published_at,
        "tags": list(content.tags),
        "also_reported_by": [{"outlet": c.outlet, "url": c.url} for c in content.also_reported_by],
        "flags": [str(flag) for flag in draft.flags],
        "checks": [
            {"flag": str(c.flag), "where": c.where, "reason": c.reason, "text": c.text}
            for c in draft.checks
        ],
        "source": draft.source_id,
        "entry": draft.entry_id,
        "article": draft.article_id,
        "extraction_version": draft.extraction_version,
        "edited": draft.edited,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }


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
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            help="only drafts made since this date (UTC)",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per draft")] = False,
) -> None:
    """List drafts, newest first: id, state, headline, outlet, quotes, flags, age."""
    with _curator(ctx) as facade:
        drafts = facade.list_drafts(
            states=state or (),
            source_ids=source or (),
            since=since.replace(tzinfo=UTC) if since else None,
            limit=limit,
        )
    if as_json:
        for draft in drafts:
            _json_line(_draft_json(draft))
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


@drafts_app.command("show")
def drafts_show(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="the Markdown + YAML front matter used for editing")
    ] = False,
) -> None:
    """Show one draft (Rich rendering, --json or --markdown)."""
    with _curator(ctx) as facade:
        if markdown:
            text = facade.draft_markdown(draft_id)
            # Like ls(1): bytes as they are for a pipe or a file, visible on a terminal.
            sys.stdout.write(_visible(text) if sys.stdout.isatty() else text)
            return
        draft = facade.get_draft(draft_id)
    if as_json:
        _json_line(_draft_json(draft))
    else:
        _render_draft(draft)


def _review_many(
    ctx: typer.Context, ids: list[int], action: Callable[[Curator, int], Draft], verb: str
) -> None:
    """Apply a review action to each id; a refused one is reported and the rest go on."""
    failed = False
    with _curator(ctx) as facade:
        for draft_id in ids:
            try:
                draft = action(facade, draft_id)
            except (DraftError, NotFoundError) as e:
                err.print(_line((f"draft {draft_id}:", "red"), " ", _text(e.message)))
                failed = True
                continue
            out.print(f"draft {draft.id} {verb} (version {draft.version})")
    if failed:
        raise typer.Exit(EXIT_FAILURES)


_BY = typer.Option("--by", help="reviewer name [default: $USER]")
_NOTE = typer.Option("--note", help="why (kept in the history)")


@drafts_app.command("approve")
def drafts_approve(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
    force: Annotated[
        bool, typer.Option("--force", help="approve a flagged draft (needs --note)")
    ] = False,
    version: Annotated[
        int | None,
        typer.Option("--version", help="refuse if the draft is no longer at this version"),
    ] = None,
) -> None:
    """Approve drafts. Flagged ones (verbatim check, budget) need --force and --note."""
    if version is not None and len(ids) != 1:
        raise typer.BadParameter("--version goes with a single draft id")
    reviewer = _reviewer(by)
    _review_many(
        ctx,
        ids,
        lambda f, i: f.approve(i, by=reviewer, note=note, force=force, version=version),
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
    reviewer = _reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.reject(i, by=reviewer, note=note), "rejected")


@drafts_app.command("reopen")
def drafts_reopen(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Send rejected drafts back to review."""
    reviewer = _reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.reopen(i, by=reviewer, note=note), "reopened")


@drafts_app.command("accept-source")
def drafts_accept_source(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="draft ids")],
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Take the new machine version of drafts whose source article changed."""
    reviewer = _reviewer(by)
    _review_many(ctx, ids, lambda f, i: f.accept_proposed(i, by=reviewer), "updated")


@drafts_app.command("edit")
def drafts_edit(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    note: Annotated[str | None, _NOTE] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Edit a draft in $EDITOR (Markdown + YAML front matter), validated on save."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with _curator(ctx) as facade:
        original = facade.draft_markdown(draft_id)
        handle, name = tempfile.mkstemp(prefix=f"curator-draft-{draft_id}-", suffix=".md")
        path = Path(name)
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
                draft = facade.edit_draft(draft_id, text, by=_reviewer(by), note=note)
            except (DraftFormatError, DraftError) as e:
                err.print(_line(("not saved:", "red"), " ", _text(e.message)))
                if sys.stdin.isatty() and typer.confirm("Edit again?", default=True):
                    continue
                err.print(f"your text is kept in {path}")
                raise typer.Exit(EXIT_FAILURES) from e
            path.unlink()
            break
    flags = ", ".join(str(f) for f in draft.flags)
    out.print(
        f"draft {draft.id} saved (version {draft.version}, {draft.state})"
        + (f" — flagged: {flags}" if flags else "")
    )


@drafts_app.command("history")
def drafts_history(
    ctx: typer.Context,
    draft_id: Annotated[int, typer.Argument(help="draft id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per event")] = False,
) -> None:
    """Every change of a draft: when, who, what changed, note."""
    with _curator(ctx) as facade:
        events = facade.draft_history(draft_id)
    if as_json:
        for e in events:
            _json_line(
                {
                    "draft": e.draft_id,
                    "at": e.at,
                    "by": e.by,
                    "action": e.action,
                    "version": e.version,
                    "changes": list(e.changes),
                    "note": e.note,
                }
            )
        return
    table = Table(title=f"draft {draft_id}")
    for column in ("when", "who", "action", "version", "changes", "note"):
        table.add_column(column, overflow="fold")
    for e in events:
        table.add_row(
            _when(e.at),
            _text(e.by),
            e.action,
            str(e.version),
            _text(", ".join(e.changes)),
            _text(e.note or ""),
        )
    out.print(table)


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
            rows = [
                {
                    "entry": d.entry_id,
                    "source": d.source_id,
                    "title": d.title,
                    "url": d.url,
                    "reason": d.reason,
                    "at": d.at,
                }
                for d in facade.list_dropped(source or (), limit=limit)
            ]
        else:
            for source_id in source or ():
                facade.get_source(source_id)
            wanted: list[str | None] = list(source) if source else [None]
            entries = [e for sid in wanted for e in facade.list_entries(source_id=sid, limit=limit)]
            rows = [
                {
                    "entry": e.id,
                    "source": e.source_id,
                    "title": e.title,
                    "url": e.link,
                    "published": e.published_at,
                    "first_seen": e.first_seen_at,
                }
                for e in entries
            ]
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


# --- daemon ----------------------------------------------------------------------------


@app.command()
def daemon(
    ctx: typer.Context,
    tick: Annotated[
        str, typer.Option("--tick", help="longest wait between two ticks (e.g. 1m, 30s)")
    ] = "1m",
    max_ticks: Annotated[
        int | None, typer.Option("--max-ticks", help="stop after this many ticks")
    ] = None,
    shutdown_deadline: Annotated[
        str,
        typer.Option(
            "--shutdown-deadline", help="on SIGTERM, how long work in flight may take to finish"
        ),
    ] = "30s",
    log_format: Annotated[
        str, typer.Option("--log-format", help="text or json (one object per line)")
    ] = "text",
) -> None:
    """Run the whole pipeline in the background until SIGINT/SIGTERM; SIGHUP reloads
    sources.yaml. Each tick refreshes the due sources, fetches their article pages and
    makes drafts."""
    from curator.daemon import configure_logging
    from curator.daemon import run_daemon

    options: Options = ctx.obj
    with _errors():
        every = curator.parse_duration(tick)
        deadline = curator.parse_duration(shutdown_deadline)
    if every.total_seconds() <= 0:
        raise typer.BadParameter("--tick must be positive")
    if log_format not in ("text", "json"):
        raise typer.BadParameter("--log-format must be text or json")
    configure_logging(json_format=log_format == "json", verbosity=options.verbosity)

    def reload() -> Curator:
        return curator.make_curator(options.settings())

    with _curator(ctx) as facade:
        ticks = run_daemon(
            facade, tick=every, max_ticks=max_ticks, shutdown_deadline=deadline, reload=reload
        )
    err.print(f"daemon stopped after {ticks} ticks")


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
                    _json_line(
                        {
                            "draft": row.draft_id,
                            "target": row.target,
                            "remote_id": row.remote_id,
                            "remote_url": row.remote_url,
                            "outcome": row.outcome,
                            "error": row.error,
                            "removed": row.removed,
                            "published_at": row.published_at,
                            "updated_at": row.updated_at,
                        }
                    )
                return
            table = Table(title="published")
            for column in ("draft", "target", "where", "outcome", "updated", "error"):
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(
                    str(row.draft_id),
                    _text(row.target),
                    _text(row.remote_url or row.remote_id or ""),
                    _text("removed" if row.removed else row.outcome),
                    _when(row.updated_at),
                    _text(row.error or ""),
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
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per result")] = False,
) -> None:
    """Take a published post down everywhere it went (takedown requests happen)."""
    with _curator(ctx) as facade:
        results = facade.unpublish(draft_id, target or ())
    _print_results(results, as_json)


def _print_results(results: Sequence[PublishResult], as_json: bool) -> None:
    if as_json:
        for r in results:
            _json_line(
                {
                    "target": r.target,
                    "draft": r.draft_id,
                    "outcome": r.outcome,
                    "remote_id": r.remote_id,
                    "remote_url": r.remote_url,
                    "error": r.error,
                }
            )
    else:
        table = Table(title="publish")
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


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (kill, systemd, docker stop) ends a command as Ctrl-C does: asyncio's
    handler cancels the run, so parse workers are stopped and reaped, not orphaned."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored (started in the background by a script)
        raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)  # `curator daemon` installs its own
    app()
