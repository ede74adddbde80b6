"""The command line: a thin layer over the Curator facade (Typer + Rich).

Exit codes (also in README): 0 success; 1 some sources, article pages or checks failed
(the rest still ran); 2 usage or configuration error; 3 database error, or no database
yet (`curator db upgrade` makes it); 4 another fetch or daemon is running (did nothing).
"""

from __future__ import annotations

import signal
from types import FrameType

# Importing the command modules registers their commands on `app`, in this order
# (the order `curator --help` lists them in), so isort must not sort them.
# isort: off
from curator.cli import fetching as fetching
from curator.cli import sources as sources
from curator.cli import drafts as drafts
from curator.cli import daemon as daemon
from curator.cli import publishing as publishing
from curator.cli import users as users
from curator.cli import web as web

# isort: on
from curator.cli._common import app

__all__ = ["app", "main"]


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
