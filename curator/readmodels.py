"""Read models: what a page (or a CLI listing) shows, built for it in one or two queries.

Frozen values, no I/O. The facade's read methods (`Curator.draft_queue`, `draft_page`,
`source_health`, `voices`, `speaker_quotes`) return them; `curator.shapes` turns them
into the JSON that both `--json` and the web serve. Imports only `curator.model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from curator.model import Credit
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import LedgerRow
from curator.model import Quote
from curator.model import Source
from curator.model import SourceStatus

__all__ = [
    "DraftPage",
    "DraftQuery",
    "FailedPage",
    "QueueItem",
    "QueuePage",
    "SourceHealth",
    "SpeakerQuote",
    "VoiceCount",
    "VoicesReport",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftQuery:
    """Which drafts the queue shows. Each filter keeps drafts matching any of its
    values; the filters together keep drafts matching all of them.

    ``since``/``until``: created at or after / before. ``speaker``: an article quote
    by exactly this speaker. ``search``: every word of it (as a word prefix, any case)
    in the headline, summary or quotes (their words and speakers) — searched by the
    database's full-text index.
    """

    states: tuple[DraftState, ...] = ()
    source_ids: tuple[str, ...] = ()
    flags: tuple[DraftFlag, ...] = ()
    tags: tuple[str, ...] = ()
    speaker: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    """One row of the queue. ``draft.checks`` is empty unless asked for
    (``draft_queue(with_checks=True)``: why each draft is flagged needs its article);
    ``draft.machine`` is not read (None: no row shows it; `get_draft` has it);
    ``quote_count`` and ``speakers`` are the article's extracted quotes (what the
    speaker filter and the voices report count), distinct speakers sorted."""

    draft: Draft
    source_name: str
    quote_count: int
    speakers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePage:
    """A page of the queue, newest first. ``counts``: drafts per state for the query
    without its state filter (the tabs); ``next_after``: pass it as ``starting_after``
    for the next page (None: this is the last one)."""

    items: tuple[QueueItem, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    next_after: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftPage:
    """Everything the draft page shows.

    ``quotes`` are every quote extracted from the article (offsets index
    ``article_text``); ``quote_checks`` maps an index in ``quotes`` to the checks that
    failed for the draft's quote of the same words (a draft quote matching no
    extracted quote keeps its checks in ``draft.checks`` only, as every check does).
    ``budget_used``/``budget_allowed``: article words the draft copies / may copy.
    """

    draft: Draft
    source: Source | None  # None when the source row is gone
    entry_url: str | None
    article_text: str | None
    quotes: tuple[Quote, ...] = ()
    quote_checks: Mapping[int, tuple[DraftCheck, ...]] = field(default_factory=dict)
    history: tuple[DraftEvent, ...] = ()
    ledger: tuple[LedgerRow, ...] = ()
    budget_used: int = 0
    budget_allowed: int = 0
    also_reported: tuple[Credit, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedPage:
    """An article page of a source that failed to be fetched or extracted."""

    entry_id: int
    url: str
    error: str
    http_status: int | None = None
    attempts: int = 1
    fetched_at: datetime
    next_try_at: datetime | None = None  # None: failed permanently (`articles retry`)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceHealth:
    """A source's health: its status row, its latest failed article pages and the
    latest entries its filters dropped (with why), newest first."""

    status: SourceStatus
    failed_pages: tuple[FailedPage, ...] = ()
    dropped: tuple[DroppedEntry, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceCount:
    """A speaker: how many quotes, in how many drafts, from which sources."""

    speaker: str
    quotes: int
    drafts: int
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicesReport:
    """Who gets quoted in the drafts made between ``since`` and ``until`` (of one
    source, or all): speakers by number of quotes, and how many quotes have no known
    speaker out of all of them."""

    since: datetime | None
    until: datetime | None
    source_id: str | None
    voices: tuple[VoiceCount, ...] = ()
    total_quotes: int = 0
    unknown_quotes: int = 0

    @property
    def unknown_share(self) -> float:
        return self.unknown_quotes / self.total_quotes if self.total_quotes else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeakerQuote:
    """A speaker's quote with the draft it belongs to (``at``: the draft's creation)."""

    quote: Quote
    draft_id: int
    headline: str
    source_id: str
    at: datetime
