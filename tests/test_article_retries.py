"""Failed article pages are retried with capped backoff; permanently failed ones show in
`curator status` and come back with `curator articles retry` (#11). Time moves on a fake
clock: nothing here waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path

from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import Seen
from test_articles import page
from test_drafts import Clock
from test_drafts import Item
from test_drafts import feed
from test_drafts import ledger_source
from test_drafts import open_facade
from typer.testing import CliRunner

from curator import Curator
from curator.cli import app

T0 = datetime(2031, 4, 25, 9, 0, tzinfo=UTC)


def _flaky(failures: int) -> Callable[[Seen], Reply]:
    """The story page: 503 for the first `failures` requests, then the page."""
    seen: list[Seen] = []

    def route(request: Seen) -> Reply:
        seen.append(request)
        return Reply(503, b"busy") if len(seen) <= failures else page("depot-visits.html")

    return route


async def _fetch_due(facade: Curator) -> dict[str, str | None]:
    """Fetch every page due now: url path → error."""
    async with facade.units() as units:
        results: dict[str, str | None] = {}
        for entry_id in units.pending_pages():
            report = await units.fetch_page(entry_id)
            assert report is not None
            results[report.url.rsplit("/", 1)[-1]] = report.error
        return results


def _cli(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str]:
    flags = ["--sources", str(tmp_path / "sources.yaml"), "--database-url", database_url]
    result = CliRunner().invoke(app, [*flags, "--data-dir", str(tmp_path / "data"), *args])
    return result.exit_code, result.output


def test_failed_pages_retried_then_permanent_then_retried_on_demand(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        server.routes["/ledger.xml"] = feed(
            server, "ledger", Item("a", "Flaky", "/flaky.html"), Item("b", "Gone", "/gone.html")
        )
        server.routes["/flaky.html"] = _flaky(2)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            asyncio.run(_refresh(facade))
            assert asyncio.run(_fetch_due(facade)) == {
                "flaky.html": "HTTP 503 Service Unavailable",
                "gone.html": "HTTP 404 Not Found",
            }
            assert asyncio.run(_fetch_due(facade)) == {}  # the first retry is 10 min away
            clock.advance(minutes=10)
            assert asyncio.run(_fetch_due(facade)) == {"flaky.html": "HTTP 503 Service Unavailable"}
            clock.advance(minutes=10)
            assert asyncio.run(_fetch_due(facade)) == {}  # the second one 20 min away
            clock.advance(minutes=10)
            assert asyncio.run(_fetch_due(facade)) == {"flaky.html": None}
            clock.advance(days=30)
            assert asyncio.run(_fetch_due(facade)) == {}  # stored; the 404 failed for good
            assert server.paths().count("/flaky.html") == 3
            assert server.paths().count("/gone.html") == 1
            (status,) = facade.status()
            assert status.failed_pages == 1

            code, output = _cli(tmp_path, database_url, "status", "--json")
            assert code == 0 and json.loads(output)["failed_pages"] == 1
            assert _cli(tmp_path, database_url, "articles", "retry", "--source", "nope")[0] == 2
            code, output = _cli(tmp_path, database_url, "articles", "retry", "--source", "ledger")
            assert code == 0 and "1 article pages" in output
            assert facade.status()[0].failed_pages == 0
            assert asyncio.run(_fetch_due(facade)) == {"gone.html": "HTTP 404 Not Found"}
            assert facade.status()[0].failed_pages == 1  # still 404: failed for good again


async def _refresh(facade: Curator) -> None:
    async with facade.units() as units:
        await units.refresh_source("ledger")
