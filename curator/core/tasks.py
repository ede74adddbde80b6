"""The pipeline as procrastinate tasks: several daemons on one PostgreSQL (#11).

Each unit of work of `Units` is a task whose procrastinate ``lock`` and ``queueing_lock``
are the item's key (``source:<id>``, ``page:<hash of its URL>``, ``entry:<entry id>``): at most
one job per item waits in the queue, and two workers never run the same item at once.
A periodic "tick" defers the due sources; procrastinate defers each periodic timestamp
once across all workers. A refresh defers its source's article pages, a page its
curation, so work flows from node to node through the queue.

The locks prevent wasted work; the store's unique keys prevent duplicates in every
interleaving, and every unit re-checks under its lock whether it still has work (a
source fetched meanwhile is no longer due, a stored page is no longer pending).

A worker killed with SIGKILL stops sending heartbeats; a periodic task finds its jobs
stalled (`JobManager.get_stalled_jobs`) and queues them again (`retry_job`). What the
killed job had done is stored or not at all (one transaction per unit), so the retry
redoes at most the one request that was in flight.

Procrastinate's tables live in the same database, created and upgraded by
`curator db upgrade` (`apply_schema`); nothing outside this module names them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from typing import Final

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate import tasks as ptasks
from procrastinate.schema import SchemaManager

from curator.core._context import Context
from curator.core._context import make_fetcher
from curator.core.units import Units
from curator.errors import CuratorError
from curator.errors import NotFoundError
from curator.errors import StoreError

logger = logging.getLogger(__name__)

QUEUE: Final = "curator"
DEFAULT_TICK: Final = timedelta(minutes=1)
DEFAULT_HEARTBEAT: Final = timedelta(seconds=10)
"""How often a worker says it is alive (procrastinate's ``update_heartbeat_interval``)."""
DEFAULT_STALLED_AFTER: Final = timedelta(seconds=30)
"""A worker silent this long is dead: its running jobs are queued again."""
SWEEP_CRON: Final = "* * * * *"
"""How often pages and entries no job holds (a job that gave up) are queued again."""
SWEEP_LIMIT: Final = 1000

# A failing unit is tried 5 times, waiting 4, 8, 16, 32 s: an outage of the database or
# a bug, not a failing source (a fetch error is a value stored on the source).
RETRY: Final = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2)

# Same key as the store's migrations: `db upgrade`s on several nodes wait for each other.
_SCHEMA_LOCK_KEY: Final = 0x637572_61746F72
_VERSION_MARK: Final = "curator: procrastinate schema "

TaskFn = Callable[..., Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerOptions:
    concurrency: int
    node: str | None = None
    tick: timedelta = DEFAULT_TICK
    heartbeat: timedelta = DEFAULT_HEARTBEAT
    stalled_after: timedelta = DEFAULT_STALLED_AFTER


def conninfo(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (psycopg takes no driver suffix)."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise StoreError(f"not a PostgreSQL URL: {scheme}://…")
    return f"postgresql://{rest}"


def cron(tick: timedelta) -> str:
    """The cron line of a tick: croniter reads a sixth field as seconds."""
    seconds = tick.total_seconds()
    if seconds == int(seconds) and 1 <= seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{int(seconds)}"
    minutes = seconds / 60
    if minutes == int(minutes) and 1 <= minutes <= 60 and 60 % minutes == 0:
        return f"*/{int(minutes)} * * * *"
    raise ValueError(f"a tick must divide a minute or an hour, not {tick}")


# --- the schema ---------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _installed_version() -> str:
    return metadata.version("procrastinate")


def apply_schema(database_url: str) -> None:
    """Create procrastinate's tables, or apply its migrations since the version that
    made them (marked in a comment on its jobs table). One transaction, idempotent."""
    current = _installed_version()
    try:
        with psycopg.connect(conninfo(database_url)) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
            row = conn.execute(
                "SELECT obj_description(to_regclass('procrastinate_jobs'), 'pg_class'), "
                "to_regclass('procrastinate_jobs') IS NOT NULL"
            ).fetchone()
            mark, exists = row if row else (None, False)
            if not exists:
                conn.execute(SchemaManager.get_schema())
            else:
                applied = (mark or "").removeprefix(_VERSION_MARK)
                if not applied or _version(applied) > _version(current):
                    return  # made by another tool, or by a newer curator: leave it
                for path in _migrations_after(applied, current):
                    logger.info("procrastinate schema: applying %s", path.name)
                    conn.execute(path.read_text(encoding="utf-8"))
            conn.execute(
                f"COMMENT ON TABLE procrastinate_jobs IS '{_VERSION_MARK}{_version_literal()}'"
            )
    except psycopg.Error as e:
        raise StoreError(f"could not apply the task queue's schema: {e}") from e


def _version_literal() -> str:
    # Digits and dots only: safe inside the COMMENT literal.
    return ".".join(str(part) for part in _version(_installed_version()))


def _migrations_after(applied: str, current: str) -> list[Path]:
    """procrastinate's migration files newer than ``applied``, up to ``current``."""
    folder = Path(SchemaManager.get_migrations_path())
    low, high = _version(applied), _version(current)
    chosen = [
        path for path in folder.glob("*.sql") if low < _version(path.name.split("_", 1)[0]) <= high
    ]
    return sorted(chosen, key=lambda path: path.name)


# --- the tasks ----------------------------------------------------------------------


def build_app(database_url: str, units: Units, options: WorkerOptions) -> procrastinate.App:
    """The procrastinate App with curator's tasks, each calling ``units``."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(database_url),
            # One connection per running job, plus the tick's and the stall check's.
            min_size=1,
            max_size=options.concurrency + 2,
        )
    )

    async def defer(task: ptasks.Task[Any, Any, Any], key: str, **kwargs: Any) -> bool:
        """Queue one item's job; False when a job for it is already waiting."""
        try:
            await task.configure(lock=key, queueing_lock=key).defer_async(**kwargs)
        except pexc.AlreadyEnqueued:
            return False
        return True

    @app.task(name="curator.curate_entry", queue=QUEUE, retry=RETRY)
    async def curate_entry(entry_id: int) -> None:
        draft = await asyncio.to_thread(units.curate_entry, entry_id)
        if draft is not None:
            logger.debug("entry %d: draft %d", entry_id, draft.id)

    @app.task(name="curator.fetch_page", queue=QUEUE, retry=RETRY)
    async def fetch_page(entry_id: int) -> None:
        report = await units.fetch_page(entry_id)
        if report is not None and report.error:
            logger.warning("entry %d: %s: %s", entry_id, report.url, report.error)
        # Also when another job stored the page: it may have died before this step.
        await defer(curate_entry, f"entry:{entry_id}", entry_id=entry_id)

    @app.task(name="curator.refresh_source", queue=QUEUE, retry=RETRY)
    async def refresh_source(source_id: str) -> None:
        try:
            # Re-checked under the source's lock: a job queued while another worker was
            # fetching this source finds it no longer due.
            if await asyncio.to_thread(units.is_due, source_id):
                report = await units.refresh_source(source_id)
                if report.error:
                    logger.warning("%s: %s", source_id, report.error)
            pages = await asyncio.to_thread(units.pending_page_jobs, source_ids=[source_id])
        except NotFoundError as e:  # removed from sources.yaml since it was queued
            logger.info("%s: %s", source_id, e)
            return
        for entry_id, key in pages:
            await defer(fetch_page, key, entry_id=entry_id)

    @app.periodic(cron=cron(options.tick), periodic_id="tick")
    @app.task(name="curator.tick", queue=QUEUE, queueing_lock="tick", lock="tick")
    async def tick(timestamp: int) -> None:
        try:
            due = await asyncio.to_thread(units.due_sources)
        except CuratorError as e:
            logger.error("tick: %s", e)  # the due sources are still due next tick
            return
        queued = [s for s in due if await defer(refresh_source, f"source:{s}", source_id=s)]
        if queued:
            logger.info("tick: %d sources queued", len(queued))

    @app.periodic(cron=SWEEP_CRON, periodic_id="sweep")
    @app.task(name="curator.sweep", queue=QUEUE, queueing_lock="sweep", lock="sweep")
    async def sweep(timestamp: int) -> None:
        # Work whose job gave up after its retries (or was never queued): queue it again.
        pages = await asyncio.to_thread(units.pending_page_jobs, limit=SWEEP_LIMIT)
        entries = await asyncio.to_thread(units.pending_entries, limit=SWEEP_LIMIT)
        for entry_id, key in pages:
            await defer(fetch_page, key, entry_id=entry_id)
        for entry_id in entries:
            await defer(curate_entry, f"entry:{entry_id}", entry_id=entry_id)

    stalled_after = options.stalled_after.total_seconds()

    @app.periodic(cron=cron(options.tick), periodic_id="stalled")
    @app.task(name="curator.retry_stalled", queue=QUEUE, queueing_lock="stalled", lock="stalled")
    async def retry_stalled(timestamp: int) -> None:
        # procrastinate's documented recipe: jobs of workers whose heartbeat lapsed.
        manager = app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
            try:
                await manager.retry_job(job)
            except pexc.ConnectorException:
                continue  # finished or retried meanwhile
            logger.warning("retrying stalled job %s: %s%s", job.id, job.task_name, job.task_kwargs)

    return app


async def run_worker(ctx: Context, options: WorkerOptions, stop: asyncio.Event | None) -> None:
    """Run tasks until ``stop`` is set (or the task is cancelled), then finish the
    running jobs. One fetcher serves every job of this worker.

    `StoreError` when the worker ends without being asked to: procrastinate stops its
    worker when its listener or its periodic deferrer fails (the database went away),
    and a daemon must then exit non-zero rather than idle or stop "successfully"."""
    if ctx.store.path is not None:
        raise StoreError("task workers need PostgreSQL; on SQLite one daemon runs the ticks")
    try:
        async with make_fetcher(ctx) as fetcher:
            app = build_app(ctx.settings.database_url, Units(ctx, fetcher), options)
            async with app.open_async():
                await _work(app, options, stop)
    except (pexc.ProcrastinateException, psycopg.Error, OSError) as e:
        raise StoreError(f"the task worker failed: {_causes(e)}") from e


async def _work(app: procrastinate.App, options: WorkerOptions, stop: asyncio.Event | None) -> None:
    worker = asyncio.create_task(
        app.run_worker_async(
            queues=[QUEUE],
            name=options.node or "curator",
            concurrency=options.concurrency,
            install_signal_handlers=False,
            update_heartbeat_interval=options.heartbeat.total_seconds(),
            stalled_worker_timeout=options.stalled_after.total_seconds(),
            delete_jobs="successful",
        )
    )
    stopping = asyncio.create_task(asyncio.Event().wait() if stop is None else stop.wait())
    try:
        await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not worker.done():
            # procrastinate stops gracefully on cancel: running jobs finish first.
            worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    if stop is None or not stop.is_set():
        raise StoreError(
            "the task worker stopped by itself (a side task failed: is the database"
            " reachable? the log above says why)"
        )


def _causes(error: BaseException) -> str:
    """``error`` and its causes on one line: procrastinate wraps psycopg's reason."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 4:
        text = " ".join(str(current).split())
        parts.append(f"{type(current).__name__}: {text}" if text else type(current).__name__)
        current = current.__cause__ or current.__context__
    return " ← ".join(parts)
