"""A single-node lock on SQLite: ``fcntl.flock`` on a file beside the database.

The kernel drops a flock when its holder dies (SIGKILL included), so a lock is never
stale; the pid written in the file only names the holder in messages. The standard
library is enough for that (``filelock`` does the same flock, without a holder's pid).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from curator.errors import BusyError


def _holder(fd: int) -> int | None:
    """The pid written by the lock's holder; None while it is still writing it."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@contextmanager
def file_lock(
    path: Path,
    what: str,
    *,
    wait: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) with our pid in it.

    When another process holds it: raise `BusyError` ("another {what} is running (pid
    N)"), or with ``wait`` call ``on_wait(pid)`` and block until it is released.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise BusyError(f"cannot open the lock file {path}: {e.strerror or e}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            if not wait:
                running = f"another {what} is running" + (f" (pid {pid})" if pid else "")
                raise BusyError(running, pid=pid) from None
            if on_wait is not None:
                on_wait(pid)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a released lock names no holder
    finally:
        os.close(fd)  # closing the last descriptor releases the flock
