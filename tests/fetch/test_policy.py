"""decide_source_state / is_due: pure unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest

from curator.fetch.policy import MAX_FRESHNESS
from curator.fetch.policy import REDIRECTS_TO_MOVE
from curator.fetch.policy import adaptive_interval
from curator.fetch.policy import backoff
from curator.fetch.policy import decide_source_state
from curator.fetch.policy import is_due
from curator.fetch.policy import jitter
from curator.model import FeedFetch
from curator.model import FetchOutcome
from curator.model import ParsedFeed
from curator.model import SourceState

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=24)
URL = "https://example.org/feed.xml"
NEW_URL = "https://example.org/new.xml"
JITTER = timedelta(seconds=39)  # jitter("s", NOW, INTERVAL), pinned: the hash must not drift


def state(**values: Any) -> SourceState:
    return SourceState(source_id="s", url=URL, **values)


def fetched(outcome: FetchOutcome = FetchOutcome.OK, **values: Any) -> FeedFetch:
    return FeedFetch(source_id="s", url=URL, outcome=outcome, started_at=NOW, **values)


def decide(previous: SourceState, fetch: FeedFetch, now: datetime = NOW) -> SourceState:
    return decide_source_state(previous, fetch, now=now, interval=INTERVAL, max_backoff=MAX_BACKOFF)


def test_success_resets_failures_and_stores_validators() -> None:
    previous = state(
        consecutive_failures=4, last_error="HTTP 500", last_error_at=NOW - timedelta(hours=1)
    )
    new = decide(previous, fetched(etag='"v2"', last_modified="Wed, 01 May 2024 11:00:00 GMT"))
    assert new.consecutive_failures == 0
    assert new.last_success_at == NOW
    assert new.last_attempt_at == NOW
    assert new.etag == '"v2"'
    assert new.last_modified == "Wed, 01 May 2024 11:00:00 GMT"
    assert new.next_due_at == NOW + INTERVAL + JITTER
    assert new.last_error is None
    assert new.last_error_at == NOW - timedelta(hours=1)
    assert new.url == URL


def test_200_without_validators_clears_the_old_ones() -> None:
    new = decide(state(etag='"v1"', last_modified="x"), fetched())
    assert new.etag is None
    assert new.last_modified is None


def test_304_is_a_success_and_keeps_validators() -> None:
    previous = state(
        etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT", consecutive_failures=2
    )
    new = decide(previous, fetched(FetchOutcome.NOT_MODIFIED, http_status=304))
    assert new.consecutive_failures == 0
    assert new.last_success_at == NOW
    assert new.etag == '"v1"'
    assert new.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert new.next_due_at == NOW + INTERVAL + JITTER


def test_304_with_a_new_etag_stores_it() -> None:
    new = decide(state(etag='"v1"'), fetched(FetchOutcome.NOT_MODIFIED, etag='"v1b"'))
    assert new.etag == '"v1b"'


@pytest.mark.parametrize(
    ("failures_before", "expected"),
    [
        (0, INTERVAL),
        (1, INTERVAL * 2),
        (2, INTERVAL * 4),
        (5, INTERVAL * 32),
        (6, MAX_BACKOFF),  # 32 h > 24 h
        (500, MAX_BACKOFF),  # no overflow
    ],
)
def test_errors_back_off_exponentially_with_a_cap(
    failures_before: int, expected: timedelta
) -> None:
    previous = state(consecutive_failures=failures_before, etag='"v1"')
    new = decide(previous, fetched(FetchOutcome.ERROR, error="HTTP 500 Internal Server Error"))
    assert new.consecutive_failures == failures_before + 1
    assert new.last_error == "HTTP 500 Internal Server Error"
    assert new.last_error_at == NOW
    assert new.next_due_at == NOW + expected
    assert new.etag == '"v1"'  # validators survive errors
    assert new.gone is False


def test_errors_keep_retrying() -> None:
    current = state()
    now = NOW
    for _ in range(40):
        current = decide(current, fetched(FetchOutcome.ERROR, error="boom"), now)
        assert current.next_due_at is not None
        assert is_due(current, current.next_due_at)
        now = current.next_due_at
    assert current.consecutive_failures == 40
    assert current.next_due_at == now
    assert not is_due(current, now - timedelta(seconds=1))


def test_backoff_function() -> None:
    assert backoff(INTERVAL, 1, MAX_BACKOFF) == INTERVAL
    assert backoff(INTERVAL, 3, MAX_BACKOFF) == INTERVAL * 4
    assert backoff(INTERVAL, 10_000, MAX_BACKOFF) == MAX_BACKOFF


def test_retry_after_postpones_past_the_backoff() -> None:
    fetch = fetched(FetchOutcome.ERROR, error="HTTP 429", retry_after=timedelta(hours=3))
    new = decide(state(), fetch)
    assert new.next_due_at == NOW + timedelta(hours=3)
    assert new.consecutive_failures == 1


def test_short_retry_after_does_not_shorten_the_backoff() -> None:
    fetch = fetched(FetchOutcome.ERROR, error="HTTP 503", retry_after=timedelta(seconds=5))
    new = decide(state(consecutive_failures=3), fetch)
    assert new.next_due_at == NOW + INTERVAL * 8


def test_absurd_retry_after_is_capped_by_max_backoff() -> None:
    fetch = fetched(FetchOutcome.ERROR, error="HTTP 429", retry_after=timedelta(days=365))
    new = decide(state(), fetch)
    assert new.next_due_at == NOW + MAX_BACKOFF


def test_gone_stops_polling_and_keeps_data() -> None:
    previous = state(etag='"v1"', last_success_at=NOW - timedelta(days=1), consecutive_failures=1)
    new = decide(previous, fetched(FetchOutcome.GONE, http_status=410))
    assert new.gone is True
    assert new.next_due_at is None
    assert new.etag == '"v1"'
    assert new.last_success_at == NOW - timedelta(days=1)
    assert new.last_attempt_at == NOW
    assert not is_due(new, NOW + timedelta(days=3650))


def test_permanent_redirect_moves_after_three_in_a_row() -> None:
    current = state()
    for seen in range(1, REDIRECTS_TO_MOVE):
        current = decide(current, fetched(permanent_redirect_url=NEW_URL))
        assert current.url == URL
        assert current.redirect_url == NEW_URL
        assert current.redirect_count == seen
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    assert REDIRECTS_TO_MOVE == 3
    assert current.url == NEW_URL
    assert current.redirect_url is None
    assert current.redirect_count == 0


def test_a_different_redirect_target_restarts_the_count() -> None:
    current = decide(state(), fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(permanent_redirect_url="https://example.org/other.xml"))
    assert current.url == URL
    assert current.redirect_url == "https://example.org/other.xml"
    assert current.redirect_count == 1


def test_a_fetch_without_redirect_resets_the_count() -> None:
    current = decide(state(), fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(FetchOutcome.NOT_MODIFIED))
    assert current.redirect_url is None
    assert current.redirect_count == 0
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    assert current.url == URL
    assert current.redirect_count == 1


def test_an_error_leaves_the_redirect_count_alone() -> None:
    current = decide(state(), fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    current = decide(current, fetched(FetchOutcome.ERROR, error="timed out after 30s"))
    assert (current.redirect_url, current.redirect_count) == (NEW_URL, 2)
    current = decide(current, fetched(permanent_redirect_url=NEW_URL))
    assert current.url == NEW_URL


def test_success_after_gone_resumes_polling() -> None:
    new = decide(state(gone=True), fetched())
    assert new.gone is False
    assert is_due(new, NOW + INTERVAL + JITTER)


def test_is_due() -> None:
    assert is_due(state(), NOW)  # never fetched
    assert is_due(state(next_due_at=NOW), NOW)
    assert not is_due(state(next_due_at=NOW + timedelta(seconds=1)), NOW)
    assert not is_due(state(gone=True), NOW)


def test_last_attempt_falls_back_to_now() -> None:
    fetch = replace(fetched(), started_at=None)
    assert decide(state(), fetch).last_attempt_at == NOW


def test_fetch_of_another_source_is_refused() -> None:
    with pytest.raises(ValueError, match="other"):
        decide(state(), replace(fetched(), source_id="other"))


# --- jitter, freshness, adaptive interval ----------------------------------------------


def test_jitter_is_reproducible_bounded_and_spreads_sources() -> None:
    assert jitter("s", NOW, INTERVAL) == JITTER == jitter("s", NOW, INTERVAL)
    assert jitter("t", NOW, INTERVAL) == timedelta(minutes=2, seconds=48)
    assert jitter("s", NOW + INTERVAL, INTERVAL) == timedelta(minutes=2, seconds=44)
    ids = [f"source-{i}" for i in range(200)]
    spread = {jitter(i, NOW, INTERVAL) for i in ids}
    assert len(spread) > 100  # of 180 whole seconds in 3 min
    assert all(timedelta(0) <= j < INTERVAL / 10 for j in spread)
    assert jitter("s", NOW, timedelta(0)) == timedelta(0)


def test_304_is_jittered_too() -> None:
    new = decide(state(), fetched(FetchOutcome.NOT_MODIFIED))
    assert new.next_due_at == NOW + INTERVAL + JITTER


def test_errors_are_not_jittered() -> None:
    new = decide(state(), fetched(FetchOutcome.ERROR, error="boom"))
    assert new.next_due_at == NOW + INTERVAL


@pytest.mark.parametrize(
    ("cache_lifetime", "ttl", "expected"),
    [
        (timedelta(hours=2), None, timedelta(hours=2)),
        (None, timedelta(minutes=90), timedelta(minutes=90)),
        (timedelta(hours=2), timedelta(hours=3), timedelta(hours=3)),  # the later ask
        (timedelta(minutes=5), None, INTERVAL + JITTER),  # never earlier than the interval
        (None, timedelta(minutes=30), INTERVAL + JITTER),
        (timedelta(days=365), None, MAX_FRESHNESS),  # a hostile header is capped
        (None, timedelta(days=30), MAX_FRESHNESS),
    ],
)
def test_success_waits_for_cache_control_expires_and_ttl(
    cache_lifetime: timedelta | None, ttl: timedelta | None, expected: timedelta
) -> None:
    fetch = fetched(cache_lifetime=cache_lifetime, feed=ParsedFeed(ttl=ttl))
    assert decide(state(), fetch).next_due_at == NOW + expected


def test_304_waits_for_its_cache_control() -> None:
    fetch = fetched(FetchOutcome.NOT_MODIFIED, cache_lifetime=timedelta(hours=6))
    assert decide(state(), fetch).next_due_at == NOW + timedelta(hours=6)


def test_freshness_does_not_delay_a_failing_source() -> None:
    fetch = fetched(FetchOutcome.ERROR, error="HTTP 500", cache_lifetime=timedelta(hours=6))
    assert decide(state(), fetch).next_due_at == NOW + INTERVAL


def test_a_long_interval_is_not_shortened_by_the_freshness_cap() -> None:
    fetch = fetched(cache_lifetime=timedelta(days=30))
    interval = timedelta(hours=48)
    new = decide_source_state(state(), fetch, now=NOW, interval=interval, max_backoff=MAX_BACKOFF)
    assert new.next_due_at == NOW + interval + jitter("s", NOW, interval)


@pytest.mark.parametrize(
    ("per_day", "expected"),
    [
        (0.0, timedelta(hours=24)),  # nothing new in a week: once a day
        (0.5, timedelta(hours=24)),  # clamped
        (1.0, timedelta(hours=24)),
        (4.0, timedelta(hours=6)),
        (96.0, timedelta(minutes=15)),
        (288.0, timedelta(minutes=5)),
        (10_000.0, timedelta(minutes=5)),  # clamped
        (7.0, timedelta(seconds=12343)),  # 86400 / 7, rounded to whole seconds
    ],
)
def test_adaptive_interval_is_a_day_over_the_entry_rate_clamped(
    per_day: float, expected: timedelta
) -> None:
    assert adaptive_interval(per_day) == expected
