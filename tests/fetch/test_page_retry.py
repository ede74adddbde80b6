"""`page_retry_at`: when a failed article page is tried again, and when never (#11)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from curator.fetch.policy import PAGE_MAX_ATTEMPTS
from curator.fetch.policy import PAGE_RETRY_FIRST
from curator.fetch.policy import PAGE_RETRY_MAX
from curator.fetch.policy import backoff
from curator.fetch.policy import page_retry_at
from curator.model import PageFetch

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _page(error: str | None, status: int | None = None) -> PageFetch:
    return PageFetch(url="https://s.example/a", http_status=status, error=error)


def test_failed_page_retried_with_capped_doubling_backoff() -> None:
    page = _page("HTTP 503 Service Unavailable", 503)
    delays = [page_retry_at(page, n, now=NOW) for n in range(1, PAGE_MAX_ATTEMPTS)]
    assert [d - NOW for d in delays if d is not None] == [
        PAGE_RETRY_FIRST * 2**n for n in range(PAGE_MAX_ATTEMPTS - 1)
    ]
    assert page_retry_at(page, PAGE_MAX_ATTEMPTS, now=NOW) is None  # failed permanently
    assert backoff(PAGE_RETRY_FIRST, 40, PAGE_RETRY_MAX) == PAGE_RETRY_MAX


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("HTTP 503 Service Unavailable (retry after 30 s)", 503),
        ("HTTP 429 Too Many Requests", 429),
        ("timed out after 30 s", None),
        ("connection refused", None),
        ("disallowed by robots.txt (it could not be fetched: HTTP 503)", None),
        ("empty response body", 200),
    ],
)
def test_transient_page_errors_are_retried(error: str, status: int | None) -> None:
    assert page_retry_at(_page(error, status), 1, now=NOW) == NOW + PAGE_RETRY_FIRST


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("HTTP 404 Not Found", 404),
        ("HTTP 410 Gone", 410),
        ("not an HTML page (Content-Type: application/pdf)", 200),
        ("disallowed by robots.txt", None),
        ("refused: file: links are only followed for file: sources", None),
        (
            "refused: 10.0.0.1 is a private address (article links may not reach private"
            " networks; see fetch.allow_private_networks)",
            None,
        ),
    ],
)
def test_permanent_page_errors_are_not_retried(error: str, status: int | None) -> None:
    assert page_retry_at(_page(error, status), 1, now=NOW) is None


def test_a_page_without_error_has_no_next_try() -> None:
    assert page_retry_at(_page(None, 200), 1, now=NOW) is None
