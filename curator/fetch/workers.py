"""The process pool for CPU work (feed parsing, article extraction): how it is started.

Moved out of `client.py` unchanged; the Fetcher owns the pool (`Fetcher.run_cpu`).
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

from curator.fetch.parse import parse_feed


def start_pool_future(workers: int) -> asyncio.Future[ProcessPoolExecutor]:
    """A parse pool: started now when it can be forked, else in the background."""
    if threading.active_count() == 1:
        future: asyncio.Future[ProcessPoolExecutor] = asyncio.get_running_loop().create_future()
        future.set_result(start_pool(workers))
        return future
    # The forkserver takes a while to start: let the fetches begin meanwhile.
    return asyncio.ensure_future(asyncio.to_thread(start_pool, workers))


def die_with_parent() -> None:
    """Parse workers end when their parent does, even if it was killed (SIGKILL).

    Otherwise they wait on their job queue forever. Linux only (prctl); elsewhere
    they end when the pool is shut down, as usual.
    """
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for parse_feed, its workers already started.

    Start method: fork when this process has no other thread, else forkserver.
    Forking is near-instant and the workers inherit the imported parser, but
    forking a process that runs threads can deadlock (Python 3.12+ warns), so
    with threads around the forkserver, which imports the parser once and forks
    workers from itself, is used instead; under load it takes a second or more
    to start (bench/README.md). As with spawn, forkserver workers import the main
    script as ``__mp_main__``: a script run by path needs its ``__main__`` guard.
    """
    if threading.active_count() == 1:
        context: multiprocessing.context.BaseContext = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([parse_feed.__module__])
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent)
    # With fork, the first submit starts every worker before the pool's own
    # manager thread exists, so the fork happens while this process has one thread.
    pool.submit(int).result()
    return pool


def stop_pool(pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
    """Shut the pool down and reap its workers (no zombies); blocks until they are gone.

    ``kill``: end the workers now rather than after their current job (a run that is
    interrupted or failed; a job may be a parse that takes long). A worker killed from
    outside is reaped as well: the pool's manager thread joins every worker once one
    dies, and ``shutdown(wait=True)`` waits for that thread.
    """
    if kill:
        processes = getattr(pool, "_processes", None) or {}  # private, hence the care
        for process in list(processes.values()):
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
