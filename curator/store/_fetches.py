"""The fetch hot path: a source's new state, its entries and the attempt, written.

Every refresh writes here, 500 sources in a couple of seconds, so the SQL is written
out once per dialect and run with the driver's parameters (`exec_driver_sql`): the
same statements built with SQLAlchemy Core cost several times the SQL itself per
source (bench/README.md, fetch_process). Errors still come wrapped by SQLAlchemy, so
`Store._transaction` translates them as for every other query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy import Connection

from curator.errors import NotFoundError
from curator.errors import StoreError
from curator.model import EntryCounts
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import SourceState
from curator.store.types import UTCDateTime

ENTRY_FIELDS: Final = (
    "guid",
    "link",
    "title",
    "author",
    "summary",
    "content",
    "published_at",
    "updated_at",
    "content_hash",
)
STATE_FIELDS: Final = (
    "url",
    "etag",
    "last_modified",
    "last_attempt_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_due_at",
    "gone",
    "redirect_url",
    "redirect_count",
)
_ENTRY_TIMES: Final = frozenset({"published_at", "updated_at"})
_STATE_TIMES: Final = frozenset(
    {"last_attempt_at", "last_success_at", "last_error_at", "next_due_at"}
)
_ATTEMPT_COLUMNS: Final = (
    "source_id",
    "started_at",
    "duration_ms",
    "outcome",
    "http_status",
    "error",
    "new",
    "updated",
)
# Keys per "key IN (...)": under SQLite's default bound-parameter limit.
_CHUNK: Final = 500

FetchUnit = tuple[SourceState, FetchAttempt, Sequence[FeedEntry]]
"""One refresh of one source: its new state, the attempt, the entries of its feed."""


@dataclass(frozen=True, slots=True)
class _Sql:
    """The hot path's statements in one dialect's parameter style."""

    mark: str  # the driver's positional placeholder
    update_state: str
    insert_entries: str
    update_entry: str
    insert_attempt: str

    def keys_stored(self, count: int) -> str:
        return (
            'SELECT "key", content_hash FROM entries WHERE source_id = {m} AND "key" IN ({keys})'
        ).format(m=self.mark, keys=", ".join([self.mark] * count))

    def touch_entries(self, count: int) -> str:
        return (
            'UPDATE entries SET last_seen_at = {m} WHERE source_id = {m} AND "key" IN ({keys})'
        ).format(m=self.mark, keys=", ".join([self.mark] * count))


def _q(name: str) -> str:
    """A quoted column name: "key" and "new" are keywords in one dialect or the other."""
    return f'"{name}"'


@functools.cache
def _sql(paramstyle: str) -> _Sql:
    m = "?" if paramstyle == "qmark" else "%s"
    entry_columns = ("source_id", "key", *ENTRY_FIELDS, "first_seen_at", "last_seen_at")
    updated = (*ENTRY_FIELDS, "last_seen_at")
    return _Sql(
        mark=m,
        update_state="UPDATE sources SET {} WHERE id = {}".format(
            ", ".join(f"{_q(name)} = {m}" for name in (*STATE_FIELDS, "updated_at")), m
        ),
        # ON CONFLICT because another writer may have inserted the same entry meanwhile.
        insert_entries="INSERT INTO entries ({}) VALUES ({}) "
        'ON CONFLICT (source_id, "key") DO UPDATE SET {}'.format(
            ", ".join(map(_q, entry_columns)),
            ", ".join([m] * len(entry_columns)),
            ", ".join(f"{_q(name)} = excluded.{_q(name)}" for name in updated),
        ),
        update_entry='UPDATE entries SET {} WHERE source_id = {} AND "key" = {}'.format(
            ", ".join(f"{_q(name)} = {m}" for name in updated), m, m
        ),
        insert_attempt="INSERT INTO fetch_attempts ({}) VALUES ({})".format(
            ", ".join(map(_q, _ATTEMPT_COLUMNS)),
            ", ".join([m] * len(_ATTEMPT_COLUMNS)),
        ),
    )


def write_fetches(
    conn: Connection, units: Sequence[FetchUnit], now: datetime, *, action: str
) -> list[EntryCounts]:
    """Write every unit in the transaction of ``conn``; the counts of each, in order.

    Raises on the first unit that cannot be written (the caller rolls back); a naive
    datetime is a StoreError starting with ``action``.
    """
    sql = _sql(conn.dialect.paramstyle)
    bind_time = _binder(conn, action)
    at = bind_time(now, "now")
    counts: list[EntryCounts] = []
    for state, attempt, entries in units:
        source_id = state.source_id
        params = [
            bind_time(getattr(state, name), name) if name in _STATE_TIMES else getattr(state, name)
            for name in STATE_FIELDS
        ]
        done = conn.exec_driver_sql(sql.update_state, (*params, at, source_id))
        if done.rowcount == 0:
            raise NotFoundError(f"no source with id {source_id!r}", object_id=source_id)
        unit = _upsert_entries(conn, source_id, entries, at, bind_time)
        counts.append(unit)
        conn.exec_driver_sql(
            sql.insert_attempt,
            (
                source_id,
                bind_time(attempt.started_at, "started_at"),
                round(attempt.duration.total_seconds() * 1000),
                attempt.outcome.value,
                attempt.http_status,
                attempt.error,
                unit.new,
                unit.updated,
            ),
        )
    return counts


def _upsert_entries(
    conn: Connection,
    source_id: str,
    entries: Sequence[FeedEntry],
    at: Any,
    bind_time: Callable[[datetime | None, str], Any],
) -> EntryCounts:
    """New entries inserted, changed ones (``content_hash``) updated, the rest touched
    (``last_seen_at`` = ``at``, bound); a key repeated in ``entries`` is ignored (the
    first one wins)."""
    if not entries:
        return EntryCounts()
    sql = _sql(conn.dialect.paramstyle)
    unique: dict[str, FeedEntry] = {}
    for entry in entries:
        unique.setdefault(entry.key, entry)
    stored: dict[str, str] = {}
    for chunk in _chunks(list(unique)):
        found = conn.exec_driver_sql(sql.keys_stored(len(chunk)), (source_id, *chunk))
        stored.update((key, content_hash) for key, content_hash in found)

    def values(entry: FeedEntry) -> list[Any]:
        return [
            bind_time(getattr(entry, name), name) if name in _ENTRY_TIMES else getattr(entry, name)
            for name in ENTRY_FIELDS
        ]

    new = [entry for key, entry in unique.items() if key not in stored]
    changed = [e for key, e in unique.items() if key in stored and stored[key] != e.content_hash]
    same = [key for key, entry in unique.items() if stored.get(key) == entry.content_hash]
    if new:
        inserted = [(source_id, entry.key, *values(entry), at, at) for entry in new]
        conn.exec_driver_sql(sql.insert_entries, inserted)
    if changed:
        updates = [(*values(entry), at, source_id, entry.key) for entry in changed]
        conn.exec_driver_sql(sql.update_entry, updates)
    for chunk in _chunks(same):
        conn.exec_driver_sql(sql.touch_entries(len(chunk)), (at, source_id, *chunk))
    return EntryCounts(new=len(new), updated=len(changed), unchanged=len(same))


def _binder(conn: Connection, action: str) -> Callable[[datetime | None, str], Any]:
    """A datetime as its column type stores it (`UTCDateTime`); a naive one refused
    with a StoreError naming the field."""
    bind = UTCDateTime().process_bind_param
    dialect = conn.dialect

    def bind_time(value: datetime | None, name: str) -> Any:
        try:
            return bind(value, dialect)
        except (TypeError, ValueError) as e:
            raise StoreError(f"{action}: {name}: {e}") from e

    return bind_time


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
