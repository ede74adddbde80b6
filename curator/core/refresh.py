"""Refresh sources: fetch feeds, store entries, fetch and extract their article pages.

One unit of work per source (decide the new state, apply it and the entries in one
transaction) and one per article page (the page, its extraction and quotes together)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from curator.core._context import ArticleCallback
from curator.core._context import Context
from curator.core._context import ReportCallback
from curator.core._context import make_fetcher
from curator.core._lazy import lazy_module
from curator.core.sources import select_sources
from curator.errors import StoreError
from curator.fetch import ADAPTIVE_PERIOD
from curator.fetch import Fetcher
from curator.fetch import adaptive_interval
from curator.fetch import decide_source_state
from curator.fetch import page_retry_at
from curator.fetch import paused_until
from curator.model import ArticleReport
from curator.model import ArticleToFetch
from curator.model import EntryCounts
from curator.model import Extraction
from curator.model import FeedEntry
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import FilterRules
from curator.model import PageFetch
from curator.model import PageRequest
from curator.model import Source
from curator.model import SourceReport
from curator.model import SourceState

if TYPE_CHECKING:
    from curator.core import drafting
    from curator.core import extraction as extracting
else:  # at first use: a fetch of feeds only never imports the extractor (trafilatura)
    drafting = lazy_module("curator.core.drafting")
    extracting = lazy_module("curator.core.extraction")

logger = logging.getLogger(__name__)


async def fetch_async(
    ctx: Context,
    source_ids: Sequence[str] = (),
    *,
    only_due: bool = False,
    force: bool = False,
    on_report: ReportCallback | None = None,
    on_article: ArticleCallback | None = None,
    on_done: ReportCallback | None = None,
) -> list[SourceReport]:
    """Fetch the given sources (default: every enabled one) and store their entries,
    then fetch, extract and store the article pages of new entries (with their quotes).

    A source paused after a failure (Retry-After, backoff) or gone (410) is not
    fetched, like in the daemon: it gets a PAUSED or GONE report at once, unless
    ``force``. With ``only_due`` (the daemon) the sources not due are left out silently.

    ``on_report`` is called with each source's report once its feed is stored;
    ``on_done`` with its final report (articles and quotes counted) as soon as its
    article pages are stored too, so a run that is killed has reported what it did.
    """
    selected = select_sources(ctx, source_ids)
    now = ctx.clock()
    if only_due and not force:
        # The store chooses the due sources (the daemon's rule, in SQL); only their
        # states are read, not every source's.
        due = set(ctx.store.due_source_ids(now=now))
        selected = [source for source in selected if source.id in due]
    states = {s.source_id: s for s in ctx.store.list_source_states([s.id for s in selected])}
    to_fetch: list[Source] = []
    skipped: list[SourceReport] = []
    for source in selected:
        state = states[source.id]
        if force or only_due:
            to_fetch.append(source)
        elif (skip := _skipped(state, now)) is not None:
            skipped.append(skip)
        else:
            to_fetch.append(source)
    for skip in skipped:
        for callback in (on_report, on_done):
            if callback is not None:
                callback(skip)
    requests = [_feed_request(states[source.id], source) for source in to_fetch]
    by_id = {source.id: source for source in to_fetch}
    reports: list[SourceReport] = []

    def stored(done: list[SourceReport]) -> None:
        for report in done:
            reports.append(report)
            if on_report is not None:
                on_report(report)
            if on_done is not None and not by_id[report.source_id].fetch_articles:
                on_done(report)

    async with make_fetcher(ctx) as fetcher:
        writer = _GroupWriter(ctx, stored)
        try:
            async for fetched in fetcher.fetch_feeds(requests):
                source = by_id[fetched.source_id]
                writer.add((source, states[source.id], fetched))
            await writer.drain()
        finally:
            writer.close()
        with_articles = [s.id for s in to_fetch if s.fetch_articles]
        if with_articles:
            by_source: dict[str, list[ArticleReport]] = {}
            fed = {report.source_id: report for report in reports}

            def source_done(source_id: str, articles: list[ArticleReport]) -> None:
                if on_done is not None:
                    on_done(_with_articles(fed[source_id], {source_id: articles}))

            for article in await _fetch_articles(
                ctx, fetcher, with_articles, on_article, source_done
            ):
                by_source.setdefault(article.source_id, []).append(article)
            reports = [_with_articles(report, by_source) for report in reports]
    if any(s.fetch_articles for s in to_fetch):
        drafting.curate(ctx, [s.id for s in to_fetch])
    order = {source.id: i for i, source in enumerate(selected)}
    reports += skipped
    reports.sort(key=lambda r: order[r.source_id])
    return reports


class _GroupWriter:
    """Stores fetched sources in a thread, one group at a time (group commit): the
    fetches go on meanwhile, and those that arrive while a group is written make the
    next group, one transaction. ``stored`` gets each group's reports once committed."""

    def __init__(self, ctx: Context, stored: Callable[[list[SourceReport]], None]) -> None:
        self._ctx = ctx
        self._stored = stored
        self._waiting: list[tuple[Source, SourceState, FeedFetch]] = []
        self._writing: asyncio.Future[list[SourceReport]] | None = None
        self._failed: Exception | None = None
        self._closed = False

    def add(self, fetched: tuple[Source, SourceState, FeedFetch]) -> None:
        self._raise_failure()
        self._waiting.append(fetched)
        if self._writing is None:
            self._write()

    async def drain(self) -> None:
        """Wait until every group is stored; raise what a failed write raised."""
        while self._writing is not None:
            writing = self._writing
            await writing
            if self._writing is writing:  # done, but its callback (`_written`) not run yet
                await asyncio.sleep(0)
        self._raise_failure()

    def close(self) -> None:
        """No new group after this (an interrupted run); the one in flight still ends."""
        self._closed = True

    def _write(self) -> None:
        group, self._waiting = self._waiting, []
        self._writing = asyncio.ensure_future(asyncio.to_thread(_store_fetches, self._ctx, group))
        self._writing.add_done_callback(self._written)

    def _written(self, writing: asyncio.Future[list[SourceReport]]) -> None:
        if writing.cancelled() or writing.exception() is not None:
            return  # kept in self._writing: add() and drain() raise it
        self._writing = None
        try:
            self._stored(writing.result())
        except Exception as e:  # a report callback (a closed stdout): the run stops
            self._failed = e
            return
        if self._waiting and not self._closed:
            self._write()

    def _raise_failure(self) -> None:
        """Raise what a write (a bug, not a refusal) or a report callback raised."""
        if self._failed is not None:
            raise self._failed
        if self._writing is not None and self._writing.done():
            self._writing.result()


def _skipped(state: SourceState, now: datetime) -> SourceReport | None:
    """The report of a source a one-off fetch leaves alone (gone, or paused); else None."""
    if state.gone:
        return SourceReport(
            source_id=state.source_id,
            outcome=FetchOutcome.GONE,
            error="gone (HTTP 410): not fetched; --force fetches it",
        )
    until = paused_until(state, now)
    if until is None:
        return None
    return SourceReport(
        source_id=state.source_id,
        outcome=FetchOutcome.PAUSED,
        error=f"paused until {until.isoformat(timespec='seconds')} after "
        f"{state.consecutive_failures} failure(s) ({state.last_error}); --force fetches it",
        paused_until=until,
    )


def _interval(ctx: Context, source: Source, now: datetime) -> timedelta:
    """The source's interval, or its adaptive one from the entries first seen last week."""
    if not source.adaptive_interval:
        return source.interval
    try:
        recent = ctx.store.count_entries_first_seen(source.id, since=now - ADAPTIVE_PERIOD)
    except StoreError:
        return source.interval  # storing the fetch will fail and say why
    return adaptive_interval(recent / ADAPTIVE_PERIOD.days)


def _store_fetches(
    ctx: Context, fetches: Sequence[tuple[Source, SourceState, FeedFetch]]
) -> list[SourceReport]:
    """Store several sources' fetches, each one unit of work, in one transaction (one
    commit for all). If the database refuses it, each is stored on its own instead,
    so that only the source at fault fails and the others are kept."""
    now = ctx.clock()
    decided = [_decide(ctx, source, state, fetched, now) for source, state, fetched in fetches]
    if len(fetches) > 1:
        units = [
            (new_state, attempt, _entries(fetched))
            for (new_state, attempt, _), (_, _, fetched) in zip(decided, fetches, strict=True)
        ]
        try:
            counts = ctx.store.apply_fetches(units, now=now)
        except StoreError as e:
            logger.debug("storing %d sources together failed (%s): one by one", len(units), e)
        else:
            return [
                _report(fetched, unit_counts)
                for (_, _, fetched), unit_counts in zip(fetches, counts, strict=True)
            ]
    return [
        _store_one(ctx, source, state, fetched, decision, now)
        for (source, state, fetched), decision in zip(fetches, decided, strict=True)
    ]


def _store_fetch(
    ctx: Context, source: Source, state: SourceState, fetched: FeedFetch
) -> SourceReport:
    """Store one source's fetch: its unit of work, in its own transaction."""
    (report,) = _store_fetches(ctx, [(source, state, fetched)])
    return report


def _decide(
    ctx: Context, source: Source, state: SourceState, fetched: FeedFetch, now: datetime
) -> tuple[SourceState, FetchAttempt, timedelta]:
    """The source's new state, the attempt to record, and the interval they used."""
    interval = _interval(ctx, source, now)
    new_state = decide_source_state(
        state,
        fetched,
        now=now,
        interval=interval,
        max_backoff=ctx.settings.fetch.max_backoff,
    )
    if new_state.url != state.url:
        logger.warning(
            "%s: moved permanently, now fetching %s (was %s)",
            source.id,
            new_state.url,
            state.url,
        )
    if new_state.gone and not state.gone:
        logger.warning("%s: gone (HTTP 410); polling stops, entries are kept", source.id)
    attempt = FetchAttempt(
        source_id=source.id,
        started_at=fetched.started_at or now,
        duration=fetched.duration,
        outcome=fetched.outcome,
        http_status=fetched.http_status,
        error=fetched.error,
    )
    return new_state, attempt, interval


def _entries(fetched: FeedFetch) -> Sequence[FeedEntry]:
    return fetched.feed.entries if fetched.feed is not None else ()


def _report(fetched: FeedFetch, counts: EntryCounts) -> SourceReport:
    return SourceReport(
        source_id=fetched.source_id,
        outcome=fetched.outcome,
        counts=counts if fetched.outcome is FetchOutcome.OK else EntryCounts(),
        http_status=fetched.http_status,
        error=fetched.error,
        duration=fetched.duration,
    )


def _store_one(
    ctx: Context,
    source: Source,
    state: SourceState,
    fetched: FeedFetch,
    decision: tuple[SourceState, FetchAttempt, timedelta],
    now: datetime,
) -> SourceReport:
    new_state, attempt, interval = decision
    try:
        counts = ctx.store.apply_fetch(new_state, attempt, _entries(fetched), now=now)
    except StoreError as e:
        # The database refused this source's entries: that source fails alone.
        # Record the failure without its entries (if the database lets us).
        logger.warning("could not store %s: %s", source.id, e)
        failed = replace(fetched, outcome=FetchOutcome.ERROR, error=f"not stored: {e}")
        failed_state = decide_source_state(
            state,
            failed,
            now=now,
            interval=interval,
            max_backoff=ctx.settings.fetch.max_backoff,
        )
        failed_attempt = replace(attempt, outcome=FetchOutcome.ERROR, error=failed.error)
        with contextlib.suppress(StoreError):
            ctx.store.apply_fetch(failed_state, failed_attempt, (), now=now)
        return SourceReport(
            source_id=source.id,
            outcome=FetchOutcome.ERROR,
            http_status=fetched.http_status,
            error=failed.error,
            duration=fetched.duration,
        )
    return _report(fetched, counts)


async def _fetch_articles(
    ctx: Context,
    fetcher: Fetcher,
    source_ids: Sequence[str],
    on_article: ArticleCallback | None,
    source_done: Callable[[str, list[ArticleReport]], None] | None = None,
) -> list[ArticleReport]:
    """Fetch, extract and store the article page of every entry that has none yet.

    ``source_done`` is called for each of ``source_ids`` once its last page is stored.
    """
    sources = {source.id: source for source in ctx.settings.sources}
    todo = [
        item
        for item in ctx.store.articles_to_fetch(source_ids=source_ids, now=ctx.clock())
        if item.source_id in sources and _entry_passes(ctx, item, sources[item.source_id])
    ]
    attempts = {item.entry_id: item.attempts for item in todo}
    left = Counter(item.source_id for item in todo)
    done: dict[str, list[ArticleReport]] = {source_id: [] for source_id in source_ids}
    if source_done is not None:
        for source_id in done:
            if not left[source_id]:
                source_done(source_id, [])
    requests = [
        PageRequest(
            url=item.url,
            entry_id=item.entry_id,
            source_id=item.source_id,
            respect_robots=sources[item.source_id].robots,
            allow_file=sources[item.source_id].url.startswith("file:"),
        )
        for item in todo
    ]
    reports: list[ArticleReport] = []
    async for page in fetcher.fetch_pages(requests):
        assert page.entry_id is not None and page.source_id is not None
        extraction = None
        if page.body is not None:
            extraction = await extracting.run_extraction(
                fetcher, page.body, page.final_url or page.url, page.content_type, page.charset
            )
        await asyncio.to_thread(_save_page, ctx, page, extraction, attempts[page.entry_id])
        error = page.error or (extraction.error if extraction else None)
        report = ArticleReport(
            entry_id=page.entry_id,
            source_id=page.source_id,
            url=page.url,
            error=error,
            quotes=len(extraction.quotes) if extraction else 0,
        )
        reports.append(report)
        if on_article is not None:
            on_article(report)
        left[page.source_id] -= 1
        done.setdefault(page.source_id, []).append(report)
        if source_done is not None and not left[page.source_id]:
            source_done(page.source_id, done[page.source_id])
    return reports


def retry_articles(
    ctx: Context, source_ids: Sequence[str], entry_ids: Sequence[int], *, all_failed: bool
) -> int:
    if source_ids:
        select_sources(ctx, source_ids)  # an unknown id is an error, not "0 pages"
    return ctx.store.retry_articles(
        now=ctx.clock(), source_ids=source_ids, entry_ids=entry_ids, all_failed=all_failed
    )


def _save_page(ctx: Context, page: PageFetch, extraction: Extraction | None, tried: int) -> None:
    """Store a page fetched after ``tried`` earlier tries, with its next try if it failed."""
    now = ctx.clock()
    retry_at = page_retry_at(page, tried + 1, now=now)
    ctx.store.save_article(page, extraction, now=now, next_try_at=retry_at)


def _entry_passes(ctx: Context, item: ArticleToFetch, source: Source) -> bool:
    """Filters that can be decided from the feed alone, before fetching the page."""
    if source.filters == FilterRules():
        return True
    entry = ctx.store.get_entry(item.entry_id)
    from curator.curate import check_entry  # here: a fetch without filters never needs it

    reason = check_entry(entry, source.tags, source.filters, now=ctx.clock())
    if reason is None:
        return True
    ctx.store.record_dropped(entry.id, source.id, reason, ctx.clock())
    return False


def _with_articles(report: SourceReport, by_source: dict[str, list[ArticleReport]]) -> SourceReport:
    mine = by_source.get(report.source_id, [])
    return replace(
        report,
        articles=sum(1 for a in mine if a.error is None),
        article_errors=sum(1 for a in mine if a.error is not None),
        quotes=sum(a.quotes for a in mine),
    )


def _feed_request(state: SourceState, source: Source) -> FeedRequest:
    return FeedRequest(
        source_id=state.source_id,
        url=state.url,
        etag=state.etag,
        last_modified=state.last_modified,
        configured_url=source.url,
        allow_private_networks=source.allow_private_networks,
    )
