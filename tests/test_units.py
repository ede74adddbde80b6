"""The pipeline one item at a time (Curator.units): each unit is idempotent, so a second
run of the same item — another worker, a retried task — changes nothing (#11)."""

from __future__ import annotations

import asyncio
from datetime import UTC
from datetime import datetime
from pathlib import Path

from fetch.servers import FeedServer
from test_drafts import HEADLINE
from test_drafts import Clock
from test_drafts import ledger_source
from test_drafts import open_facade
from test_drafts import visits_site

from curator import Curator
from curator.core.units import page_job_key
from curator.model import FetchOutcome

T0 = datetime(2031, 4, 25, 9, 0, tzinfo=UTC)


async def _run_pipeline(facade: Curator) -> None:
    async with facade.units() as units:
        assert units.due_sources() == ["ledger"]
        report = await units.refresh_source("ledger")
        assert (report.outcome, report.counts.new) == (FetchOutcome.OK, 1)
        assert units.due_sources() == []  # next due after the interval

        (entry_id,) = units.pending_pages()
        article = await units.fetch_page(entry_id)
        assert article is not None and article.error is None and article.quotes > 0
        assert await units.fetch_page(entry_id) is None  # stored: nothing to do
        assert units.pending_pages() == []

        assert units.pending_entries() == [entry_id]
        draft = units.curate_entry(entry_id)
        assert draft is not None and draft.content.headline == HEADLINE
        assert units.curate_entry(entry_id) is None  # drafted: nothing to do
        assert units.pending_entries() == []


def test_units_run_the_pipeline_once_per_item(tmp_path: Path, database_url: str) -> None:
    with FeedServer() as server:
        visits_site(server)
        with open_facade(
            tmp_path, database_url, [ledger_source(server)], clock=Clock(T0)
        ) as facade:
            asyncio.run(_run_pipeline(facade))
            assert len(facade.list_drafts()) == 1
            assert server.paths().count("/visits.html") == 1


async def _page_jobs_of_two_feeds(facade: Curator) -> tuple[list[tuple[int, str]], ...]:
    async with facade.units() as units:
        for source_id in ("ledger", "mirror"):
            await units.refresh_source(source_id)
        return (
            units.pending_page_jobs(source_ids=["ledger"]),
            units.pending_page_jobs(source_ids=["mirror"]),
        )


def test_two_feeds_linking_one_page_queue_one_page_job(tmp_path: Path, database_url: str) -> None:
    """Two sources refreshed at once on two nodes each queue their entry's page: the job
    key is the page's, so the task queue's lock lets one download it (#11)."""
    with FeedServer() as server:
        visits_site(server)
        server.routes["/mirror.xml"] = server.routes["/ledger.xml"]
        mirror = {**ledger_source(server), "id": "mirror", "url": server.url("/mirror.xml")}
        with open_facade(
            tmp_path, database_url, [ledger_source(server), mirror], clock=Clock(T0)
        ) as facade:
            ledger_jobs, mirror_jobs = asyncio.run(_page_jobs_of_two_feeds(facade))
    [(ledger_entry, ledger_key)] = ledger_jobs
    [(mirror_entry, mirror_key)] = mirror_jobs
    assert ledger_entry != mirror_entry
    assert ledger_key == mirror_key == page_job_key(server.url("/visits.html"))
    assert page_job_key(server.url("/other.html")) != ledger_key
