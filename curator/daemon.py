"""The background daemon: APScheduler 3.11 runs `Curator.fetch(only_due=True)` on a tick.

Thin like the CLI: it decides nothing. Which sources are due is the pure policy
of curator.fetch (interval, backoff, Retry-After, gone); each tick fetches the
due ones, their article pages, and makes drafts. One tick at a time
(``max_instances=1``, coalesced), so a slow tick is never doubled.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from curator import Curator
from curator import CuratorError
from curator import SourceReport

logger = logging.getLogger(__name__)

DEFAULT_TICK = timedelta(minutes=1)


def run_tick(facade: Curator) -> list[SourceReport]:
    """One tick: fetch the sources that are due. Errors are logged, never raised."""
    try:
        reports = facade.fetch(only_due=True)
    except CuratorError as e:
        logger.error("tick failed: %s", e)
        return []
    for report in reports:
        if report.error:
            logger.warning("%s: %s", report.source_id, report.error)
    logger.info("tick: %d sources fetched", len(reports))
    return reports


def run_daemon(
    facade: Curator,
    *,
    tick: timedelta = DEFAULT_TICK,
    max_ticks: int | None = None,
    on_tick: Callable[[list[SourceReport]], None] | None = None,
) -> int:
    """Run ticks until SIGINT/SIGTERM (or ``max_ticks``); returns the number of ticks."""
    scheduler = BlockingScheduler(timezone="UTC")
    ticks = 0
    running = threading.Lock()  # held during a tick: stopping waits for it to end

    def job() -> None:
        nonlocal ticks
        with running:
            reports = run_tick(facade)
            ticks += 1
            done = max_ticks is not None and ticks >= max_ticks
        if on_tick is not None:
            on_tick(reports)
        if done:
            scheduler.shutdown(wait=False)

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: stopping after the current tick", signum)
        scheduler.shutdown(wait=False)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    scheduler.add_job(
        job,
        "interval",
        seconds=tick.total_seconds(),
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    with running:  # a tick still in progress finishes before the store is closed
        return ticks
