"""An article page answered with Retry-After is not tried again before the server asked
(#11): the page's own 429/503, and a page not sent because its host was paused by one.
Time moves on a fake clock: nothing here waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import Seen
from test_articles import page
from test_drafts import Clock
from test_drafts import Item
from test_drafts import feed
from test_drafts import ledger_source
from test_drafts import open_facade

from curator import Curator
from curator.fetch.policy import PAGE_RETRY_FIRST
from curator.fetch.policy import PAGE_RETRY_MAX
from curator.fetch.policy import page_retry_at
from curator.model import PageFetch

T0 = datetime(2031, 4, 25, 9, 0, tzinfo=UTC)


def _busy_once(retry_after: str) -> Callable[[Seen], Reply]:
    """429 with ``Retry-After`` the first time, then the page."""
    seen: list[Seen] = []

    def route(request: Seen) -> Reply:
        seen.append(request)
        if len(seen) == 1:
            return Reply(429, b"slow down", {"Retry-After": retry_after})
        return page("depot-visits.html")

    return route


async def _fetch_due(facade: Curator) -> dict[str, str | None]:
    """Fetch every page due now, in entry order: url path → error."""
    async with facade.units() as units:
        results: dict[str, str | None] = {}
        for entry_id in units.pending_pages():
            report = await units.fetch_page(entry_id)
            assert report is not None
            results[report.url.rsplit("/", 1)[-1]] = report.error
        return results


async def _refresh(facade: Curator) -> None:
    async with facade.units() as units:
        await units.refresh_source("ledger")


def test_a_page_and_its_paused_host_wait_for_retry_after(tmp_path: Path, database_url: str) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        server.routes["/ledger.xml"] = feed(
            server, "ledger", Item("a", "Busy", "/busy.html"), Item("b", "Next", "/next.html")
        )
        server.routes["/busy.html"] = _busy_once("7200")  # two hours
        server.routes["/next.html"] = page("depot-visits.html")
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            asyncio.run(_refresh(facade))
            first = asyncio.run(_fetch_due(facade))
            assert first["busy.html"] == "HTTP 429 Too Many Requests (retry after 7200s)"
            # The host is paused: the next page of the same host is not sent at all.
            assert (first["next.html"] or "").startswith("not fetched:")
            assert "paused for" in (first["next.html"] or "")
            clock.advance(minutes=10)  # when a failed page is tried again without the header
            assert asyncio.run(_fetch_due(facade)) == {}
            clock.advance(minutes=109)
            assert asyncio.run(_fetch_due(facade)) == {}
            clock.advance(minutes=1)  # two hours after the 429
            assert asyncio.run(_fetch_due(facade)) == {"busy.html": None, "next.html": None}
        assert server.paths().count("/busy.html") == 2
        assert server.paths().count("/next.html") == 1


NOW = datetime(2031, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("retry_after", "waits"),
    [
        (timedelta(hours=2), timedelta(hours=2)),  # longer than the backoff: as asked
        (timedelta(seconds=30), PAGE_RETRY_FIRST),  # shorter: the backoff still applies
        (timedelta(days=30), PAGE_RETRY_MAX),  # a bogus header cannot stop the page
    ],
)
def test_page_retry_at_honours_retry_after(retry_after: timedelta, waits: timedelta) -> None:
    busy = PageFetch(
        url="https://news.example/a", http_status=503, error="HTTP 503", retry_after=retry_after
    )
    assert page_retry_at(busy, 1, now=NOW) == NOW + waits
