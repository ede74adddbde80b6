"""What each page asks of the facade, in one place.

The read models (``Curator.draft_queue``, ``draft_page``, ``source_health``, ``voices``,
``speaker_quotes``; #12) are the pages' sources. Until a facade method exists, a
stand-in built from the older ones (``list_drafts``, ``get_draft``, ``status``, …) with
the same attribute names keeps the pages working; it goes once they all land.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from curator import Curator
from curator import Draft
from curator import DraftState

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilters:
    """The queue page's query parameters, parsed."""

    states: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    speaker: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    after: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _QueueItem:
    draft: Draft
    source_name: str
    quote_count: int
    speakers: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _QueuePage:
    items: tuple[_QueueItem, ...]
    counts: Mapping[str, int]
    next_after: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _DraftPage:
    draft: Draft
    source: Any
    entry_url: str | None
    article_text: str | None
    quotes: tuple[Any, ...] = ()
    quote_checks: Mapping[int, tuple[Any, ...]] = field(default_factory=dict)
    history: tuple[Any, ...] = ()
    ledger: tuple[Any, ...] = ()
    budget_used: int | None = None
    budget_allowed: int | None = None
    also_reported: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class _SourceHealth:
    status: Any
    failed_pages: tuple[Any, ...] = ()
    dropped: tuple[Any, ...] = ()


def _readmodels() -> Any | None:
    try:
        return importlib.import_module("curator.readmodels")
    except ImportError:
        return None


class Desk:
    """The facade as the pages use it."""

    def __init__(self, curator: Curator) -> None:
        self.curator = curator

    def has(self, method: str) -> bool:
        return callable(getattr(self.curator, method, None))

    # -- queue ------------------------------------------------------------------

    def queue(self, filters: QueueFilters, *, limit: int = QUEUE_PAGE_SIZE) -> Any:
        readmodels = _readmodels()
        if self.has("draft_queue") and readmodels is not None:
            query = readmodels.DraftQuery(
                states=tuple(DraftState(s) for s in filters.states),
                source_ids=filters.source_ids,
                flags=filters.flags,
                tags=filters.tags,
                speaker=filters.speaker,
                since=filters.since,
                until=filters.until,
                search=filters.search,
            )
            return getattr(self.curator, "draft_queue")(  # noqa: B009 (until it lands)
                query, starting_after=filters.after, limit=limit
            )
        return self._queue_standin(filters, limit)

    def _queue_standin(self, filters: QueueFilters, limit: int) -> _QueuePage:
        every = self.curator.list_drafts(
            source_ids=filters.source_ids, since=filters.since, limit=10_000
        )
        counts: dict[str, int] = {}
        for draft in every:
            counts[draft.state] = counts.get(draft.state, 0) + 1
        names = {s.id: s.name for s in self.curator.sources}
        needle = (filters.search or "").casefold()
        items = []
        for draft in every:
            if filters.states and draft.state not in filters.states:
                continue
            if filters.after is not None and draft.id >= filters.after:
                continue
            if filters.flags and not set(filters.flags) & {str(f) for f in draft.flags}:
                continue
            if filters.tags and not set(filters.tags) & set(draft.content.tags):
                continue
            speakers = tuple(q.speaker for q in draft.content.quotes if q.speaker)
            if filters.speaker and filters.speaker not in speakers:
                continue
            text = " ".join(
                [draft.content.headline, draft.content.summary]
                + [q.text for q in draft.content.quotes]
            )
            if needle and needle not in text.casefold():
                continue
            items.append(
                _QueueItem(
                    draft=draft,
                    source_name=names.get(draft.source_id, draft.source_id),
                    quote_count=len(draft.content.quotes),
                    speakers=speakers,
                )
            )
        items.sort(key=lambda item: -item.draft.id)
        page = tuple(items[:limit])
        more = len(items) > limit
        return _QueuePage(items=page, counts=counts, next_after=page[-1].draft.id if more else None)

    # -- one draft ----------------------------------------------------------------

    def draft_page(self, draft_id: int) -> Any:
        if self.has("draft_page"):
            return getattr(self.curator, "draft_page")(draft_id)  # noqa: B009
        draft = self.curator.get_draft(draft_id)
        return _DraftPage(
            draft=draft,
            source=None,
            entry_url=draft.content.source_url or None,
            article_text=None,
            history=tuple(self.curator.draft_history(draft_id)),
            ledger=tuple(r for r in self.curator.publish_status() if r.draft_id == draft_id),
            also_reported=draft.content.also_reported_by,
        )

    # -- sources, voices --------------------------------------------------------------

    def source_health(self) -> list[Any]:
        if self.has("source_health"):
            return list(getattr(self.curator, "source_health")())  # noqa: B009
        dropped = self.curator.list_dropped(limit=500)
        return [
            _SourceHealth(
                status=status, dropped=tuple(d for d in dropped if d.source_id == status.source_id)
            )
            for status in self.curator.status()
        ]

    def voices(
        self, *, since: datetime | None, until: datetime | None, source_id: str | None
    ) -> Any | None:
        if not self.has("voices"):
            return None
        return getattr(self.curator, "voices")(  # noqa: B009
            since=since, until=until, source_id=source_id
        )

    def speaker_quotes(self, speaker: str) -> list[Any]:
        if self.has("speaker_quotes"):
            return list(getattr(self.curator, "speaker_quotes")(speaker))  # noqa: B009
        return []

    # -- shapes for the JSON endpoints ------------------------------------------------------

    def shapes(self) -> Any | None:
        try:
            return importlib.import_module("curator.shapes")
        except ImportError:
            return None
