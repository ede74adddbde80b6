"""Shared by the command modules: the Typer apps, global options, the facade context,
error handling and terminal-safe output helpers.

Exit codes (also in README): 0 success; 1 some sources, article pages or checks failed
(the rest still ran); 2 usage or configuration error, or an id that does not exist; 3
database error, or no database yet (`curator db upgrade` makes it); 4 another fetch or
daemon is running (did nothing); 5 refused by the review rules (the draft's state or
flags, an invalid edit); 6 the draft changed meanwhile (stale version).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any

import typer
from rich.console import Console
from rich.console import ConsoleRenderable
from rich.logging import RichHandler
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from typer.core import TyperOption

import curator
from curator import BusyError
from curator import ConfigError
from curator import CuratorError
from curator import DraftError
from curator import NoDatabaseError
from curator import NotFoundError
from curator import StaleVersionError
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
EXIT_REFUSED = 5
EXIT_STALE = 6


def _flags_take_no_value() -> None:
    """Typer's Rich help prints a value type beside every flag (`--json <bool>`,
    `--help <bool>`, `-v <int>`), its plain help does not: a flag or counter takes no
    value, so none is shown. Here once, for every command (typer 0.29)."""
    display_type = TyperOption.display_type_rich

    def flag_aware(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag or self.count else display_type(self, ctx)

    TyperOption.display_type_rich = flag_aware  # type: ignore[method-assign]


_flags_take_no_value()

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


class _Output(Console):
    """The console of stdout. Piped or redirected (not a terminal), a table is printed
    at its natural width: Rich would fit it into 80 columns and cut every cell
    ("sour… resu…"), which no script or pager can read. Other output keeps the width."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        tables = [o for o in objects if isinstance(o, Table)]
        if self.is_terminal or not tables:
            super().print(*objects, **kwargs)
            return
        unbounded = self.options.update_width(_UNBOUNDED)
        natural = max(Measurement.get(self, unbounded, t).maximum for t in tables)
        width = self.width
        self.width = max(width, natural)
        try:
            super().print(*objects, **kwargs)
        finally:
            self.width = width


_UNBOUNDED = 1_000_000

out = _Output(soft_wrap=True)
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
        int,
        typer.Option(
            "--verbose", "-v", count=True, show_default=False, help="log details (-vv: more)"
        ),
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


def exit_code(error: CuratorError) -> int:
    """The exit code of a kind of failure, the same in every command."""
    if isinstance(error, ConfigError | NotFoundError):
        return EXIT_USAGE
    if isinstance(error, StoreError):
        return EXIT_STORE
    if isinstance(error, BusyError):
        return EXIT_BUSY
    if isinstance(error, StaleVersionError):
        return EXIT_STALE
    if isinstance(error, DraftError):
        return EXIT_REFUSED
    return EXIT_FAILURES


def reviewer(by: str | None) -> str:
    """Who is reviewing: --by, else $CURATOR_REVIEWER, else the login name ($LOGNAME,
    $USER, … or the password database); never a made-up name."""
    name = by or os.environ.get("CURATOR_REVIEWER")
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name anywhere (a bare container)
            name = None
    if not name or not name.strip():
        err.print(
            _line(("error:", "red"), " who is reviewing? give --by NAME or set CURATOR_REVIEWER")
        )
        raise typer.Exit(EXIT_USAGE)
    return name.strip()


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
    except DraftError as e:
        err.print(_line(("error:", "red"), " ", _text(e)))
        raise typer.Exit(exit_code(e)) from e
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


def _json_lines(values: Iterable[dict[str, Any]]) -> None:
    """`_json_line` for many objects, written at once: not a system call per line."""
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    text = "".join(encode(value) + "\n" for value in values)
    sys.stdout.write(_C1_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
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
    # isoformat: strftime is slower, and `curator status` prints two dates per source.
    return value.astimezone(UTC).isoformat(" ", "seconds")[:19] + " UTC"
