"""Command: daemon."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Annotated

import typer

import curator

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    from curator import Curator
from curator.cli._common import Options
from curator.cli._common import _curator
from curator.cli._common import _errors
from curator.cli._common import app
from curator.cli._common import err

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
        str | None,
        typer.Option(
            "--shutdown-deadline",
            help="on SIGTERM, how long work in flight may take to finish"
            " [default: daemon.shutdown_deadline in sources.yaml, else 30s]",
        ),
    ] = None,
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
        deadline = None if shutdown_deadline is None else curator.parse_duration(shutdown_deadline)
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
