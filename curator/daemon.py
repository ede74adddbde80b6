"""The background daemon (#11): APScheduler 3.11 runs the whole pipeline, one item at a time.

Thin like the CLI: it decides nothing. Each tick takes the units of `Curator.units()`
in pipeline order — refresh the due sources (which are due is the pure policy of
curator.fetch: interval, backoff, Retry-After, gone), fetch their article pages, curate
the new entries — and a failing item is logged and counted while the others go on. One
tick at a time (``max_instances=1``, coalesced); after a tick the next one is moved up to
when the first source falls due, so a short interval is kept even with a long tick.

Signals: SIGTERM/SIGINT stop taking work, let the items in flight finish up to the
shutdown deadline (then cancel them: each unit is one transaction, so nothing is half
written) and return. SIGHUP reloads sources.yaml between two ticks: an invalid file
keeps the old configuration and logs the error.

On SQLite one node runs: the daemon holds the database's "daemon" lock for its life
(a second daemon is refused), and each tick the "fetch" lock that `curator fetch`
takes too, so a one-off fetch and a tick never run at the same time. On PostgreSQL
both are no-ops and this scheduler is still single-node.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import platform
import signal
import socket
import time
import tracemalloc
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import asdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from curator import BusyError
from curator import ConfigError
from curator import Curator
from curator import CuratorError
from curator import FetchOutcome
from curator import Node
from curator import Units
from curator import __version__

logger = logging.getLogger(__name__)

DEFAULT_TICK = timedelta(minutes=1)
#: How often the node's heartbeat row is written (`curator status` shows the nodes).
HEARTBEAT_EVERY = timedelta(seconds=10)
#: Items of one stage in flight at once (each unit also obeys the fetcher's limits).
ITEMS_IN_FLIGHT = 8
_T = TypeVar("_T")
#: Seconds between two memory snapshots; set, the daemon traces its allocations and logs
#: the lines whose memory grew most since the previous snapshot (bench/daemon_memory.py).
TRACE_MEMORY_ENV = "CURATOR_TRACEMALLOC"


@dataclass(slots=True)
class TickReport:
    """What one tick did: the counts of its log line."""

    sources: int = 0  # source runs (refresh_source)
    new: int = 0  # new entries
    pages: int = 0  # article pages fetched and extracted
    quotes: int = 0
    drafts: int = 0
    published: int = 0
    errors: int = 0  # failed items of any stage
    skipped: bool = False  # another process held the "fetch" lock


Factory = Callable[[], Curator]


def run_daemon(
    facade: Curator,
    *,
    tick: timedelta = DEFAULT_TICK,
    max_ticks: int | None = None,
    shutdown_deadline: timedelta | None = None,
    reload: Factory | None = None,
    on_tick: Callable[[TickReport], None] | None = None,
) -> int:
    """Run ticks until SIGINT/SIGTERM (or ``max_ticks``); returns the number of ticks.

    ``shutdown_deadline`` overrides the setting ``daemon.shutdown_deadline`` (which a
    reload may change). ``reload`` builds a facade from sources.yaml again (on SIGHUP);
    the daemon closes the facades it built, never ``facade``. Raises `BusyError` at once
    when another daemon runs on the same SQLite database, `ConfigError` for
    ``max_ticks`` on PostgreSQL (ticks are shared there), and the task worker's
    `StoreError` when it ends by itself on PostgreSQL (e.g. the database went away).
    """
    if max_ticks is not None and facade.database_url.startswith("postgresql"):
        raise ConfigError(
            "works on SQLite only: on PostgreSQL the ticks are the task queue's, shared by"
            " every node; stop a daemon with SIGTERM",
            field="--max-ticks",
        )
    cap_malloc_arenas()
    with facade.single_node_lock("daemon"):
        daemon = Daemon(
            facade,
            tick=tick,
            max_ticks=max_ticks,
            shutdown_deadline=shutdown_deadline,
            reload=reload,
            on_tick=on_tick,
        )
        try:
            asyncio.run(daemon.run())
        finally:
            daemon.close()
        if daemon.failure is not None:
            raise daemon.failure  # the CLI exits non-zero (3 for a StoreError)
        return daemon.ticks


#: glibc's mallopt parameter for the most malloc arenas (M_ARENA_MAX in malloc.h).
_M_ARENA_MAX = -8
#: Arenas a daemon keeps (glibc's default is 8 per core).
MALLOC_ARENAS = 2


def cap_malloc_arenas() -> bool:
    """Cap glibc's malloc arenas at `MALLOC_ARENAS`, as ``MALLOC_ARENA_MAX=2`` does;
    True when applied.

    Each thread that allocates (asyncio.to_thread, the database drivers) may get an
    arena of its own, and their fragmentation made a node's RSS creep up ~1.5 MB per
    10 min with a flat Python heap; capped, it stayed flat (bench/README.md,
    daemon_memory.py). An explicit MALLOC_ARENA_MAX, or another libc, is left alone.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, MALLOC_ARENAS))


class Daemon:
    """The scheduler, the signals and the facade in use; `run_daemon` drives it."""

    def __init__(
        self,
        facade: Curator,
        *,
        tick: timedelta,
        max_ticks: int | None,
        shutdown_deadline: timedelta | None,
        reload: Factory | None,
        on_tick: Callable[[TickReport], None] | None,
    ) -> None:
        self.facade = facade
        self._own_facade = False  # the caller's facade is the caller's to close
        self._tick_every = tick
        self._max_ticks = max_ticks
        self._deadline_override = shutdown_deadline
        self._reload = reload
        self._on_tick = on_tick
        self.ticks = 0
        self._units: Units | None = None
        self._units_stack = contextlib.AsyncExitStack()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()  # stop or reload: the PostgreSQL worker is restarted
        self._reload_requested = False
        self._tick_task: asyncio.Task[None] | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self.work = "starting"  # what the node has in hand (heartbeat, status)
        self._node: Node | None = None
        #: Why the PostgreSQL task worker ended by itself; `run_daemon` raises it.
        self.failure: BaseException | None = None

    @property
    def _deadline(self) -> timedelta:
        """The CLI's --shutdown-deadline, else the setting of the configuration in use."""
        if self._deadline_override is not None:
            return self._deadline_override
        return self.facade.settings.daemon.shutdown_deadline

    # --- life cycle ------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        try:
            await asyncio.to_thread(self._sync_sources)
            self._node = await asyncio.to_thread(self.facade.register_node)
            await self._log_start()
            self._scheduler.add_job(
                self._heartbeat,
                "interval",
                id="heartbeat",
                seconds=HEARTBEAT_EVERY.total_seconds(),
                max_instances=1,
                coalesce=True,
            )
            self._trace_memory()
            if self.facade.database_url.startswith("postgresql"):
                self._scheduler.start()
                await self._run_workers()
                self._scheduler.shutdown(wait=False)
                return
            self._scheduler.add_job(
                self._tick,
                "interval",
                id="tick",
                seconds=self._tick_every.total_seconds(),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC),
            )
            self._scheduler.start()
            await self._stopping.wait()
            # Pause, not shut down: shutting down an asyncio scheduler cancels the jobs
            # running, and the tick in flight is given the deadline to finish.
            self._scheduler.pause()
            await self._finish_in_flight()
            self._scheduler.shutdown(wait=False)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            await self._units_stack.aclose()
            if self._node is not None:
                await asyncio.to_thread(self._unregister, self._node)

    def stop(self, signum: int | None = None) -> None:
        """Stop taking work; the items in flight get the shutdown deadline."""
        if not self._stopping.is_set():
            if signum is not None:
                logger.info(
                    "%s: stopping (in-flight work has %s to finish)",
                    signal.Signals(signum).name,
                    _seconds(self._deadline),
                )
            self._stopping.set()
            self._wake.set()

    def request_reload(self) -> None:
        """SIGHUP: reload sources.yaml before the next tick, which is moved up to now."""
        logger.info("SIGHUP: reloading the configuration")
        self._reload_requested = True
        self._wake.set()
        with contextlib.suppress(Exception):  # not started yet: the first tick reloads
            self._scheduler.modify_job("tick", next_run_time=datetime.now(UTC))

    def close(self) -> None:
        if self._own_facade:
            self.facade.close()

    async def _run_workers(self) -> None:
        """PostgreSQL: every unit is a procrastinate job shared by all the nodes
        (`Curator.run_worker`); SIGHUP restarts the worker with the new configuration."""
        while not self._stopping.is_set():
            worker_stop = asyncio.Event()
            worker = asyncio.create_task(
                self.facade.run_worker(
                    concurrency=ITEMS_IN_FLIGHT,
                    stop=worker_stop,
                    node=f"{socket.gethostname()}:{os.getpid()}",
                    tick=self._tick_every,
                )
            )
            self._tick_task = worker
            self.work = "task worker"
            wake = asyncio.create_task(self._wake.wait())
            await asyncio.wait({worker, wake}, return_when=asyncio.FIRST_COMPLETED)
            wake.cancel()
            if worker.done():
                if not worker.cancelled() and (error := worker.exception()) is not None:
                    logger.error("%s", error)
                    self.failure = error
                self.stop()
                return
            worker_stop.set()  # its running jobs get the deadline
            await self._finish_in_flight()
            self._wake.clear()
            if self._reload_requested and not self._stopping.is_set():
                await self._apply_reload()

    async def _finish_in_flight(self) -> None:
        task = self._tick_task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=self._deadline.total_seconds())
        if not done:
            logger.warning(
                "shutdown deadline (%s) reached: cancelling the work in flight",
                _seconds(self._deadline),
            )
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- configuration ---------------------------------------------------------------

    def _sync_sources(self) -> None:
        changes = self.facade.sync_sources()
        if changes:
            logger.info(
                "sources: %d added, %d changed, %d removed",
                len(changes.added),
                len(changes.changed),
                len(changes.removed),
            )

    async def _log_start(self) -> None:
        sources = self.facade.sources
        enabled = sum(1 for source in sources if source.enabled)
        nodes = await asyncio.to_thread(self.facade.running_nodes)
        logger.info(
            "curator %s daemon started: database %s, %d sources (%d enabled),"
            " node %s pid %d, %d nodes running",
            __version__,
            self.facade.database_url,
            len(sources),
            enabled,
            socket.gethostname(),
            os.getpid(),
            len(nodes),
            extra={
                "event": "start",
                "version": __version__,
                "sources": len(sources),
                "nodes": len(nodes),
            },
        )

    async def _heartbeat(self) -> None:
        if self._node is None:
            return
        try:
            await asyncio.to_thread(self.facade.heartbeat, self._node, self.work)
        except CuratorError as e:  # the next beat tries again
            logger.warning("heartbeat not written: %s", e)

    def _trace_memory(self) -> None:
        """With CURATOR_TRACEMALLOC=<seconds>: every so often, log the top growth."""
        every = float(os.environ.get(TRACE_MEMORY_ENV) or 0)
        if every <= 0:
            return
        tracemalloc.start()
        snapshots: list[tracemalloc.Snapshot] = []

        def snapshot() -> None:
            now = tracemalloc.take_snapshot()
            if snapshots:
                traced = tracemalloc.get_traced_memory()[0]
                logger.info("memory traced: %.1f MB", traced / 1e6)
                for growth in now.compare_to(snapshots[-1], "lineno")[:15]:
                    logger.info("memory growth since the previous snapshot: %s", growth)
            snapshots[:] = [now]

        # Late under load is fine (not skipped): the snapshots are what was asked for.
        self._scheduler.add_job(
            snapshot,
            "interval",
            id="trace-memory",
            seconds=every,
            misfire_grace_time=None,
            coalesce=True,
        )

    def _unregister(self, node: Node) -> None:
        try:
            self.facade.unregister_node(node)
        except CuratorError as e:
            logger.warning("node row not removed: %s", e)

    async def _apply_reload(self) -> None:
        """Build the facade from sources.yaml again; on an invalid file keep the old one."""
        self._reload_requested = False
        if self._reload is None:
            logger.warning("reload requested but this daemon has no configuration to reload")
            return
        try:
            facade = await asyncio.to_thread(self._reload)
        except ConfigError as e:
            for error in e.errors:  # every one, each with its file, line and field
                logger.error("reload failed, keeping the previous configuration: %s", error)
            return
        old, old_owned = self.facade, self._own_facade
        await self._units_stack.aclose()  # its fetcher has the old fetch settings
        self._units = None
        self.facade, self._own_facade = facade, True
        if old_owned:
            old.close()
        try:
            await asyncio.to_thread(self._sync_sources)
        except CuratorError as e:
            logger.error("reload: could not apply the sources: %s", e)
        logger.info("configuration reloaded: %d sources", len(facade.sources))

    # --- the tick ----------------------------------------------------------------------

    async def _tick(self) -> None:
        self._tick_task = asyncio.current_task()
        if self._stopping.is_set():
            return
        if self._reload_requested:
            await self._apply_reload()
        started = time.monotonic()
        try:
            with self.facade.single_node_lock("fetch"):
                report = await self._run_pipeline()
        except BusyError as e:
            logger.info("tick skipped: %s", e)  # what is due stays due for the next tick
            report = TickReport(skipped=True)
        except CuratorError as e:
            logger.error("tick failed: %s", e)
            report = TickReport(errors=1)
        finally:
            self.work = "idle"
        self.ticks += 1
        self._log_tick(report, time.monotonic() - started)
        if self._on_tick is not None:
            self._on_tick(report)
        if self._max_ticks is not None and self.ticks >= self._max_ticks:
            self.stop()
        else:
            self._schedule_next()

    async def _run_pipeline(self) -> TickReport:
        units = await self._get_units()
        report = TickReport()

        due = units.due_sources()
        self.work = f"refreshing {len(due)} sources"
        await self._each(due, lambda source_id: self._refresh(units, source_id, report))

        pages = units.pending_pages()
        self.work = f"fetching {len(pages)} pages"
        await self._each(pages, lambda entry_id: self._fetch_page(units, entry_id, report))

        entries = units.pending_entries()
        self.work = f"curating {len(entries)} entries"
        # Curating is CPU and one transaction each: one at a time, off the event loop.
        await self._each(
            entries, lambda entry_id: self._curate(units, entry_id, report), in_flight=1
        )

        auto = [t.name for t in self.facade.settings.publish.targets if t.auto]
        if auto and not self._stopping.is_set():
            self.work = f"publishing to {', '.join(auto)}"
            await self._publish(auto, report)
        return report

    async def _publish(self, targets: list[str], report: TickReport) -> None:
        """Approved drafts to the targets marked ``auto: true`` (the ledger makes a
        second run a no-op; a human still approves every draft)."""
        try:
            results = await asyncio.to_thread(self.facade.publish, targets)
        except CuratorError as e:
            report.errors += 1
            logger.error("publishing: %s", e)
            return
        for result in results:
            if result.outcome in ("created", "updated"):
                report.published += 1
            elif result.outcome == "error":
                report.errors += 1
                logger.warning("publish %s to %s: %s", result.draft_id, result.target, result.error)

    async def _get_units(self) -> Units:
        if self._units is None:
            self._units = await self._units_stack.enter_async_context(self.facade.units())
        return self._units

    async def _each(
        self,
        items: Iterable[_T],
        work: Callable[[_T], Awaitable[None]],
        *,
        in_flight: int = ITEMS_IN_FLIGHT,
    ) -> None:
        """Run ``work`` on each item, ``in_flight`` at a time; after a stop, start no more."""
        slots = asyncio.Semaphore(in_flight)

        async def one(item: _T) -> None:
            async with slots:
                if not self._stopping.is_set():
                    await work(item)

        await asyncio.gather(*(one(item) for item in items))

    async def _refresh(self, units: Units, source_id: str, report: TickReport) -> None:
        try:
            source = await units.refresh_source(source_id)
        except CuratorError as e:
            report.errors += 1
            logger.error("source %s: %s", source_id, e, extra={"event": "source"})
            return
        report.sources += 1
        report.new += source.counts.new
        failed = source.outcome is FetchOutcome.ERROR
        report.errors += failed
        logger.log(
            logging.WARNING if failed else logging.INFO,
            "source %s: %s, %d new, %d updated%s (%s)",
            source_id,
            source.outcome,
            source.counts.new,
            source.counts.updated,
            f": {source.error}" if source.error else "",
            _seconds(source.duration),
            extra={
                "event": "source",
                "source": source_id,
                "outcome": str(source.outcome),
                "http_status": source.http_status,
                "new": source.counts.new,
                "updated": source.counts.updated,
                "error": source.error,
            },
        )

    async def _fetch_page(self, units: Units, entry_id: int, report: TickReport) -> None:
        try:
            article = await units.fetch_page(entry_id)
        except CuratorError as e:
            report.errors += 1
            logger.error("entry %d: article page: %s", entry_id, e)
            return
        if article is None:
            return
        if article.error:
            report.errors += 1
            logger.warning("entry %d: %s: %s", entry_id, article.url, article.error)
            return
        report.pages += 1
        report.quotes += article.quotes

    async def _curate(self, units: Units, entry_id: int, report: TickReport) -> None:
        try:
            draft = await asyncio.to_thread(units.curate_entry, entry_id)
        except CuratorError as e:
            report.errors += 1
            logger.error("entry %d: curating: %s", entry_id, e)
            return
        report.drafts += draft is not None

    def _log_tick(self, report: TickReport, seconds: float) -> None:
        logger.info(
            "tick %d: %d sources, %d new entries, %d pages, %d quotes, %d drafts,"
            " %d published, %d errors (%.1f s)%s",
            self.ticks,
            report.sources,
            report.new,
            report.pages,
            report.quotes,
            report.drafts,
            report.published,
            report.errors,
            seconds,
            " [skipped: another fetch is running]" if report.skipped else "",
            extra={"event": "tick", "tick": self.ticks, "seconds": round(seconds, 3)}
            | asdict(report),
        )

    def _schedule_next(self) -> None:
        """Move the next tick up to when the first source falls due (never later than
        one tick from now, which the interval trigger gives anyway)."""
        if self._units is None:  # the tick failed before it had its units
            return
        try:
            # One row from the index on next_due_at, not every source's status.
            first_due = self._units.next_due_at()
        except CuratorError as e:
            logger.warning("cannot read when sources are due: %s", e)
            return
        if first_due is None:
            return
        now = datetime.now(UTC)
        at = max(first_due, now)
        if at < now + self._tick_every:
            self._scheduler.modify_job("tick", next_run_time=at)


# --- logging ---------------------------------------------------------------------------

_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per log record: time, level, logger, message and the record's
    ``extra`` fields (``event``, counts), for journald and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update((k, v) for k, v in record.__dict__.items() if k not in _RECORD_FIELDS)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(*, json_format: bool, verbosity: int) -> None:
    """Daemon logging: curator at INFO (DEBUG with -v), APScheduler's internals at
    WARNING unless -vv; with ``json_format`` one JSON object per line on stderr."""
    if json_format:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        for old in root.handlers[:]:
            root.removeHandler(old)
        root.addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("curator").setLevel(logging.DEBUG if verbosity >= 1 else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)


def _seconds(value: timedelta) -> str:
    return f"{value.total_seconds():.1f} s"


__all__ = [
    "DEFAULT_TICK",
    "JsonFormatter",
    "TickReport",
    "cap_malloc_arenas",
    "configure_logging",
    "run_daemon",
]
