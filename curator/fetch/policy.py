"""When to fetch a source next, and what to remember about it: a pure decision.

`decide_source_state` takes the previous `SourceState`, the `FeedFetch` that just
happened and the time, and returns the new state. It does no I/O and reads no clock,
so every rule below is a plain unit test, and the caller (core) stores the result.
Keeping it apart from the HTTP client also keeps "what the server said" (client) apart
from "what we do about it" (policy), as reader's update decider does.

The rules:

- Success (200 parsed, or 304): failures reset, validators (ETag / Last-Modified)
  stored for the next conditional GET, next due after one interval plus a jitter (up
  to `JITTER_FRACTION` of it, from a hash of the source and the time: reproducible,
  and sources on one interval spread out). A 304 keeps the previous validators when
  the server did not repeat them.
- Freshness: after a success the next due time is never earlier than the response's
  Cache-Control max-age / Expires or the feed's RSS ``<ttl>`` ask, capped at
  `MAX_FRESHNESS` so a hostile header cannot silence a source.
- Adaptive interval (`adaptive_interval`, chosen by the caller): ``24 h / entries per
  day`` over the last week, clamped to 5 min – 24 h, as Miniflux's entry_frequency.
- Error: exponential backoff, ``interval * 2**(failures - 1)`` capped at ``max_backoff``,
  so a broken source is retried less and less often but never given up on.
- Retry-After (429/503, or a host paused by one): next due no earlier than the server
  asked, itself capped at ``max_backoff`` so a bogus header cannot stop polling.
- 410 Gone: ``gone`` is set and polling stops; the source's entries are kept.
- A permanent redirect (every hop 301/308) replaces the URL only after the same target
  was seen on `REDIRECTS_TO_MOVE` successful fetches in a row: one misconfigured
  response must not lose a source. A different target restarts the count, a successful
  fetch without one clears it, and an error leaves it alone.

Article pages (`page_retry_at`): a failed page is tried again after ``PAGE_RETRY_FIRST``,
doubling after each failure up to ``PAGE_RETRY_MAX`` (10 min, 20 min, 40 min, 80 min),
and fails permanently — no next try, shown by ``curator status``, brought back by
``curator articles retry`` — after ``PAGE_MAX_ATTEMPTS`` tries, or at once when trying
again cannot help: HTTP 404 or 410, a 2xx that is not an HTML page, a link refused by
robots.txt, by the private-network guard or as a ``file:`` link. Anything else
(timeouts, connection errors, 5xx, 429, an unreachable robots.txt) is transient. A
page answered with Retry-After (429/503, or its host paused by one) is not tried
before the server asked, capped at ``PAGE_RETRY_MAX`` so a bogus header cannot stop it.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

from curator.fetch import robots
from curator.fetch import ssrf
from curator.model import FeedFetch
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import SourceState

#: How many successful fetches in a row must be permanently redirected to the same URL
#: before that URL replaces the source's URL.
REDIRECTS_TO_MOVE = 3

#: A failed article page is tried again after this long, then twice as long each time…
PAGE_RETRY_FIRST = timedelta(minutes=10)
#: …but never waits longer than this between two tries…
PAGE_RETRY_MAX = timedelta(hours=24)
#: …and fails permanently after this many tries (the first one included).
PAGE_MAX_ATTEMPTS = 5
#: Page errors no retry can cure (beside 404/410): the error line starts with one.
#: ("refused:" is the private-network guard and a file: link of a web source.)
_PERMANENT_PAGE_ERRORS = ("not an HTML page", "refused:")

#: The jitter added to the interval after a success is at most this fraction of it.
JITTER_FRACTION = 0.1
#: The longest a Cache-Control max-age, Expires or RSS <ttl> can push the next fetch out.
MAX_FRESHNESS = timedelta(hours=24)
#: The adaptive interval's bounds (Miniflux's defaults), and the period its entry rate
#: is measured over (whole days).
ADAPTIVE_MIN = timedelta(minutes=5)
ADAPTIVE_MAX = timedelta(hours=24)
ADAPTIVE_PERIOD = timedelta(days=7)


def decide_source_state(
    previous: SourceState,
    fetch: FeedFetch,
    *,
    now: datetime,
    interval: timedelta,
    max_backoff: timedelta,
) -> SourceState:
    """The source's state after `fetch`; see the module docstring for the rules."""
    if fetch.source_id != previous.source_id:
        raise ValueError(
            f"fetch of source {fetch.source_id!r} applied to state of {previous.source_id!r}"
        )
    attempted = replace(previous, last_attempt_at=fetch.started_at or now)
    if fetch.outcome is FetchOutcome.GONE:
        return replace(attempted, gone=True, next_due_at=None)
    if fetch.outcome is FetchOutcome.ERROR:
        failures = previous.consecutive_failures + 1
        delay = backoff(interval, failures, max_backoff)
        if fetch.retry_after is not None:
            delay = max(delay, min(fetch.retry_after, max_backoff))
        return replace(
            attempted,
            consecutive_failures=failures,
            last_error=fetch.error or "fetch failed",
            last_error_at=now,
            next_due_at=now + delay,
        )
    # OK or NOT_MODIFIED
    if fetch.outcome is FetchOutcome.NOT_MODIFIED:
        etag = fetch.etag or previous.etag
        last_modified = fetch.last_modified or previous.last_modified
    else:
        etag, last_modified = fetch.etag, fetch.last_modified
    url, redirect_url, redirect_count = _follow_redirect(previous, fetch.permanent_redirect_url)
    delay = interval + jitter(previous.source_id, now, interval)
    asked = [fetch.cache_lifetime, fetch.feed.ttl if fetch.feed is not None else None]
    for lifetime in filter(None, asked):
        delay = max(delay, min(lifetime, MAX_FRESHNESS))
    if fetch.retry_after is not None:
        delay = max(delay, min(fetch.retry_after, max_backoff))
    return replace(
        attempted,
        url=url,
        etag=etag,
        last_modified=last_modified,
        last_success_at=now,
        last_error=None,  # last_error_at stays: when it last failed
        consecutive_failures=0,
        next_due_at=now + delay,
        gone=False,
        redirect_url=redirect_url,
        redirect_count=redirect_count,
    )


def is_due(state: SourceState, now: datetime) -> bool:
    """Whether the source should be fetched at `now` (never once it is gone)."""
    if state.gone:
        return False
    return state.next_due_at is None or state.next_due_at <= now


def paused_until(state: SourceState, now: datetime) -> datetime | None:
    """Until when a one-off `curator fetch` leaves a failing source alone, like the daemon.

    After a failure the next due time holds the server's Retry-After (or a host's pause)
    and the backoff: fetching earlier would hammer a server that asked us to wait.
    None when the source is not paused (a healthy source is fetched whenever asked).
    """
    if state.consecutive_failures and state.next_due_at is not None and state.next_due_at > now:
        return state.next_due_at
    return None


def page_retry_at(page: PageFetch, attempts: int, *, now: datetime) -> datetime | None:
    """When to fetch a page again after `attempts` tries (this one included); None when
    it succeeded or failed permanently. See the module docstring for the rules."""
    if page.error is None or attempts >= PAGE_MAX_ATTEMPTS or _page_error_is_permanent(page):
        return None
    delay = backoff(PAGE_RETRY_FIRST, attempts, PAGE_RETRY_MAX)
    if page.retry_after is not None:
        delay = max(delay, min(page.retry_after, PAGE_RETRY_MAX))
    return now + delay


def _page_error_is_permanent(page: PageFetch) -> bool:
    error = page.error or ""
    if page.http_status in (404, 410) or ssrf.REFUSAL_HINT in error:
        return True
    # Only a rule refuses for good: "… (it could not be fetched: HTTP 503)" may pass later.
    return error == robots.DISALLOWED or error.startswith(_PERMANENT_PAGE_ERRORS)


def backoff(interval: timedelta, failures: int, max_backoff: timedelta) -> timedelta:
    """``interval * 2**(failures - 1)``, at most `max_backoff`."""
    exponent = min(max(failures - 1, 0), 64)  # 2**64 intervals is past any cap
    if interval.total_seconds() * 2.0**exponent >= max_backoff.total_seconds():
        return max_backoff
    factor: int = 2**exponent
    return interval * factor


def _follow_redirect(state: SourceState, target: str | None) -> tuple[str, str | None, int]:
    """(url, redirect_url, redirect_count) after a successful fetch redirected to `target`."""
    if target is None or target == state.url:
        return state.url, None, 0
    count = state.redirect_count + 1 if state.redirect_url == target else 1
    if count >= REDIRECTS_TO_MOVE:
        return target, None, 0
    return state.url, target, count


def jitter(source_id: str, now: datetime, interval: timedelta) -> timedelta:
    """Whole seconds in [0, `JITTER_FRACTION` × interval), from a hash of the source and
    the time: the same inputs give the same jitter (tests), different sources differ."""
    digest = hashlib.blake2b(f"{source_id}\0{now.isoformat()}".encode(), digest_size=8)
    share = int.from_bytes(digest.digest(), "big") / 2**64
    return timedelta(seconds=int(interval.total_seconds() * JITTER_FRACTION * share))


def adaptive_interval(entries_per_day: float) -> timedelta:
    """``24 h / entries_per_day`` clamped to `ADAPTIVE_MIN`–`ADAPTIVE_MAX`; a source with
    no entries in the period is polled once a day."""
    if entries_per_day <= 0:
        return ADAPTIVE_MAX
    seconds = timedelta(days=1).total_seconds() / entries_per_day
    return min(max(timedelta(seconds=round(seconds)), ADAPTIVE_MIN), ADAPTIVE_MAX)
