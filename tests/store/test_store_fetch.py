"""apply_fetch: entry upserts, counts, attempts, atomicity."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import pytest
from store_helpers import T0
from store_helpers import make_attempt
from store_helpers import make_entry
from store_helpers import make_source

from curator.errors import NotFoundError
from curator.errors import StoreError
from curator.model import EntryCounts
from curator.model import FetchOutcome
from curator.model import SourceState
from curator.store import Store

T1 = T0 + timedelta(minutes=30)


@pytest.fixture
def state(store: Store) -> SourceState:
    store.sync_sources([make_source("src"), make_source("other")], now=T0)
    return store.get_source_state("src")


def fetched(state: SourceState, at: datetime) -> SourceState:
    return SourceState(
        source_id=state.source_id,
        url=state.url,
        etag=f'"{at.isoformat()}"',
        last_attempt_at=at,
        last_success_at=at,
        next_due_at=at + timedelta(minutes=30),
    )


def test_new_entries_are_inserted(store: Store, state: SourceState) -> None:
    entries = [make_entry("a"), make_entry("b", author="Ann", content="<p>x</p>")]
    counts = store.apply_fetch(fetched(state, T0), make_attempt(), entries, now=T0)
    assert counts == EntryCounts(new=2)
    assert store.count_entries() == 2
    assert store.count_entries("src") == 2
    assert store.count_entries("other") == 0
    stored = {e.key: e for e in store.list_entries()}
    b = stored["b"]
    assert (b.source_id, b.guid, b.link, b.title, b.author, b.content, b.content_hash) == (
        "src",
        "b",
        "https://example.com/b",
        "Title b",
        "Ann",
        "<p>x</p>",
        "h1",
    )
    assert b.published_at == T0 - timedelta(hours=1)
    assert b.first_seen_at == b.last_seen_at == T0
    assert store.get_entry(b.id) == b
    assert store.get_source_state("src") == fetched(state, T0)


def test_updated_and_unchanged_entries(store: Store, state: SourceState) -> None:
    store.apply_fetch(state, make_attempt(), [make_entry("a"), make_entry("b")], now=T0)
    entries = [
        make_entry("a"),
        make_entry("b", content_hash="h2", title="New title"),
        make_entry("c"),
    ]
    counts = store.apply_fetch(state, make_attempt(started_at=T1), entries, now=T1)
    assert counts == EntryCounts(new=1, updated=1, unchanged=1)
    stored = {e.key: e for e in store.list_entries()}
    assert len(stored) == 3
    assert (stored["a"].first_seen_at, stored["a"].last_seen_at) == (T0, T1)
    assert (stored["b"].title, stored["b"].content_hash) == ("New title", "h2")
    assert (stored["b"].first_seen_at, stored["b"].last_seen_at) == (T0, T1)
    assert (stored["c"].first_seen_at, stored["c"].last_seen_at) == (T1, T1)


def test_reapplying_the_same_fetch_duplicates_nothing(store: Store, state: SourceState) -> None:
    entries = [make_entry(f"e{i}") for i in range(5)]
    assert store.apply_fetch(state, make_attempt(), entries, now=T0) == EntryCounts(new=5)
    again = store.apply_fetch(state, make_attempt(started_at=T1), entries, now=T1)
    assert again == EntryCounts(unchanged=5)
    assert store.count_entries() == 5
    assert len(store.list_attempts("src")) == 2


def test_repeated_keys_within_one_fetch_count_once(store: Store, state: SourceState) -> None:
    entries = [make_entry("a", title="first"), make_entry("a", title="second")]
    assert store.apply_fetch(state, make_attempt(), entries, now=T0) == EntryCounts(new=1)
    assert [e.title for e in store.list_entries()] == ["first"]


def test_same_key_in_two_sources_is_two_entries(store: Store, state: SourceState) -> None:
    other = store.get_source_state("other")
    store.apply_fetch(state, make_attempt(), [make_entry("a")], now=T0)
    store.apply_fetch(other, make_attempt("other"), [make_entry("a")], now=T0)
    assert store.entry_counts_by_source() == {"other": 1, "src": 1}


def test_many_entries(store: Store, state: SourceState) -> None:
    # More than one "key IN (...)" chunk.
    entries = [make_entry(f"e{i}") for i in range(1200)]
    assert store.apply_fetch(state, make_attempt(), entries, now=T0) == EntryCounts(new=1200)
    changed = [make_entry(f"e{i}", content_hash="h2" if i % 2 else "h1") for i in range(1200)]
    counts = store.apply_fetch(state, make_attempt(), changed, now=T1)
    assert counts == EntryCounts(updated=600, unchanged=600)
    assert store.count_entries() == 1200


def test_attempts_are_recorded_newest_first(store: Store, state: SourceState) -> None:
    store.apply_fetch(state, make_attempt(), [make_entry("a")], now=T0)
    failed = make_attempt(
        started_at=T1,
        outcome=FetchOutcome.ERROR,
        http_status=503,
        error="Service Unavailable",
        duration=timedelta(seconds=2, milliseconds=5),
    )
    store.apply_fetch(state, failed, [], now=T1)
    attempts = store.list_attempts("src")
    assert attempts == [failed, make_attempt(new=1)]
    assert store.list_attempts("src", limit=1) == [failed]
    assert store.list_attempts("other") == []


def test_entries_newest_first(store: Store, state: SourceState) -> None:
    first = [
        make_entry("old", published_at=T0 - timedelta(days=2)),
        make_entry("undated", published_at=None),
        make_entry("recent", published_at=T0 - timedelta(hours=1)),
    ]
    store.apply_fetch(state, make_attempt(), first, now=T0)
    store.apply_fetch(state, make_attempt(), [make_entry("later")], now=T1)
    assert [e.key for e in store.list_entries()] == ["later", "recent", "old", "undated"]
    assert [e.key for e in store.list_entries(limit=2)] == ["later", "recent"]
    assert [e.key for e in store.list_entries(source_id="other")] == []


def test_failure_inside_the_transaction_rolls_everything_back(
    store: Store, state: SourceState
) -> None:
    store.apply_fetch(fetched(state, T0), make_attempt(), [make_entry("a")], now=T0)
    before = (
        store.list_entries(),
        store.get_source_state("src"),
        store.list_attempts("src"),
    )
    entries = [make_entry("a", content_hash="h2"), make_entry("b")]
    # The attempt is written last: its naive datetime fails after the state
    # and the entries were written.
    bad_attempt = make_attempt(started_at=T1.replace(tzinfo=None))
    with pytest.raises(StoreError, match="naive datetime"):
        store.apply_fetch(fetched(state, T1), bad_attempt, entries, now=T1)
    after = (
        store.list_entries(),
        store.get_source_state("src"),
        store.list_attempts("src"),
    )
    assert after == before


def test_error_raised_midway_rolls_everything_back(
    store: Store, state: SourceState, monkeypatch: pytest.MonkeyPatch
) -> None:
    import curator.store._fetches as impl

    real = impl._upsert_entries

    def upsert_then_crash(*args: object, **kwargs: object) -> EntryCounts:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("crash")

    monkeypatch.setattr(impl, "_upsert_entries", upsert_then_crash)
    with pytest.raises(RuntimeError, match="crash"):
        store.apply_fetch(fetched(state, T1), make_attempt(), [make_entry("a")], now=T1)
    assert store.count_entries() == 0
    assert store.get_source_state("src") == state
    assert store.list_attempts("src") == []


def test_constraint_violation_rolls_back(store: Store, state: SourceState) -> None:
    store.apply_fetch(state, make_attempt(), [make_entry("a")], now=T0)
    broken = make_entry("b", content_hash=None)  # NOT NULL
    entries = [make_entry("a", content_hash="h2"), make_entry("c"), broken]
    with pytest.raises(StoreError, match="could not store the fetch of src: .*content_hash"):
        store.apply_fetch(fetched(state, T1), make_attempt(started_at=T1), entries, now=T1)
    assert [(e.key, e.content_hash) for e in store.list_entries()] == [("a", "h1")]
    assert store.get_source_state("src") == state
    assert len(store.list_attempts("src")) == 1


def test_naive_datetimes_are_refused(store: Store, state: SourceState) -> None:
    naive = datetime(2025, 3, 1, 12, 0)
    with pytest.raises(StoreError, match="naive datetime refused"):
        store.sync_sources([make_source("new")], now=naive)
    with pytest.raises(StoreError, match="naive datetime refused"):
        store.apply_fetch(state, make_attempt(), [make_entry("a", published_at=naive)], now=T0)
    with pytest.raises(StoreError, match="naive datetime refused"):
        store.apply_fetch(state, make_attempt(), [], now=naive)
    assert store.count_entries() == 0
    assert [s.id for s in store.list_sources()] == ["other", "src"]


def test_fetch_of_unknown_source_is_not_found(store: Store) -> None:
    ghost = SourceState(source_id="ghost", url="https://example.com/ghost.xml")
    with pytest.raises(NotFoundError):
        store.apply_fetch(ghost, make_attempt("ghost"), [make_entry("a")], now=T0)
    assert store.count_entries() == 0


def test_attempt_for_another_source_is_refused(store: Store, state: SourceState) -> None:
    with pytest.raises(ValueError, match="attempt is for source 'other'"):
        store.apply_fetch(state, make_attempt("other"), [], now=T0)


def test_missing_entry_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        store.get_entry(12345)
    assert info.value.object_id == "12345"


def test_several_sources_in_one_transaction(store: Store, state: SourceState) -> None:
    other = store.get_source_state("other")
    store.apply_fetch(fetched(state, T0), make_attempt(), [make_entry("a")], now=T0)
    units = [
        (fetched(state, T1), make_attempt(started_at=T1), [make_entry("a"), make_entry("b")]),
        (fetched(other, T1), make_attempt("other", started_at=T1), [make_entry("a")]),
    ]
    counts = store.apply_fetches(units, now=T1)
    assert counts == [EntryCounts(new=1, unchanged=1), EntryCounts(new=1)]
    assert [store.count_entries(s) for s in ("src", "other")] == [2, 1]
    assert store.get_source_state("other") == fetched(other, T1)
    assert [a.new for a in store.list_attempts("src")] == [1, 1]


def test_several_sources_are_all_or_nothing(store: Store, state: SourceState) -> None:
    other = store.get_source_state("other")
    units = [
        (fetched(state, T1), make_attempt(), [make_entry("a")]),
        (fetched(other, T1), make_attempt("other"), [make_entry("b", content_hash=None)]),
    ]
    with pytest.raises(StoreError, match="could not store the fetches of 2 sources"):
        store.apply_fetches(units, now=T1)
    assert store.count_entries() == 0
    assert store.get_source_state("src") == state
    assert store.list_attempts("src") == []
