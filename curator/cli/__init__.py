"""The command line: a thin layer over the Curator facade (Typer + Rich).

Exit codes (also in README): 0 success; 1 some sources, article pages or checks failed
(the rest still ran); 2 usage or configuration error; 3 database error, or no database
yet (`curator db upgrade` makes it); 4 another fetch or daemon is running (did nothing).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
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
    try:
        app()
    except SystemExit as e:
        if isinstance(e.code, int | None):
            _exit_now(e.code or 0)
        raise


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown (freeing every module and object: ~0.3 s
    after a fetch, bench/README.md), once the command has closed what it opened (the
    database, locks, parse workers). Only when nothing else runs: another thread or a
    child process means the usual exit, which waits for them."""
    processes = sys.modules.get("multiprocessing")  # not imported: no child of it
    if threading.active_count() > 1 or (processes and processes.active_children()):
        return
    try:
        atexit._run_exitfuncs()  # what the usual exit runs too (logging's flush, …)
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # e.g. a closed pipe: let the usual exit report it
        return
    os._exit(code)
