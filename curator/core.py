"""The Curator facade: the only place that wires the stages to the store.

Read top to bottom, it is the whole pipeline:

1. fetch: sources.yaml → store (sync) → feeds (I/O) → decide (pure policy) → store,
   one transaction per source;
2. articles: entry filters (pure) → pages (I/O, SSRF-guarded) → extract + quotes
   (pure, in the worker pool) → store, one transaction per page;
3. curate: article filters, tombstones, same-story dedup, build_draft and
   check_draft (all pure) → store;
4. review: the pure rules of curator.review applied with a version check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Self

from curator import review
from curator.config import Settings
from curator.config import TargetSettings
from curator.config import load_settings
from curator.curate import StorySignature
from curator.curate import build_draft
from curator.curate import check_article
from curator.curate import check_draft
from curator.curate import check_entry
from curator.curate import draft_checks
from curator.curate import find_same_story
from curator.curate import normalise_url
from curator.curate import parse_markdown
from curator.curate import render_markdown
from curator.curate import signature_from_json
from curator.curate import signature_to_json
from curator.curate import story_signature
from curator.errors import ExtractError
from curator.errors import NotFoundError
from curator.errors import StoreError
from curator.extract.pipeline import EXTRACTION_VERSION
from curator.extract.pipeline import extract_page
from curator.extract.pipeline import read_input
from curator.fetch import Fetcher
from curator.fetch import decide_source_state
from curator.fetch import is_due
from curator.model import Article
from curator.model import ArticleReport
from curator.model import ArticleToFetch
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import Entry
from curator.model import EntryCounts
from curator.model import EntryToDraft
from curator.model import Extraction
from curator.model import ExtractResult
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import FilterRules
from curator.model import LedgerRow
from curator.model import PageRequest
from curator.model import Post
from curator.model import PublishResult
from curator.model import Quote
from curator.model import Source
from curator.model import SourceReport
from curator.model import SourceState
from curator.model import SourceStatus
from curator.model import StoredQuote
from curator.publish import render_post
from curator.publish import write_static_site
from curator.publish.webhook import deliver_webhooks
from curator.publish.wordpress import publish_to_wordpress
from curator.store import Store

logger = logging.getLogger(__name__)

#: How far back a new story is compared with earlier drafts for "the same story".
DEDUP_WINDOW = timedelta(days=7)

#: Why a draft has a flag that its content and article no longer explain.
_FLAG_REASONS = {
    DraftFlag.SOURCE_CHANGED: "the source article changed after an edit: "
    "`curator drafts accept-source ID` takes the machine's new version",
}
_STALE_FLAG = "flagged when last saved (the article or the settings have changed since)"

Clock = Callable[[], datetime]
ReportCallback = Callable[[SourceReport], None]
ArticleCallback = Callable[[ArticleReport], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Curator:
    """The public API: every entry point (CLI, daemon, web) goes through it."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock = utc_now,
        parse_workers: int | None = None,
    ) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._parse_workers = parse_workers

    # --- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def database_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return self._store.url

    def upgrade(self) -> None:
        """Create or migrate the database schema to the newest revision."""
        self._store.upgrade()

    # --- sources --------------------------------------------------------------

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.settings.sources

    def get_source(self, source_id: str) -> Source:
        for source in self.settings.sources:
            if source.id == source_id:
                return source
        raise NotFoundError(f"no source with id {source_id!r}", object_id=source_id)

    # --- fetch ------------------------------------------------------------------

    def fetch(
        self,
        source_ids: Sequence[str] = (),
        *,
        only_due: bool = False,
        on_report: ReportCallback | None = None,
        on_article: ArticleCallback | None = None,
        on_done: ReportCallback | None = None,
    ) -> list[SourceReport]:
        """Fetch the given sources (default: every enabled one) and store their entries,
        then fetch, extract and store the article pages of new entries (with their quotes).

        ``on_report`` is called with each source's report once its feed is stored;
        ``on_done`` with its final report (articles and quotes counted) as soon as its
        article pages are stored too, so a run that is killed has reported what it did.
        """
        return asyncio.run(
            self.fetch_async(
                source_ids,
                only_due=only_due,
                on_report=on_report,
                on_article=on_article,
                on_done=on_done,
            )
        )

    async def fetch_async(
        self,
        source_ids: Sequence[str] = (),
        *,
        only_due: bool = False,
        on_report: ReportCallback | None = None,
        on_article: ArticleCallback | None = None,
        on_done: ReportCallback | None = None,
    ) -> list[SourceReport]:
        selected = self._select_sources(source_ids)
        self._store.sync_sources(self.settings.sources, now=self._clock())
        states = {state.source_id: state for state in self._store.list_source_states()}
        now = self._clock()
        to_fetch = [
            source
            for source in selected
            if not states[source.id].gone and (not only_due or is_due(states[source.id], now))
        ]
        requests = [_feed_request(states[source.id], source) for source in to_fetch]
        by_id = {source.id: source for source in to_fetch}
        reports: list[SourceReport] = []
        async with self._fetcher() as fetcher:
            async for fetched in fetcher.fetch_feeds(requests):
                source = by_id[fetched.source_id]
                # The write runs in a thread so the other fetches go on meanwhile;
                # awaiting it keeps one writer and one transaction per source.
                report = await asyncio.to_thread(
                    self._store_fetch, source, states[source.id], fetched
                )
                reports.append(report)
                if on_report is not None:
                    on_report(report)
                if on_done is not None and not source.fetch_articles:
                    on_done(report)
            with_articles = [s.id for s in to_fetch if s.fetch_articles]
            if with_articles:
                by_source: dict[str, list[ArticleReport]] = {}
                fed = {report.source_id: report for report in reports}

                def source_done(source_id: str, articles: list[ArticleReport]) -> None:
                    if on_done is not None:
                        on_done(_with_articles(fed[source_id], {source_id: articles}))

                for article in await self._fetch_articles(
                    fetcher, with_articles, on_article, source_done
                ):
                    by_source.setdefault(article.source_id, []).append(article)
                reports = [_with_articles(report, by_source) for report in reports]
        if any(s.fetch_articles for s in to_fetch):
            self.curate([s.id for s in to_fetch])
        order = {source.id: i for i, source in enumerate(to_fetch)}
        reports.sort(key=lambda r: order[r.source_id])
        return reports

    async def _fetch_articles(
        self,
        fetcher: Fetcher,
        source_ids: Sequence[str],
        on_article: ArticleCallback | None,
        source_done: Callable[[str, list[ArticleReport]], None] | None = None,
    ) -> list[ArticleReport]:
        """Fetch, extract and store the article page of every entry that has none yet.

        ``source_done`` is called for each of ``source_ids`` once its last page is stored.
        """
        sources = {source.id: source for source in self.settings.sources}
        todo = [
            item
            for item in self._store.articles_to_fetch(source_ids=source_ids)
            if item.source_id in sources and self._entry_passes(item, sources[item.source_id])
        ]
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
                extraction = await _extract(
                    fetcher, page.body, page.final_url or page.url, page.content_type, page.charset
                )
            await asyncio.to_thread(
                self._store.save_article, page.source_id, page, extraction, now=self._clock()
            )
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

    def _select_sources(self, source_ids: Sequence[str]) -> list[Source]:
        if source_ids:
            return [self.get_source(source_id) for source_id in dict.fromkeys(source_ids)]
        return [source for source in self.settings.sources if source.enabled]

    def _store_fetch(self, source: Source, state: SourceState, fetched: FeedFetch) -> SourceReport:
        now = self._clock()
        new_state = decide_source_state(
            state,
            fetched,
            now=now,
            interval=source.interval,
            max_backoff=self.settings.fetch.max_backoff,
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
        entries = fetched.feed.entries if fetched.feed is not None else ()
        attempt = FetchAttempt(
            source_id=source.id,
            started_at=fetched.started_at or now,
            duration=fetched.duration,
            outcome=fetched.outcome,
            http_status=fetched.http_status,
            error=fetched.error,
        )
        try:
            counts = self._store.apply_fetch(new_state, attempt, entries, now=now)
        except StoreError as e:
            # The database refused this source's entries: that source fails alone.
            # Record the failure without its entries (if the database lets us).
            logger.warning("could not store %s: %s", source.id, e)
            failed = replace(fetched, outcome=FetchOutcome.ERROR, error=f"not stored: {e}")
            failed_state = decide_source_state(
                state,
                failed,
                now=now,
                interval=source.interval,
                max_backoff=self.settings.fetch.max_backoff,
            )
            failed_attempt = replace(attempt, outcome=FetchOutcome.ERROR, error=failed.error)
            with contextlib.suppress(StoreError):
                self._store.apply_fetch(failed_state, failed_attempt, (), now=now)
            return SourceReport(
                source_id=source.id,
                outcome=FetchOutcome.ERROR,
                http_status=fetched.http_status,
                error=failed.error,
                duration=fetched.duration,
            )
        return SourceReport(
            source_id=source.id,
            outcome=fetched.outcome,
            counts=counts if fetched.outcome is FetchOutcome.OK else EntryCounts(),
            http_status=fetched.http_status,
            error=fetched.error,
            duration=fetched.duration,
        )

    # --- extraction -------------------------------------------------------------

    def extract(self, inputs: Sequence[str]) -> list[ExtractResult]:
        """Extract article + quotes from local files (.html/.htm/.txt, or .gz of those)
        and http(s) URLs, in input order. A failing input gets its error; the rest go on."""
        return asyncio.run(self.extract_async(inputs))

    async def extract_async(self, inputs: Sequence[str]) -> list[ExtractResult]:
        async with self._fetcher() as fetcher:
            jobs = [self._extract_one(fetcher, item) for item in inputs]
            return list(await asyncio.gather(*jobs))

    async def _extract_one(self, fetcher: Fetcher, item: str) -> ExtractResult:
        if _is_web_url(item):
            # An explicit request of the user, like a browser's: robots.txt is for crawls.
            page = await fetcher.fetch_page(PageRequest(url=item, respect_robots=False))
            if page.body is None:
                return ExtractResult(input=item, error=page.error or "no content")
            extraction = await _extract(
                fetcher, page.body, page.final_url or page.url, page.content_type, page.charset
            )
            return ExtractResult(input=item, extraction=extraction, error=extraction.error)
        try:
            data, uri = await asyncio.to_thread(
                _read_local_input, item, self.settings.fetch.max_bytes
            )
        except ExtractError as e:
            return ExtractResult(input=item, error=e.message)
        content_type = "text/plain" if _is_text_name(item) else "text/html"
        extraction = await _extract(fetcher, data, uri, content_type, None)
        return ExtractResult(input=item, extraction=extraction, error=extraction.error)

    def reextract(
        self,
        source_ids: Sequence[str] = (),
        *,
        since: datetime | None = None,
        on_article: ArticleCallback | None = None,
    ) -> list[ArticleReport]:
        """Extract stored pages again (no re-fetch) and replace their quotes."""
        return asyncio.run(self._reextract(source_ids, since=since, on_article=on_article))

    async def _reextract(
        self,
        source_ids: Sequence[str],
        *,
        since: datetime | None,
        on_article: ArticleCallback | None,
    ) -> list[ArticleReport]:
        for source_id in source_ids:
            self.get_source(source_id)
        ids = self._store.raw_page_ids(source_ids=source_ids, since=since)
        reports: list[ArticleReport] = []
        async with self._fetcher() as fetcher:
            for article_id in ids:
                raw = await asyncio.to_thread(self._store.get_raw_page, article_id)
                extraction = await _extract(
                    fetcher, raw.body, raw.final_url or raw.url, raw.content_type, raw.charset
                )
                await asyncio.to_thread(
                    self._store.save_extraction, article_id, extraction, now=self._clock()
                )
                await asyncio.to_thread(self._refresh_draft, raw.entry_id, extraction)
                report = ArticleReport(
                    entry_id=raw.entry_id,
                    source_id=raw.source_id,
                    url=raw.url,
                    error=extraction.error,
                    quotes=len(extraction.quotes),
                )
                reports.append(report)
                if on_article is not None:
                    on_article(report)
        return reports

    def list_quotes(
        self, *, source_ids: Sequence[str] = (), speaker: str | None = None, limit: int = 100
    ) -> list[StoredQuote]:
        for source_id in source_ids:
            self.get_source(source_id)
        return self._store.list_quotes(source_ids=source_ids, speaker=speaker, limit=limit)

    def count_articles(self, source_id: str | None = None) -> int:
        return self._store.count_articles(source_id)

    def _fetcher(self) -> Fetcher:
        return Fetcher(self.settings.fetch, parse_workers=self._parse_workers)

    def _entry_passes(self, item: ArticleToFetch, source: Source) -> bool:
        """Filters that can be decided from the feed alone, before fetching the page."""
        if source.filters == FilterRules():
            return True
        entry = self._store.get_entry(item.entry_id)
        reason = check_entry(entry, source.tags, source.filters, now=self._clock())
        if reason is None:
            return True
        self._store.record_dropped(entry.id, source.id, reason, self._clock())
        return False

    # --- curate -----------------------------------------------------------------

    def curate(self, source_ids: Sequence[str] = ()) -> list[Draft]:
        """Make a draft of every extracted article that has none (one per story):
        filters drop what they must (with the reason), the same story from another
        source is credited as "also reported by" instead of drafted again."""
        for source_id in source_ids:
            self.get_source(source_id)
        sources = {source.id: source for source in self.settings.sources}
        # Earlier stories, newest first, loaded once per run; each new draft joins them.
        candidates = [
            (draft_id, candidate_url, signature_from_json(raw))
            for draft_id, candidate_url, raw in self._store.recent_story_candidates(
                self._clock() - DEDUP_WINDOW
            )
        ]
        created: list[Draft] = []
        for item in self._store.entries_needing_drafts(source_ids=source_ids, limit=10_000):
            source = sources.get(item.source_id)
            if source is not None:
                draft = self._curate_one(item, source, candidates)
                if draft is not None:
                    created.append(draft)
        return created

    def _curate_one(
        self,
        item: EntryToDraft,
        source: Source,
        candidates: list[tuple[int, str, StorySignature]],
    ) -> Draft | None:
        now = self._clock()
        entry = self._store.get_entry(item.entry_id)
        article, quotes = self._store.get_article(item.article_id)
        if article is None:
            return None
        reason = check_article(article, source.filters)
        url = article.canonical_url or article.url or entry.link or ""
        story_url = normalise_url(url)
        if reason is None and self._store.is_tombstoned(source.id, entry.key, story_url):
            reason = "removed earlier: the story was rejected or taken down"
        if reason is not None:
            self._store.record_dropped(entry.id, source.id, reason, now)
            return None
        signature = story_signature(title=article.title or entry.title, text=article.text)
        same = find_same_story(
            url=story_url,
            signature=signature,
            candidates=candidates,
            threshold=self.settings.curate.dedup_threshold,
        )
        if same is not None:
            self._store.add_also_reported(same, source.id, entry.id, source.outlet, url)
            return None
        content = build_draft(
            article=article,
            quotes=quotes,
            entry=entry,
            source=source,
            settings=self.settings.curate,
        )
        draft = self._store.create_draft(
            content=content,
            source_id=source.id,
            entry_id=entry.id,
            story_url=story_url,
            now=now,
            flags=check_draft(content, article, self.settings.curate, quotes=quotes),
            article_id=item.article_id,
            extraction_version=EXTRACTION_VERSION,
            signature=signature_to_json(signature),
        )
        candidates.insert(0, (draft.id, story_url, signature))
        return draft

    def _refresh_draft(self, entry_id: int, extraction: Extraction) -> None:
        """A re-extracted article updates its draft; a human edit is never overwritten
        (the new version waits as a proposal, flagged source_changed)."""
        source = {s.id: s for s in self.settings.sources}
        try:
            draft = self._store.get_draft_by_entry(entry_id)
        except NotFoundError:
            return
        if extraction.article is None or draft.source_id not in source:
            return
        entry = self._store.get_entry(entry_id)
        content = build_draft(
            article=extraction.article,
            quotes=extraction.quotes,
            entry=entry,
            source=source[draft.source_id],
            settings=self.settings.curate,
        )
        # Changed only if the machine would now make something else than it made last
        # time: a human edit of the content is not a change of the source.
        if content == (draft.machine or draft.content) or content == draft.proposed:
            return
        keeps = draft.edited or draft.state in (DraftState.PUBLISHED, DraftState.REJECTED)
        flags = check_draft(
            draft.content if keeps else content,
            extraction.article,
            self.settings.curate,
            quotes=extraction.quotes,
        )
        after, event = review.source_changed(
            draft,
            content,
            flags=flags,
            now=self._clock(),
            extraction_version=extraction.version,
        )
        self._store.save_draft(after, event, expected_version=draft.version)

    def list_dropped(self, source_ids: Sequence[str] = (), limit: int = 100) -> list[DroppedEntry]:
        for source_id in source_ids:
            self.get_source(source_id)
        return self._store.list_dropped(source_ids=source_ids, limit=limit)

    # --- review -------------------------------------------------------------------

    def list_drafts(
        self,
        *,
        states: Sequence[DraftState] = (),
        source_ids: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Draft]:
        for source_id in source_ids:
            self.get_source(source_id)
        drafts = self._store.list_drafts(
            states=states, source_ids=source_ids, since=since, limit=limit
        )
        return [self._with_checks(self._with_credits(draft)) for draft in drafts]

    def get_draft(self, draft_id: int) -> Draft:
        return self._with_checks(self._with_credits(self._store.get_draft(draft_id)))

    def _with_checks(self, draft: Draft) -> Draft:
        """Why the draft has each of its flags (computed when read: not stored)."""
        if not draft.flags:
            return draft
        article, quotes = self._article_of(draft)
        found = draft_checks(draft.content, article or "", self.settings.curate, quotes=quotes)
        checks = [c for c in found if c.flag in draft.flags]
        checks += [
            DraftCheck(flag=flag, reason=_FLAG_REASONS.get(flag, _STALE_FLAG))
            for flag in draft.flags
            if not any(c.flag is flag for c in checks)
        ]
        order = list(DraftFlag)
        return replace(draft, checks=tuple(sorted(checks, key=lambda c: order.index(c.flag))))

    def _with_credits(self, draft: Draft) -> Draft:
        """ "Also reported by" comes from the stories merged into this one."""
        credits = self._store.list_also_reported(draft.id)
        if not credits:
            return draft
        known = {(c.outlet, c.url) for c in draft.content.also_reported_by}
        extra = tuple(c for c in credits if (c.outlet, c.url) not in known)
        content = replace(draft.content, also_reported_by=draft.content.also_reported_by + extra)
        return replace(draft, content=content)

    def draft_markdown(self, draft_id: int) -> str:
        return render_markdown(self.get_draft(draft_id))

    def draft_history(self, draft_id: int) -> list[DraftEvent]:
        return self._store.draft_history(draft_id)

    def approve(
        self,
        draft_id: int,
        *,
        by: str,
        note: str | None = None,
        force: bool = False,
        version: int | None = None,
    ) -> Draft:
        """Approve a draft. ``version`` (default: the current one) guards against
        approving something another reviewer changed meanwhile."""
        draft = self._store.get_draft(draft_id)
        expected = draft.version if version is None else version
        return self._save(
            draft,
            review.approve(
                draft, by=by, now=self._clock(), expected_version=expected, note=note, force=force
            ),
        )

    def reject(
        self, draft_id: int, *, by: str, note: str | None = None, version: int | None = None
    ) -> Draft:
        """Reject a draft; its story stays gone when the feed shows it again."""
        draft = self._store.get_draft(draft_id)
        expected = draft.version if version is None else version
        saved = self._save(
            draft,
            review.reject(draft, by=by, now=self._clock(), expected_version=expected, note=note),
        )
        entry = self._store.get_entry(draft.entry_id)
        self._store.add_tombstone(
            reason=f"draft {draft_id} rejected by {by}",
            now=self._clock(),
            source_id=draft.source_id,
            key=entry.key,
            url=normalise_url(draft.content.source_url) if draft.content.source_url else None,
        )
        return saved

    def reopen(self, draft_id: int, *, by: str, note: str | None = None) -> Draft:
        draft = self._store.get_draft(draft_id)
        return self._save(
            draft,
            review.reopen(
                draft, by=by, now=self._clock(), expected_version=draft.version, note=note
            ),
        )

    def edit_draft(
        self, draft_id: int, markdown: str, *, by: str, note: str | None = None
    ) -> Draft:
        """Replace a draft's content with an edited Markdown version.

        The version in the front matter is the one the edit was based on: an edit of
        a draft that changed meanwhile is refused (StaleVersionError). Flags (verbatim
        check, budget) are computed again on the new content."""
        expected, content = parse_markdown(markdown)
        draft = self._store.get_draft(draft_id)
        # Credits of merged stories are derived (shown, not stored): leave them out.
        derived = set(self._store.list_also_reported(draft_id))
        content = replace(
            content,
            also_reported_by=tuple(c for c in content.also_reported_by if c not in derived),
        )
        flags = self._flags_for(draft, content)
        return self._save(
            draft,
            review.edit(
                draft,
                content,
                flags=flags,
                by=by,
                now=self._clock(),
                expected_version=expected,
                note=note,
            ),
        )

    def accept_proposed(self, draft_id: int, *, by: str) -> Draft:
        """Take the machine's new version of a draft whose source changed."""
        draft = self._store.get_draft(draft_id)
        flags = self._flags_for(draft, draft.proposed) if draft.proposed else None
        return self._save(
            draft,
            review.accept_proposed(
                draft, by=by, now=self._clock(), expected_version=draft.version, flags=flags
            ),
        )

    def _article_of(self, draft: Draft) -> tuple[Article | None, Sequence[Quote]]:
        if draft.article_id is None:
            return None, ()
        return self._store.get_article(draft.article_id)

    def _flags_for(self, draft: Draft, content: DraftContent) -> tuple[DraftFlag, ...]:
        article, quotes = self._article_of(draft)
        return check_draft(content, article or "", self.settings.curate, quotes=quotes)

    def _save(self, before: Draft, change: tuple[Draft, DraftEvent]) -> Draft:
        after, event = change
        self._store.save_draft(after, event, expected_version=before.version)
        return self._with_checks(self._with_credits(after))

    # --- publish --------------------------------------------------------------------

    def publish(self, targets: Sequence[str] = (), *, dry_run: bool = False) -> list[PublishResult]:
        """Publish approved drafts (and changed published ones) to the targets; each
        post goes to each target once, again only when its content changed."""
        return asyncio.run(self._publish(targets, dry_run=dry_run))

    def unpublish(self, draft_id: int, targets: Sequence[str] = ()) -> list[PublishResult]:
        """Take a published post down everywhere it went (or from the given targets)."""
        return asyncio.run(self._publish(targets, remove=draft_id))

    def publish_status(self) -> list[LedgerRow]:
        return self._store.ledger()

    def _targets(self, names: Sequence[str]) -> list[TargetSettings]:
        known = {t.name: t for t in self.settings.publish.targets}
        for name in names:
            if name not in known:
                raise NotFoundError(f"no publish target named {name!r}", object_id=name)
        return [t for t in known.values() if not names or t.name in names]

    async def _publish(
        self, names: Sequence[str], *, dry_run: bool = False, remove: int | None = None
    ) -> list[PublishResult]:
        now = self._clock()
        targets = self._targets(names)
        if remove is not None:
            self._store.get_draft(remove)  # NotFoundError for an unknown id
        ledger = {(row.draft_id, row.target): row for row in self._store.ledger()}
        results: list[PublishResult] = []
        posts: list[Post] = []
        for draft in self._store.list_drafts(
            states=(DraftState.APPROVED, DraftState.PUBLISHED), limit=1_000_000
        ):
            draft = self._with_credits(draft)
            if draft.state is DraftState.APPROVED:
                blocking = set(self._flags_for(draft, draft.content)) & review.BLOCKING_FLAGS
                if blocking:
                    reason = "skipped: " + ", ".join(sorted(f.value for f in blocking))
                    results += [
                        PublishResult(
                            target=t.name, draft_id=draft.id, outcome="skipped", error=reason
                        )
                        for t in targets
                    ]
                    continue
            firsts = [r.published_at for (d, _), r in ledger.items() if d == draft.id]
            posts.append(
                render_post(
                    draft,
                    published_at=min(firsts, default=now),
                    updated_at=draft.updated_at,
                    settings=self.settings.publish,
                )
            )
        for target in targets:
            results += await self._to_target(target, posts, ledger, now, dry_run, remove)
        if not dry_run and remove is None:
            self._mark_published(posts)
        return results

    async def _to_target(
        self,
        target: TargetSettings,
        posts: list[Post],
        ledger: dict[tuple[int, str], LedgerRow],
        now: datetime,
        dry_run: bool,
        remove: int | None,
    ) -> list[PublishResult]:
        def live(post: Post) -> bool:
            row = ledger.get((post.draft_id, target.name))
            return post.draft_id != remove and not (row is not None and row.removed)

        def changed(post: Post) -> bool:
            row = ledger.get((post.draft_id, target.name))
            return row is None or row.error is not None or row.content_hash != post.content_hash

        by_draft = {p.draft_id: p for p in posts}
        writes = asyncio.Lock()

        async def record(result: PublishResult) -> None:
            # Each row is written as soon as its result is known, so a run killed
            # part-way does not send again what a receiver already acknowledged.
            post = by_draft.get(result.draft_id)
            previous = ledger.get((result.draft_id, target.name))
            row = _ledger_row(result, post, previous, now, removing=remove is not None)
            if row is not None:
                async with writes:
                    await asyncio.to_thread(self._store.record_publication, row)

        wanted = [p for p in posts if live(p)]
        todo = (
            [p for p in posts if p.draft_id == remove]
            if remove is not None
            else [p for p in wanted if changed(p)]
        )
        if dry_run:
            return [
                PublishResult(target=target.name, draft_id=p.draft_id, outcome="would publish")
                for p in todo
            ]
        if target.type == "static":
            site_dir = self.settings.publish.site_dir or self.settings.data_dir / "site"
            results = await asyncio.to_thread(
                write_static_site,
                wanted,
                site_dir=site_dir,
                settings=self.settings.publish,
                now=now,
                target=target.name,
            )
            for result in results:
                await record(result)
        elif target.type == "wordpress":
            password_env = target.option("password_env") or "CURATOR_WORDPRESS_PASSWORD"
            results = []
            for item in todo:
                row = ledger.get((item.draft_id, target.name))
                result = await publish_to_wordpress(
                    item,
                    target=target,
                    username=target.option("user") or "",
                    app_password=os.environ.get(password_env, ""),
                    now=now,
                    action="unpublish" if remove is not None else "publish",
                    existing_id=row.remote_id if row else None,
                )
                await record(result)
                results.append(result)
        else:
            results = await deliver_webhooks(
                todo,
                target=target,
                env=os.environ,
                action="unpublish" if remove is not None else "publish",
                on_result=record,
            )
        return results

    def _mark_published(self, posts: list[Post]) -> None:
        """An approved draft is published once every configured target (not only this
        run's) has its current content, as the ledger says."""
        everywhere = {t.name for t in self.settings.publish.targets}
        current = {p.draft_id: p.content_hash for p in posts}
        reached: dict[int, set[str]] = {}
        for row in self._store.ledger():
            if (
                row.error is None
                and not row.removed
                and current.get(row.draft_id) == row.content_hash
            ):
                reached.setdefault(row.draft_id, set()).add(row.target)
        for draft_id, targets in reached.items():
            if not targets >= everywhere:
                continue
            draft = self._store.get_draft(draft_id)
            if draft.state is DraftState.APPROVED:
                self._save(
                    draft,
                    review.mark_published(
                        draft,
                        by=review.MACHINE,
                        now=self._clock(),
                        expected_version=draft.version,
                    ),
                )

    # --- status and entries --------------------------------------------------

    def status(self) -> list[SourceStatus]:
        """Per source: counts, last success/error, failures, next due, gone."""
        self._store.sync_sources(self.settings.sources, now=self._clock())
        counts = self._store.entry_counts_by_source()
        configured = {source.id: source for source in self.settings.sources}
        rows: list[SourceStatus] = []
        for state in self._store.list_source_states():
            source = configured.get(state.source_id)
            if source is None:
                continue
            rows.append(
                SourceStatus(
                    source_id=state.source_id,
                    name=source.name,
                    enabled=source.enabled,
                    url=state.url,
                    entries=counts.get(state.source_id, 0),
                    last_success_at=state.last_success_at,
                    last_error=state.last_error,
                    last_error_at=state.last_error_at,
                    consecutive_failures=state.consecutive_failures,
                    next_due_at=state.next_due_at,
                    gone=state.gone,
                )
            )
        order = {source.id: i for i, source in enumerate(self.settings.sources)}
        rows.sort(key=lambda row: order[row.source_id])
        return rows

    def list_entries(self, *, source_id: str | None = None, limit: int = 100) -> list[Entry]:
        return self._store.list_entries(source_id=source_id, limit=limit)

    def count_entries(self, source_id: str | None = None) -> int:
        return self._store.count_entries(source_id)


def _ledger_row(
    result: PublishResult,
    post: Post | None,
    previous: LedgerRow | None,
    now: datetime,
    *,
    removing: bool,
) -> LedgerRow | None:
    """The ledger row a result leaves, or None when the ledger already says it."""
    if post is None or result.outcome == "skipped":
        return None
    if result.outcome == "unchanged" and (
        previous is not None
        and previous.error is None
        and previous.content_hash == post.content_hash
    ):
        return None
    first = previous.published_at if previous else now
    if result.error is not None and result.outcome != "deleted":
        if removing:
            return None  # a failed takedown keeps the row: `unpublish` is tried again
        # Keep what is known to be out there (remote id, content) and say what failed;
        # an error row is retried by the next run.
        return LedgerRow(
            draft_id=post.draft_id,
            target=result.target,
            remote_id=previous.remote_id if previous else None,
            remote_url=previous.remote_url if previous else None,
            content_hash=previous.content_hash if previous else post.content_hash,
            outcome="error",
            error=result.error,
            published_at=first,
            updated_at=now,
            removed=previous.removed if previous else False,
        )
    return LedgerRow(
        draft_id=post.draft_id,
        target=result.target,
        remote_id=result.remote_id,
        remote_url=result.remote_url,
        content_hash=post.content_hash,
        outcome=result.outcome,
        error=result.error,
        published_at=first,
        updated_at=now,
        removed=result.outcome == "deleted",
    )


async def _extract(
    fetcher: Fetcher, body: bytes, url: str, content_type: str | None, charset: str | None
) -> Extraction:
    """extract_page in the worker pool; a crashed worker fails this page only."""
    try:
        return await fetcher.run_cpu(
            extract_page, body, url=url, content_type=content_type, charset=charset
        )
    except BrokenProcessPool:
        logger.warning("the extraction worker died on %s", url)
        return Extraction(article=None, error="the extraction worker process died")


def _is_web_url(item: str) -> bool:
    return item.lower().startswith(("http://", "https://"))


def _is_text_name(name: str) -> bool:
    return name.lower().removesuffix(".gz").endswith(".txt")


def _read_local_input(name: str, max_bytes: int) -> tuple[bytes, str]:
    """The input's bytes (gunzipped) and its file: URI."""
    path = Path(name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ExtractError(f"file is {size:,} bytes, over the {max_bytes:,}-byte cap")
        data = path.read_bytes()
    except OSError as e:
        raise ExtractError(f"cannot read {name}: {e.strerror or e}") from e
    return read_input(data, name, max_bytes), path.resolve().as_uri()


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


def make_curator(
    settings: Settings | None = None,
    *,
    sources_path: str | None = None,
    database_url: str | None = None,
    data_dir: str | None = None,
    clock: Clock = utc_now,
    parse_workers: int | None = None,
) -> Curator:
    """Build a Curator from settings (or from sources.yaml and CURATOR_* env vars)."""
    if settings is None:
        settings = load_settings(sources_path, database_url=database_url, data_dir=data_dir)
    store = Store(settings.database_url)
    return Curator(settings, store, clock=clock, parse_workers=parse_workers)
