"""The due sources chosen in SQL (`Store.due_source_ids`) agree with the pure rule
(`curator.fetch.is_due`) on a mixed set of states, on SQLite and PostgreSQL (#11)."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from store_helpers import T0
from store_helpers import make_attempt
from store_helpers import make_source

from curator.fetch import is_due
from curator.model import SourceState
from curator.store import Store

MINUTE = timedelta(minutes=1)

#: (id, enabled, next due, gone, failures): every case the rule tells apart.
STATES = [
    ("never-fetched", True, None, False, 0),
    ("overdue", True, T0 - 30 * MINUTE, False, 0),
    ("due-now", True, T0, False, 0),
    ("due-soon", True, T0 + 5 * MINUTE, False, 0),
    ("backing-off", True, T0 + 2 * 60 * MINUTE, False, 3),
    ("backoff-over", True, T0 - MINUTE, False, 2),
    ("gone", True, None, True, 0),
    ("gone-overdue", True, T0 - 60 * MINUTE, True, 0),
    ("disabled", False, T0 - 60 * MINUTE, False, 0),
    ("disabled-new", False, None, False, 0),
    ("a-overdue-too", True, T0 - 30 * MINUTE, False, 0),
    ("removed", True, T0 - 90 * MINUTE, False, 0),
]


@pytest.fixture
def mixed(store: Store) -> dict[str, SourceState]:
    """The sources of `STATES` stored; "removed" is then removed from the configuration."""
    sources = [make_source(id_, enabled=enabled) for id_, enabled, *_ in STATES]
    store.sync_sources(sources, now=T0 - 120 * MINUTE)
    states = {}
    for id_, _, due, gone, failures in STATES:
        state = SourceState(
            source_id=id_,
            url=f"https://example.com/{id_}.xml",
            next_due_at=due,
            gone=gone,
            consecutive_failures=failures,
            last_error="HTTP 503" if failures else None,
        )
        store.apply_fetch(state, make_attempt(id_), [], now=T0 - 120 * MINUTE)
        states[id_] = state
    store.sync_sources([s for s in sources if s.id != "removed"], now=T0 - 100 * MINUTE)
    return states


def _pure_rule(store: Store, states: dict[str, SourceState], now: datetime) -> set[str]:
    """What `Units.due_sources` computed in Python before #11: enabled, stored sources
    (removed ones are disabled) that `is_due` says are due."""
    enabled = {source.id for source in store.list_sources() if source.enabled}
    return {id_ for id_, state in states.items() if id_ in enabled and is_due(state, now)}


@pytest.mark.parametrize(
    "now",
    [
        T0 - 200 * MINUTE,
        T0 - 30 * MINUTE,
        T0 - timedelta(microseconds=1),
        T0,
        T0 + 5 * MINUTE,
        T0 + 3 * 60 * MINUTE,
        # Another time zone, same instant: compared as instants on both backends.
        (T0 + 5 * MINUTE).astimezone(timezone(timedelta(hours=-5))),
    ],
)
def test_sql_choice_equals_the_pure_rule(
    store: Store, mixed: dict[str, SourceState], now: datetime
) -> None:
    chosen = store.due_source_ids(now=now)
    assert len(chosen) == len(set(chosen))
    assert set(chosen) == _pure_rule(store, mixed, now)


def test_due_sources_at_t0_never_fetched_first_then_longest_overdue(
    store: Store, mixed: dict[str, SourceState]
) -> None:
    assert store.due_source_ids(now=T0) == [
        "never-fetched",
        "a-overdue-too",  # same next due as "overdue": by id
        "overdue",
        "backoff-over",
        "due-now",
    ]
    assert store.due_source_ids(now=T0, limit=2) == ["never-fetched", "a-overdue-too"]
    assert store.due_source_ids(now=T0 - 200 * MINUTE) == ["never-fetched"]


def test_a_stored_fetch_moves_a_source_out_of_the_due_ones(
    store: Store, mixed: dict[str, SourceState]
) -> None:
    later = SourceState(
        source_id="overdue", url="https://example.com/overdue.xml", next_due_at=T0 + MINUTE
    )
    store.apply_fetch(later, make_attempt("overdue"), [], now=T0)
    assert "overdue" not in store.due_source_ids(now=T0)
    assert "overdue" in store.due_source_ids(now=T0 + MINUTE)


def test_states_of_some_sources(store: Store, mixed: dict[str, SourceState]) -> None:
    got = store.list_source_states(["overdue", "nope", "gone", "overdue"])
    assert got == [mixed["gone"], mixed["overdue"]]
    assert store.list_source_states([]) == []


def test_next_due_at_is_the_earliest_of_the_enabled_sources(
    store: Store, mixed: dict[str, SourceState]
) -> None:
    """Gone, disabled and removed sources (due earlier still) do not count; sources
    never fetched have no time to count."""
    assert store.next_due_at() == T0 - 30 * MINUTE


def test_next_due_at_without_any_time(store: Store) -> None:
    assert store.next_due_at() is None
    store.sync_sources([make_source("new")], now=T0)
    assert store.next_due_at() is None
