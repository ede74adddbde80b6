"""sync_sources, source states and lookups."""

from __future__ import annotations

from datetime import timedelta
from datetime import timezone

import pytest
from store_helpers import T0
from store_helpers import make_source

from curator.errors import NotFoundError
from curator.model import SourceState
from curator.store import Store


def test_new_sources_are_added(store: Store) -> None:
    a = make_source("a", tags=("news", "uk"), interval=timedelta(minutes=5))
    b = make_source("b", enabled=False, fetch_articles=False)
    store.sync_sources([a, b], now=T0)
    assert store.list_sources() == [a, b]
    assert store.get_source_state("a") == SourceState(source_id="a", url=a.url)
    assert [s.source_id for s in store.list_source_states()] == ["a", "b"]


def test_configuration_changes_are_saved_and_state_kept(store: Store) -> None:
    store.sync_sources([make_source("a")], now=T0)
    state = SourceState(
        source_id="a",
        url="https://example.com/a.xml",
        etag='"v1"',
        last_success_at=T0,
        next_due_at=T0 + timedelta(minutes=30),
    )
    _save_state(store, state)
    changed = make_source("a", name="Renamed", tags=("x",), interval=timedelta(hours=2))
    store.sync_sources([changed], now=T0 + timedelta(hours=1))
    assert store.list_sources() == [changed]
    assert store.get_source_state("a") == state


def test_changed_url_resets_the_state(store: Store) -> None:
    store.sync_sources([make_source("a")], now=T0)
    _save_state(
        store,
        SourceState(
            source_id="a",
            url="https://example.com/redirected.xml",
            etag='"v1"',
            last_modified="Sat, 01 Mar 2025 12:00:00 GMT",
            last_success_at=T0,
            last_error="boom",
            last_error_at=T0,
            consecutive_failures=3,
            next_due_at=T0 + timedelta(hours=1),
            gone=True,
            redirect_url="https://example.com/other.xml",
            redirect_count=2,
        ),
    )
    moved = make_source("a", url="https://new.example.com/feed.xml")
    store.sync_sources([moved], now=T0 + timedelta(hours=1))
    assert store.get_source_state("a") == SourceState(
        source_id="a",
        url="https://new.example.com/feed.xml",
        last_success_at=T0,  # history is kept
        last_error="boom",
        last_error_at=T0,
    )


def test_unchanged_url_keeps_a_redirected_state_url(store: Store) -> None:
    store.sync_sources([make_source("a")], now=T0)
    _save_state(store, SourceState(source_id="a", url="https://example.com/moved.xml"))
    store.sync_sources([make_source("a", name="Renamed")], now=T0)
    assert store.get_source_state("a").url == "https://example.com/moved.xml"


def test_removed_sources_are_kept_disabled(store: Store) -> None:
    a, b = make_source("a"), make_source("b")
    store.sync_sources([a, b], now=T0)
    store.sync_sources([a], now=T0 + timedelta(minutes=1))
    assert store.list_sources() == [a]
    removed = store.list_sources(include_removed=True)
    assert [(s.id, s.enabled) for s in removed] == [("a", True), ("b", False)]
    assert store.get_source_state("b").url == b.url  # still there, with its state
    # Configured again: back, with its configured settings.
    store.sync_sources([a, b], now=T0 + timedelta(minutes=2))
    assert store.list_sources() == [a, b]


def test_sync_with_no_sources_removes_all(store: Store) -> None:
    store.sync_sources([make_source("a")], now=T0)
    store.sync_sources([], now=T0)
    assert store.list_sources() == []
    assert len(store.list_source_states()) == 1


def test_duplicate_source_ids_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="duplicate source id 'a'"):
        store.sync_sources([make_source("a"), make_source("a")], now=T0)
    assert store.list_sources(include_removed=True) == []


def test_state_round_trip_keeps_aware_utc_datetimes(store: Store) -> None:
    store.sync_sources([make_source("a")], now=T0)
    cet = timezone(timedelta(hours=1))
    due = T0.astimezone(cet) + timedelta(microseconds=123)
    state = SourceState(source_id="a", url="https://example.com/a.xml", next_due_at=due)
    _save_state(store, state)
    got = store.get_source_state("a")
    assert got == state
    assert got.next_due_at is not None
    assert got.next_due_at.tzinfo is not None
    assert got.next_due_at.utcoffset() == timedelta(0)
    assert got.next_due_at == due


def test_missing_source_state_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        store.get_source_state("nope")
    assert info.value.object_id == "nope"
    assert isinstance(info.value, LookupError)


def _save_state(store: Store, state: SourceState) -> None:
    from store_helpers import make_attempt

    store.apply_fetch(state, make_attempt(state.source_id), [], now=T0)
