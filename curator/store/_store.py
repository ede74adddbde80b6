"""The Store: every read and write of curator's database.

Rows are mapped to :mod:`curator.model` values on the way out; nothing from
SQLAlchemy leaves this module. Database errors are translated in one place,
:meth:`Store._transaction` (and :meth:`Store._translate` for the few calls
outside a transaction).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from typing import Final

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import Row
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import StatementError
from sqlalchemy.pool import ConnectionPoolEntry

from curator.errors import NoDatabaseError
from curator.errors import NotFoundError
from curator.errors import StoreError
from curator.model import Entry
from curator.model import EntryCounts
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import Source
from curator.model import SourceChanges
from curator.model import SourceState
from curator.model import SourceStatus
from curator.store import tables
from curator.store._articles import ArticleStore
from curator.store._drafts import DraftStore
from curator.store._fetches import ENTRY_FIELDS as _ENTRY_FIELDS
from curator.store._fetches import STATE_FIELDS as _STATE_FIELDS
from curator.store._fetches import FetchUnit
from curator.store._fetches import write_fetches
from curator.store._ledger import LedgerStore
from curator.store._lock import file_lock
from curator.store._nodes import NodeStore
from curator.store._reading import ReadingStore
from curator.store._users import UserStore

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT: Final = timedelta(seconds=30)
"""How long a SQLite writer waits for another one to finish before failing."""

# Keys per "key IN (...)" query: under SQLite's default bound-parameter limit.
_CHUNK: Final = 500
# Any constant works: it only needs to be the same for every curator process.
_MIGRATION_LOCK_KEY: Final = 0x637572_61746F72  # "curator"
# An execution option read by the SQLite "begin" listener.
_SQLITE_BEGIN: Final = "curator_sqlite_begin"

_CONFIG_FIELDS: Final = (
    "name",
    "outlet",
    "configured_url",
    "enabled",
    "removed",
    "interval_seconds",
    "fetch_articles",
    "robots",
    "tags",
)


class Store(ArticleStore, DraftStore, LedgerStore, NodeStore, ReadingStore, UserStore):
    """curator's database: SQLite (a file) or PostgreSQL, by URL.

    ``postgresql://`` URLs use the psycopg (3) driver. Use it as a context
    manager, or call :meth:`close`. Call :meth:`upgrade` once before use to
    create or migrate the schema.
    """

    def __init__(self, url: str, *, busy_timeout: timedelta = DEFAULT_BUSY_TIMEOUT) -> None:
        with self._translate(f"invalid database URL {url!r}"):
            parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database {backend!r} (use sqlite:/// or postgresql://)")
        self.url = parsed.render_as_string(hide_password=True)
        """The database URL, without its password (for messages)."""
        self.path: Path | None = _sqlite_path(parsed) if backend == "sqlite" else None
        """The SQLite database file; None on PostgreSQL."""
        self._busy_timeout_ms = int(busy_timeout.total_seconds() * 1000)
        if backend == "sqlite":
            kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        else:
            kwargs = {"pool_pre_ping": True}
        with self._translate("could not create the database engine"):
            self._engine: Engine = create_engine(parsed, **kwargs)
        if backend == "sqlite":
            event.listen(self._engine, "connect", self._on_sqlite_connect)
            event.listen(self._engine, "begin", _on_sqlite_begin)

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection. The Store must not be used afterwards."""
        with self._translate("could not close the database"):
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- schema ----------------------------------------------------------------

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision. Idempotent.

        The only method that creates the database (and its folder). Runs in one
        transaction; concurrent upgrades wait for each other.
        """
        # Alembic is imported here only: every other command starts faster without it.
        from alembic import command
        from alembic.util.exc import CommandError

        from curator.store._migrations import alembic_config

        if self.path is not None:
            _make_parent_folder(self.path)
        action = "could not upgrade the database schema"
        try:
            with self._transaction(action, write=True) as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
                command.upgrade(alembic_config(conn), "head")
        except CommandError as e:
            raise StoreError(f"{action}: {e}") from e

    def current_revision(self) -> str | None:
        """The schema revision of the database; None when it was never upgraded."""
        with self._transaction("could not read the schema revision") as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def check_schema(self) -> None:
        """Raise `NoDatabaseError` unless the database exists at the newest schema.

        Never creates anything: a mistyped URL must not leave an empty database behind.
        """
        if self.path is not None and not self.path.is_file():
            raise NoDatabaseError(f"no database at {self.path}; run `curator db upgrade`")
        revision = self.current_revision()
        if revision is None:
            raise NoDatabaseError(
                f"the database {self.url} has no curator tables; run `curator db upgrade`"
            )
        if revision != SCHEMA_HEAD:
            raise NoDatabaseError(
                f"the database {self.url} has schema {revision}, this curator needs "
                f"{SCHEMA_HEAD}; run `curator db upgrade`"
            )

    @contextmanager
    def single_node_lock(
        self,
        kind: str,
        *,
        wait: bool = False,
        on_wait: Callable[[int | None], None] | None = None,
    ) -> Iterator[None]:
        """On SQLite, hold the lock ``kind`` ("fetch", "daemon") of this database.

        A lock file beside the database (``curator.db.fetch.lock``) holds the pid;
        the kernel releases it when its holder dies. Another holder: `BusyError`, or
        with ``wait`` block until it ends. On PostgreSQL a no-op (work is coordinated
        by the database there).
        """
        if self.path is None:
            yield
            return
        with file_lock(
            self.path.with_name(f"{self.path.name}.{kind}.lock"), kind, wait=wait, on_wait=on_wait
        ):
            yield

    # -- sources ---------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source], *, now: datetime) -> SourceChanges:
        """Make the stored sources match the configured ones (sources.yaml); say what changed.

        New sources are added, with their configured URL as the URL to fetch.
        When a source's configured URL changed, its fetch state (URL, validators,
        redirect tracking, failures, gone) is reset to start afresh from the new
        URL. Sources no longer configured are kept with their entries, marked
        removed and disabled.
        """
        _require_aware(now)
        seen: set[str] = set()
        for source in sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        t = tables.sources
        added: list[str] = []
        changed: list[str] = []
        with self._transaction("could not save the sources", write=True) as conn:
            stored = {
                row.id: row
                for row in conn.execute(select(t.c.id, *(t.c[name] for name in _CONFIG_FIELDS)))
            }
            for source in sources:
                config = _config_values(source)
                row = stored.get(source.id)
                if row is None:
                    values = {
                        "id": source.id,
                        **config,
                        **_state_values(SourceState(source_id=source.id, url=source.url)),
                        "created_at": now,
                        "updated_at": now,
                    }
                    stmt = _upsert(conn, t).values(values)
                    conn.execute(
                        stmt.on_conflict_do_update(
                            index_elements=[t.c.id], set_={**config, "updated_at": now}
                        )
                    )
                    log.info("source %s added", source.id)
                    added.append(source.id)
                    continue
                if all(getattr(row, name) == value for name, value in config.items()):
                    continue
                changed.append(source.id)
                changes: dict[str, Any] = {**config, "updated_at": now}
                if row.configured_url != source.url:
                    log.info("source %s: URL changed to %s, state reset", source.id, source.url)
                    changes.update(_reset_state_values(source.url))
                conn.execute(update(t).where(t.c.id == source.id).values(changes))
            gone = [id_ for id_, row in stored.items() if id_ not in seen and not row.removed]
            for chunk in _chunks(gone):
                conn.execute(
                    update(t)
                    .where(t.c.id.in_(chunk))
                    .values(removed=True, enabled=False, updated_at=now)
                )
            if gone:
                log.info("sources removed from the configuration: %s", ", ".join(gone))
        return SourceChanges(added=tuple(added), changed=tuple(changed), removed=tuple(gone))

    def source_statuses(self) -> list[SourceStatus]:
        """`curator status`: every source not removed, by id, in one query."""
        s, e, a = tables.sources, tables.entries, tables.articles
        # Counted per source through its index (faster than grouping every entry first).
        entries = select(func.count()).where(e.c.source_id == s.c.id).scalar_subquery()
        # A page counts for every source whose entries link to it (#11: one per URL).
        failed = (
            select(e.c.source_id, func.count(func.distinct(a.c.id)).label("failed_pages"))
            .join(e, e.c.link == a.c.url)
            .where(a.c.fetch_error.is_not(None), a.c.next_try_at.is_(None))
            .group_by(e.c.source_id)
            .subquery()
        )
        query = (
            select(
                s.c.id,
                s.c.name,
                s.c.enabled,
                s.c.url,
                entries.label("entries"),
                s.c.last_success_at,
                s.c.last_error,
                s.c.last_error_at,
                s.c.consecutive_failures,
                s.c.next_due_at,
                s.c.gone,
                func.coalesce(failed.c.failed_pages, 0).label("failed_pages"),
            )
            .select_from(s.outerjoin(failed, failed.c.source_id == s.c.id))
            .where(s.c.removed == false())
            .order_by(s.c.id)
        )
        with self._transaction("could not read the source status") as conn:
            rows = conn.execute(query).all()
        # By position, in the query's order: through Row._mapping, 10,000 rows took
        # longer than the query itself.
        return [
            SourceStatus(
                source_id=row[0],
                name=row[1],
                enabled=row[2],
                url=row[3],
                entries=row[4],
                last_success_at=row[5],
                last_error=row[6],
                last_error_at=row[7],
                consecutive_failures=row[8],
                next_due_at=row[9],
                gone=row[10],
                failed_pages=row[11],
            )
            for row in rows
        ]

    def list_sources(self, *, include_removed: bool = False) -> list[Source]:
        """The stored source configurations, by id (``line`` is not stored)."""
        t = tables.sources
        query = select(t.c.id, *(t.c[name] for name in _CONFIG_FIELDS)).order_by(t.c.id)
        if not include_removed:
            query = query.where(t.c.removed == false())
        with self._transaction("could not read the sources") as conn:
            return [_source_from_row(row) for row in conn.execute(query)]

    def get_source_state(self, source_id: str) -> SourceState:
        """The fetch state of one source. NotFoundError if there is no such source."""
        t = tables.sources
        query = select(*(t.c[name] for name in ("id", *_STATE_FIELDS))).where(t.c.id == source_id)
        with self._transaction("could not read the source state") as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            raise NotFoundError(f"no source with id {source_id!r}", object_id=source_id)
        return _state_from_row(row)

    def list_source_states(self, source_ids: Sequence[str] | None = None) -> list[SourceState]:
        """The fetch state of every stored source (removed ones included), or of those
        of ``source_ids`` that exist, by id."""
        t = tables.sources
        query = select(*(t.c[name] for name in ("id", *_STATE_FIELDS))).order_by(t.c.id)
        with self._transaction("could not read the source states") as conn:
            if source_ids is None:
                return [_state_from_row(row) for row in conn.execute(query)]
            found = [
                _state_from_row(row)
                for chunk in _chunks(source_ids)
                for row in conn.execute(query.where(t.c.id.in_(chunk)))
            ]
        return sorted(found, key=lambda state: state.source_id)

    def due_source_ids(self, *, now: datetime, limit: int | None = None) -> list[str]:
        """The enabled sources due at ``now``: never fetched first, then longest overdue.

        `curator.fetch.is_due` in SQL (a test holds them equal): not gone, not removed,
        and a next due time that is unset or has passed. The decision that set it
        (interval, jitter, backoff, Retry-After, freshness, <ttl>) was taken when the
        fetch was stored; the index on next_due_at serves the order and the limit.
        """
        _require_aware(now)
        t = tables.sources
        query = (
            select(t.c.id)
            .where(
                t.c.enabled == true(),
                t.c.removed == false(),
                t.c.gone == false(),
                or_(t.c.next_due_at.is_(None), t.c.next_due_at <= now),
            )
            .order_by(t.c.next_due_at.asc().nulls_first(), t.c.id)
            .limit(limit)
        )
        with self._transaction("could not read the due sources") as conn:
            return list(conn.scalars(query))

    def next_due_at(self) -> datetime | None:
        """The earliest next due time of an enabled source (when the daemon next has
        work; None when no source has one). Read from the index, not every row."""
        t = tables.sources
        query = (
            select(t.c.next_due_at)
            .where(
                t.c.enabled == true(),
                t.c.removed == false(),
                t.c.gone == false(),
                t.c.next_due_at.is_not(None),
            )
            .order_by(t.c.next_due_at)
            .limit(1)
        )
        with self._transaction("could not read the next due time") as conn:
            return conn.scalar(query)

    # -- fetching --------------------------------------------------------------

    def apply_fetch(
        self,
        state: SourceState,
        attempt: FetchAttempt,
        entries: Sequence[FeedEntry],
        *,
        now: datetime,
    ) -> EntryCounts:
        """Store the result of fetching one source, in one transaction.

        Entries are upserted by (source, key): new ones are inserted; stored ones
        whose ``content_hash`` differs are updated; the rest only get
        ``last_seen_at = now``. Entries repeating a key already in ``entries``
        are ignored (the first one wins). The attempt is recorded with the
        counts (its ``new``/``updated`` are ignored) and ``state`` replaces the
        source's state. Either all of it is stored or none of it is.
        """
        (counts,) = self.apply_fetches([(state, attempt, entries)], now=now)
        return counts

    def apply_fetches(self, units: Sequence[FetchUnit], *, now: datetime) -> list[EntryCounts]:
        """Store the refreshes of several sources, each as `apply_fetch` does, in one
        transaction (a group commit: one commit for many sources); their counts in order.

        All or nothing: a unit that cannot be stored fails them all (StoreError naming
        the source when there is one unit), so a caller that must not lose the others
        stores them one by one then.
        """
        _require_aware(now)
        for state, attempt, _ in units:
            if attempt.source_id != state.source_id:
                raise ValueError(
                    f"attempt is for source {attempt.source_id!r}, state for {state.source_id!r}"
                )
        if not units:
            return []
        ids = [state.source_id for state, _, _ in units]
        action = (
            f"could not store the fetch of {ids[0]}"
            if len(ids) == 1
            else f"could not store the fetches of {len(ids)} sources ({ids[0]}, …)"
        )
        with self._transaction(action, write=True) as conn:
            return write_fetches(conn, units, now, action=action)

    def list_attempts(self, source_id: str, *, limit: int = 20) -> list[FetchAttempt]:
        """The latest fetch attempts of a source, newest first."""
        a = tables.fetch_attempts
        query = (
            select(a)
            .where(a.c.source_id == source_id)
            .order_by(a.c.started_at.desc(), a.c.id.desc())
            .limit(limit)
        )
        with self._transaction("could not read the fetch attempts") as conn:
            return [_attempt_from_row(row) for row in conn.execute(query)]

    # -- entries ---------------------------------------------------------------

    def count_entries(self, source_id: str | None = None) -> int:
        """How many entries are stored, in all or for one source (0 if unknown)."""
        e = tables.entries
        query = select(func.count()).select_from(e)
        if source_id is not None:
            query = query.where(e.c.source_id == source_id)
        with self._transaction("could not count the entries") as conn:
            return int(conn.execute(query).scalar_one())

    def entry_counts_by_source(self) -> dict[str, int]:
        """Entries per source, for every stored source (0 when it has none)."""
        s, e = tables.sources, tables.entries
        query = (
            select(s.c.id, func.count(e.c.id))
            .select_from(s.outerjoin(e, e.c.source_id == s.c.id))
            .group_by(s.c.id)
            .order_by(s.c.id)
        )
        with self._transaction("could not count the entries") as conn:
            return {id_: int(count) for id_, count in conn.execute(query)}

    def count_entries_first_seen(self, source_id: str, *, since: datetime) -> int:
        """Entries of a source first seen at or after `since` (its recent entry rate)."""
        e = tables.entries
        query = (
            select(func.count())
            .select_from(e)
            .where(e.c.source_id == source_id, e.c.first_seen_at >= since)
        )
        with self._transaction("could not count the entries") as conn:
            return int(conn.execute(query).scalar_one())

    def list_entries(self, *, source_id: str | None = None, limit: int = 100) -> list[Entry]:
        """Stored entries, newest first.

        Newest means first seen most recently; among entries first seen by the
        same fetch, the most recently published comes first.
        """
        e = tables.entries
        query = (
            select(e)
            .order_by(e.c.first_seen_at.desc(), e.c.published_at.desc().nulls_last(), e.c.id.asc())
            .limit(limit)
        )
        if source_id is not None:
            query = query.where(e.c.source_id == source_id)
        with self._transaction("could not read the entries") as conn:
            return [_entry_from_row(row) for row in conn.execute(query)]

    def get_entry(self, entry_id: int) -> Entry:
        """One entry by id. NotFoundError if there is none."""
        e = tables.entries
        with self._transaction("could not read the entry") as conn:
            row = conn.execute(select(e).where(e.c.id == entry_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no entry with id {entry_id}", object_id=str(entry_id))
        return _entry_from_row(row)

    # -- the choke point -------------------------------------------------------

    @contextmanager
    def _transaction(self, action: str, *, write: bool = False) -> Iterator[Connection]:
        """A connection in a transaction, committed on success, rolled back on error.

        Every database error raised inside becomes a StoreError whose message
        starts with ``action``. On SQLite, ``write`` takes the write lock at the
        start (BEGIN IMMEDIATE), so that a read-then-write never fails with
        "database is locked" halfway through.
        """
        with self._translate(f"{action}: cannot connect to the database {self.url}"):
            conn = self._engine.connect()
        with self._translate(action), conn:
            if write:
                conn = conn.execution_options(**{_SQLITE_BEGIN: "BEGIN IMMEDIATE"})
            with conn.begin():
                yield conn

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        """Turn SQLAlchemy, DBAPI and Alembic errors into StoreError."""
        try:
            yield
        except (SQLAlchemyError, sqlite3.Error) as e:
            reason = _describe(e)
            if "no such table" in reason or reason.startswith("UndefinedTable"):
                reason += " (the database schema is missing: run `curator db upgrade`)"
            raise StoreError(f"{action}: {reason}") from e
        except OSError as e:
            raise StoreError(f"{action}: {e}") from e

    # -- SQLite connection setup -----------------------------------------------

    def _on_sqlite_connect(self, dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN (the sqlite3 module's own
        # implicit transactions start late and cannot be made IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL never corrupts the database; a power cut may lose the
            # last commits, which the next run fetches again. FULL costs an fsync each.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql(conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise StoreError(f"naive datetime refused (use an aware UTC datetime): now={now!r}")


def _sqlite_path(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).absolute()


def _make_parent_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the folder of the database {path}: {e}") from e


def _schema_head() -> str:
    """The newest migration: revision ids are the 4-digit prefixes of the file names
    (a test checks this matches Alembic), so startup need not import Alembic."""
    names = (Path(__file__).resolve().parent / "migrations" / "versions").glob(
        "[0-9][0-9][0-9][0-9]_*.py"
    )
    return max(name.name[:4] for name in names)


SCHEMA_HEAD: Final = _schema_head()


def _describe(e: BaseException) -> str:
    """A one-line reason for a database error, without the SQL and parameters."""
    if isinstance(e, StatementError) and e.orig is not None:
        # A DBAPI error, or one raised while binding parameters (a naive datetime).
        lines = str(e.orig).strip().splitlines()
        reason = lines[0] if lines else ""
        return f"{type(e.orig).__name__}: {reason}" if reason else type(e.orig).__name__
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _upsert(conn: Connection, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- rows <-> model --------------------------------------------------------------


def _config_values(source: Source) -> dict[str, Any]:
    return {
        "name": source.name,
        "outlet": source.outlet,
        "configured_url": source.url,
        "enabled": source.enabled,
        "removed": False,
        "interval_seconds": round(source.interval.total_seconds()),
        "fetch_articles": source.fetch_articles,
        "robots": source.robots,
        "tags": list(source.tags),
    }


def _source_from_row(row: Row[Any]) -> Source:
    return Source(
        id=row.id,
        url=row.configured_url,
        name=row.name,
        outlet=row.outlet,
        enabled=row.enabled,
        interval=timedelta(seconds=row.interval_seconds),
        fetch_articles=row.fetch_articles,
        robots=row.robots,
        tags=tuple(row.tags),
    )


def _state_values(state: SourceState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in _STATE_FIELDS}


def _reset_state_values(url: str) -> dict[str, Any]:
    """The state of a source whose configured URL changed: everything but history."""
    return {
        "url": url,
        "etag": None,
        "last_modified": None,
        "consecutive_failures": 0,
        "next_due_at": None,
        "gone": False,
        "redirect_url": None,
        "redirect_count": 0,
    }


def _state_from_row(row: Row[Any]) -> SourceState:
    return SourceState(source_id=row.id, **{name: getattr(row, name) for name in _STATE_FIELDS})


def _entry_from_row(row: Row[Any]) -> Entry:
    return Entry(
        id=row.id,
        source_id=row.source_id,
        key=row.key,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        **{name: getattr(row, name) for name in _ENTRY_FIELDS},
    )


def _attempt_from_row(row: Row[Any]) -> FetchAttempt:
    return FetchAttempt(
        source_id=row.source_id,
        started_at=row.started_at,
        duration=timedelta(milliseconds=row.duration_ms),
        outcome=FetchOutcome(row.outcome),
        http_status=row.http_status,
        error=row.error,
        new=row.new,
        updated=row.updated,
    )
