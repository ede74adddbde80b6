"""The Curator facade: the only place that wires the stages to the store.

Read top to bottom, it is the whole pipeline: sources.yaml → store (sync) →
fetch (I/O) → decide (pure policy) → store (one transaction per source).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from typing import Self

from curator.config import Settings
from curator.config import load_settings
from curator.errors import NotFoundError
from curator.errors import StoreError
from curator.fetch import Fetcher
from curator.fetch import decide_source_state
from curator.fetch import is_due
from curator.model import Entry
from curator.model import EntryCounts
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import Source
from curator.model import SourceReport
from curator.model import SourceState
from curator.model import SourceStatus
from curator.store import Store

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ReportCallback = Callable[[SourceReport], None]


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
    ) -> list[SourceReport]:
        """Fetch the given sources (default: every enabled one) and store their entries."""
        return asyncio.run(self.fetch_async(source_ids, only_due=only_due, on_report=on_report))

    async def fetch_async(
        self,
        source_ids: Sequence[str] = (),
        *,
        only_due: bool = False,
        on_report: ReportCallback | None = None,
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
        requests = [_feed_request(states[source.id]) for source in to_fetch]
        by_id = {source.id: source for source in to_fetch}
        reports: list[SourceReport] = []
        async with Fetcher(self.settings.fetch, parse_workers=self._parse_workers) as fetcher:
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
        order = {source.id: i for i, source in enumerate(to_fetch)}
        reports.sort(key=lambda r: order[r.source_id])
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


def _feed_request(state: SourceState) -> FeedRequest:
    return FeedRequest(
        source_id=state.source_id,
        url=state.url,
        etag=state.etag,
        last_modified=state.last_modified,
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
