"""The pipeline one item at a time, for the daemon and task workers (#11).

Each method is one unit of work on one item — refresh one source, fetch and extract one
article page, curate one entry — and can run in any process: what is due is chosen in
SQL, and the store's unique keys make a second run of the same item a no-op. A
``Units`` holds one fetcher (its HTTP pools and parse workers) for its lifetime, so a
worker pays for them once, not per item.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import datetime

from curator.core import drafting
from curator.core import refresh
from curator.core._context import Context
from curator.core.extraction import run_extraction
from curator.core.sources import select_sources
from curator.curate import signature_from_json
from curator.fetch import Fetcher
from curator.fetch import is_due
from curator.model import ArticleReport
from curator.model import Draft
from curator.model import PageRequest
from curator.model import SourceReport


class Units:
    """One item at a time; ``async with curator.units() as units: ...``."""

    def __init__(self, ctx: Context, fetcher: Fetcher) -> None:
        self._ctx = ctx
        self._fetcher = fetcher

    # --- what is due (read-only) ---------------------------------------------------

    def due_sources(self, *, limit: int | None = None) -> list[str]:
        """Enabled sources whose next fetch is due now, never fetched first, then the
        longest overdue: chosen in SQL from the next due time each fetch stored
        (interval, jitter, backoff, Retry-After, freshness), as every node sees it."""
        return self._ctx.store.due_source_ids(now=self._ctx.clock(), limit=limit)

    def next_due_at(self) -> datetime | None:
        """When the first enabled source falls due (None: no source has a due time)."""
        return self._ctx.store.next_due_at()

    def is_due(self, source_id: str) -> bool:
        """Whether this enabled source is due now: a task re-checks under its lock
        (`is_due` is the rule `due_sources` runs in SQL)."""
        ctx = self._ctx
        (source,) = select_sources(ctx, [source_id])
        if not source.enabled:
            return False
        return is_due(ctx.store.get_source_state(source_id), ctx.clock())

    def pending_pages(self, *, source_ids: Sequence[str] = (), limit: int = 1000) -> list[int]:
        """Entries whose article page was never fetched, or failed and is due a retry:
        one per page URL (entries that link to one page share it, #11)."""
        ctx = self._ctx
        items = ctx.store.articles_to_fetch(source_ids=source_ids, limit=limit, now=ctx.clock())
        return [item.entry_id for item in items]

    def pending_page_jobs(
        self, *, source_ids: Sequence[str] = (), limit: int = 1000
    ) -> list[tuple[int, str]]:
        """``pending_pages`` with each page's job key (``page:`` + a hash of its URL): a
        task queue locks on the page, so two entries of two sources that link to one
        page, refreshed at once on two nodes, never download it twice."""
        ctx = self._ctx
        items = ctx.store.articles_to_fetch(source_ids=source_ids, limit=limit, now=ctx.clock())
        return [(item.entry_id, page_job_key(item.url)) for item in items]

    def pending_entries(self, *, limit: int = 1000) -> list[int]:
        """Entries with an extracted article and no draft yet (oldest first)."""
        return [item.entry_id for item in self._ctx.store.entries_needing_drafts(limit=limit)]

    # --- the units ------------------------------------------------------------------

    async def refresh_source(self, source_id: str) -> SourceReport:
        """Fetch one feed and store its entries and the source's new state (one
        transaction). Its article pages and drafts are units of their own."""
        ctx = self._ctx
        (source,) = select_sources(ctx, [source_id])
        state = ctx.store.get_source_state(source_id)
        request = refresh._feed_request(state, source)
        async for fetched in self._fetcher.fetch_feeds([request]):
            return await asyncio.to_thread(refresh._store_fetch, ctx, source, state, fetched)
        raise AssertionError("fetch_feeds yields one result per request")

    async def fetch_page(self, entry_id: int) -> ArticleReport | None:
        """Fetch, extract and store one entry's article page with its quotes (one
        transaction); None when it needs no fetch (done meanwhile, also for another
        entry with the same link, dropped, no link, a failed page not due again yet or
        failed permanently)."""
        ctx = self._ctx
        items = ctx.store.articles_to_fetch(entry_ids=[entry_id], limit=1, now=ctx.clock())
        if not items:
            return None
        (item,) = items
        (source,) = select_sources(ctx, [item.source_id])
        if not refresh._entry_passes(ctx, item, source):
            return None
        request = PageRequest(
            url=item.url,
            entry_id=item.entry_id,
            source_id=item.source_id,
            respect_robots=source.robots,
            allow_file=source.url.startswith("file:"),
        )
        page = await self._fetcher.fetch_page(request)
        extraction = None
        if page.body is not None:
            extraction = await run_extraction(
                self._fetcher,
                page.body,
                page.final_url or page.url,
                page.content_type,
                page.charset,
            )
        await asyncio.to_thread(refresh._save_page, ctx, page, extraction, item.attempts)
        return ArticleReport(
            entry_id=entry_id,
            source_id=item.source_id,
            url=item.url,
            error=page.error or (extraction.error if extraction else None),
            quotes=len(extraction.quotes) if extraction else 0,
        )

    def curate_entry(self, entry_id: int) -> Draft | None:
        """Curate one extracted entry (decide, then apply in one transaction)."""
        ctx = self._ctx
        items = ctx.store.entries_needing_drafts(entry_ids=[entry_id], limit=1)
        if not items:
            return None
        (item,) = items
        (source,) = select_sources(ctx, [item.source_id])
        candidates = [
            (draft_id, url, signature_from_json(raw))
            for draft_id, url, raw in ctx.store.recent_story_candidates(
                ctx.clock() - drafting.DEDUP_WINDOW
            )
        ]
        return drafting.curate_entry(ctx, item, source, candidates)


def page_job_key(url: str) -> str:
    """The task-queue key of an article page: fixed length, whatever the URL's."""
    return "page:" + hashlib.sha256(url.encode()).hexdigest()[:32]
