"""Domain values: frozen dataclasses and StrEnums. No I/O, no curator imports.

Datetimes are timezone-aware UTC everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from enum import StrEnum

FILTER_FIELDS = ("title", "url", "author", "tags", "content")


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterRules:
    """Which entries of a source become drafts. Patterns are regular expressions
    (searched, case-insensitive) on one of FILTER_FIELDS."""

    keep: tuple[tuple[str, str], ...] = ()  # (field, pattern): at least one must match
    block: tuple[tuple[str, str], ...] = ()  # (field, pattern): none may match
    min_words: int = 0  # of the article body
    max_age: timedelta | None = None  # since the entry was published


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A configured source, as written in sources.yaml (after defaults are applied)."""

    id: str
    url: str
    name: str
    outlet: str
    enabled: bool = True
    interval: timedelta = timedelta(minutes=30)
    # Poll at 24 h / (entries a day last week), 5 min–24 h, instead of `interval`.
    adaptive_interval: bool = False
    fetch_articles: bool = True
    robots: bool = True  # honour robots.txt when fetching its article pages
    allow_private_networks: bool = False  # its feed's redirects may reach private addresses
    tags: tuple[str, ...] = ()
    filters: FilterRules = field(default_factory=FilterRules)
    line: int | None = None  # where it is defined in sources.yaml, for messages


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What curator remembers about fetching one source between runs."""

    source_id: str
    url: str  # the URL to fetch now (updated by repeated permanent redirects)
    etag: str | None = None
    last_modified: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_due_at: datetime | None = None
    gone: bool = False
    # A permanent redirect must be seen several times before the URL is replaced.
    redirect_url: str | None = None
    redirect_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One entry of a parsed feed document (not yet stored)."""

    key: str  # identity within the source: guid, else link, else hash of link+date+title
    guid: str | None = None
    link: str | None = None
    title: str | None = None
    author: str | None = None
    summary: str | None = None  # sanitised HTML (nh3), whatever the feed's format
    content: str | None = None  # sanitised HTML (nh3), whatever the feed's format
    published_at: datetime | None = None
    updated_at: datetime | None = None
    content_hash: str = ""  # detects updates of an entry already stored


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFeed:
    """A feed document turned into entries."""

    title: str | None = None
    link: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    parser: str = ""  # which parser produced it ("lxml" fast path or "feedparser")
    warning: str | None = None  # set when a lenient parse recovered from bad input
    ttl: timedelta | None = None  # RSS <ttl>: how long the feed may be cached


class FetchOutcome(StrEnum):
    """How fetching one source ended."""

    OK = "ok"  # 200, parsed
    NOT_MODIFIED = "not_modified"  # 304: no parse needed
    ERROR = "error"
    GONE = "gone"  # 410: polling stops, data kept
    PAUSED = "paused"  # not fetched: failing, and the server asked to wait (or backoff)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedRequest:
    """What the fetcher needs to fetch one source's feed."""

    source_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    # The URL in sources.yaml, when ``url`` is another one (moved by redirects): only
    # its origin is trusted; redirects elsewhere pass the SSRF guard (#10).
    configured_url: str | None = None
    allow_private_networks: bool = False  # the source lets its redirects reach them


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedFetch:
    """The result of fetching (and parsing) one source's feed. A value: no I/O."""

    source_id: str
    url: str  # the URL requested
    outcome: FetchOutcome
    final_url: str | None = None  # after redirects
    permanent_redirect_url: str | None = None  # set when every hop was 301/308
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    feed: ParsedFeed | None = None
    error: str | None = None
    retry_after: timedelta | None = None  # from 429/503
    # How long the response stays fresh (Cache-Control max-age, else Expires): the
    # source is not due again before that (capped by the policy).
    cache_lifetime: timedelta | None = None
    started_at: datetime | None = None
    duration: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryCounts:
    """How the entries of one fetch compared with what was stored."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A stored entry."""

    id: int
    source_id: str
    key: str
    guid: str | None
    link: str | None
    title: str | None
    author: str | None
    summary: str | None
    content: str | None
    published_at: datetime | None
    updated_at: datetime | None
    content_hash: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchAttempt:
    """One stored fetch attempt of a source."""

    source_id: str
    started_at: datetime
    duration: timedelta
    outcome: FetchOutcome
    http_status: int | None = None
    error: str | None = None
    new: int = 0
    updated: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """One row of the table `curator fetch` prints: what one source's fetch did."""

    source_id: str
    outcome: FetchOutcome
    counts: EntryCounts = field(default_factory=EntryCounts)
    http_status: int | None = None
    error: str | None = None
    duration: timedelta = timedelta(0)
    articles: int = 0  # article pages fetched and extracted
    article_errors: int = 0  # article pages that failed (fetch or extraction)
    quotes: int = 0  # quotes found in those articles
    paused_until: datetime | None = None  # PAUSED: when the source may be fetched again


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleReport:
    """What fetching and extracting one entry's article page did."""

    entry_id: int
    source_id: str
    url: str
    error: str | None = None
    quotes: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStatus:
    """One row of `curator status`."""

    source_id: str
    name: str
    enabled: bool
    url: str
    entries: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_due_at: datetime | None
    gone: bool
    failed_pages: int = 0  # article pages that failed permanently (`curator articles retry`)


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A running daemon, as its heartbeat row says (`curator status`)."""

    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    work: str  # what it has in hand: "idle", "fetching 12 pages", …


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceChanges:
    """What applying sources.yaml to the database changed (`curator sources sync`)."""

    added: tuple[str, ...] = ()  # source ids, in the file's order
    changed: tuple[str, ...] = ()  # configuration differs (a new URL also resets the state)
    removed: tuple[str, ...] = ()  # no longer in the file: kept, marked removed and disabled

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


# --- articles and quotes (#4) --------------------------------------------------------


class BlockKind(StrEnum):
    """What a block of an article body is."""

    PARAGRAPH = "paragraph"
    BLOCKQUOTE = "blockquote"  # a block-quoted paragraph (<blockquote>, indented .txt)
    HEADING = "heading"
    LIST_ITEM = "list_item"
    TWEET = "tweet"  # an embedded tweet's text


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """One block of an article body: ``Article.text[start:end]``."""

    kind: BlockKind
    start: int
    end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """The extracted content of one article page (or a plain-text body).

    ``text`` is the body: blocks joined by a blank line ("\\n\\n"); ``blocks``
    says where each block is and what it is. Quote offsets index ``text``.
    """

    text: str
    blocks: tuple[Block, ...] = ()
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    url: str | None = None  # where it was fetched from (after redirects)
    canonical_url: str | None = None
    site_name: str | None = None
    lead_image: str | None = None
    language: str | None = None


class QuoteKind(StrEnum):
    DIRECT = "direct"  # a whole sentence or more in quotation marks
    PARTIAL = "partial"  # a quoted fragment inside reported speech
    BLOCKQUOTE = "blockquote"  # a block-quoted paragraph
    INDIRECT = "indirect"  # reported speech without quotation marks


class SpeakerKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    ROLE = "role"  # "a spokesperson for the State Department"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """A quote found in an article body: ``body[start:end] == text``."""

    text: str  # without the quotation marks
    speaker: str | None  # the noun phrase as written, pronouns resolved
    speaker_kind: SpeakerKind
    cue: str | None  # "said", "told", "according to", ...
    kind: QuoteKind
    start: int
    end: int
    confidence: float  # 0–1
    outlet: str | None = None  # "told BuzzFeed News" → "BuzzFeed News"


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """What the fetcher needs to fetch one article page."""

    url: str
    entry_id: int | None = None
    source_id: str | None = None
    respect_robots: bool = True
    allow_file: bool = False  # file: links only for entries of file: sources


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFetch:
    """The result of fetching one article page. A value: no I/O."""

    url: str
    entry_id: int | None = None
    source_id: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None  # from the Content-Type header, if any
    body: bytes | None = None
    error: str | None = None
    retry_after: timedelta | None = None  # from 429/503, or its host paused by one
    started_at: datetime | None = None
    duration: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class RawPage:
    """A stored article page, for re-extraction without re-fetching."""

    article_id: int
    entry_id: int  # the first entry whose article it is
    source_id: str  # that entry's
    url: str
    final_url: str | None
    content_type: str | None
    charset: str | None
    body: bytes
    entry_ids: tuple[int, ...] = ()  # every entry whose article it is (#11: one page per URL)


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    """What extraction made of one page: the article and its quotes, or an error."""

    article: Article | None
    quotes: tuple[Quote, ...] = ()
    error: str | None = None
    version: str = ""  # extractor + quote engine versions, e.g. "a1+q1"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredQuote:
    """A stored quote with where it came from (`curator quotes list`)."""

    id: int
    quote: Quote
    article_id: int
    entry_id: int
    source_id: str
    article_title: str | None
    article_url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleToFetch:
    """An entry whose article page has not been fetched yet, or is due a retry."""

    entry_id: int
    source_id: str
    url: str
    attempts: int = 0  # tries so far (failed ones, as it is to fetch)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractResult:
    """`curator extract` for one input: the extraction, or why there is none."""

    input: str  # the argument exactly as given
    extraction: Extraction | None = None
    error: str | None = None


# --- drafts and review (#5) ----------------------------------------------------------


class DraftState(StrEnum):
    NEW = "new"  # waiting for a reviewer
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"  # set by the publisher
    WITHDRAWN = "withdrawn"  # taken down (`unpublish`); can be republished


class DraftFlag(StrEnum):
    """Why a draft needs a closer look; VERBATIM, MISQUOTE and BUDGET block approval."""

    VERBATIM = "verbatim"  # a quote or the excerpt is not in the article text
    MISQUOTE = "misquote"  # words in quotation marks that were not quoted in the source
    BUDGET = "budget"  # more of the article's words copied than the budget allows
    SOURCE_CHANGED = "source_changed"  # the article changed after a human edit
    NO_QUOTES = "no_quotes"  # nothing attributed was found
    THIN = "thin"  # no excerpt, or fewer quotes than min_quotes while the article has more


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftCheck:
    """Why a draft has a flag: what is wrong, where, and the words concerned."""

    flag: DraftFlag
    reason: str  # one line for an editor
    where: str = ""  # "summary", "attribution", "excerpt", "quote 2", "" for the whole draft
    text: str | None = None  # the offending words


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftQuote:
    """A quote as it appears in a draft: its words and who said them."""

    text: str
    speaker: str | None = None
    cue: str | None = None
    outlet: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """An outlet that reported the story, with a link ("also reported by")."""

    outlet: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftContent:
    """What a reviewer reads and edits: the post in the seed's shape."""

    headline: str
    summary: str  # 1–3 sentences from the lead
    attribution: str  # "<Speaker> told <Outlet> that “…”"
    excerpt: str  # a contiguous passage quoted verbatim (rendered as a blockquote)
    quotes: tuple[DraftQuote, ...] = ()
    source_url: str = ""
    outlet: str = ""
    published_at: datetime | None = None
    tags: tuple[str, ...] = ()
    also_reported_by: tuple[Credit, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    """A forced approval: the blocking flags a reviewer approved anyway, and why."""

    flags: tuple[DraftFlag, ...]
    note: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """A stored draft: its content, review state and provenance."""

    id: int
    state: DraftState
    version: int  # bumped by every change; stale versions are refused
    content: DraftContent
    flags: tuple[DraftFlag, ...] = ()
    source_id: str
    entry_id: int
    article_id: int | None = None
    extraction_version: str = ""
    edited: bool = False  # a human changed the content: never overwritten by the machine
    proposed: DraftContent | None = None  # the new machine version after "source changed"
    machine: DraftContent | None = None  # the last content the machine made (None: = content)
    # What the targets show while a correction of a published draft is reviewed.
    published_content: DraftContent | None = None
    override: Override | None = None  # a forced approval (approved or published drafts)
    created_at: datetime
    updated_at: datetime
    checks: tuple[DraftCheck, ...] = ()  # why it has its flags (derived when read, not stored)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    """One field of a draft changed by an event: from what to what.

    ``field`` is a content field (headline, summary, attribution, excerpt, "quote 2",
    tags, …), "state" or "override". Values are text (a quote as “words” — speaker);
    None is "not set". Events stored before #12 name the field only (old = new = None).
    """

    field: str
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftEvent:
    """One line of a draft's history."""

    draft_id: int
    at: datetime
    by: str
    # created, edited, approved, rejected, published, source_changed, reopened,
    # unpublished, republished, sent_back, accepted_proposed, dismissed_proposed
    action: str
    version: int
    changes: tuple[FieldChange, ...] = ()  # every field that changed, old → new
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkResult:
    """What a bulk review action did to one draft; one failure does not stop the others."""

    draft_id: int
    ok: bool
    error: str | None = None  # why it was refused (the error's message)
    draft: Draft | None = None  # the draft after the action (ok) or as it is now (if any)
    error_kind: str | None = None  # not_found, stale, refused (see README "Exit codes")


@dataclass(frozen=True, slots=True, kw_only=True)
class DroppedEntry:
    """An entry the curate stage decided not to make a draft of, and why."""

    entry_id: int
    source_id: str
    reason: str
    at: datetime
    title: str | None = None  # of the entry
    url: str | None = None  # the entry's link


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryToDraft:
    """An entry with an extracted article and no draft yet (nor dropped, nor gone)."""

    entry_id: int
    source_id: str
    article_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone:
    """A story that must stay gone: by entry (source_id + key) and/or normalised URL."""

    reason: str
    source_id: str | None = None
    key: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DropEntry:
    """Intent: the entry makes no draft, for this reason (filters, a tombstone)."""

    entry_id: int
    source_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditEntry:
    """Intent: the entry reports a story that already has a draft ("also reported by")."""

    draft_id: int
    entry_id: int
    source_id: str
    outlet: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewDraft:
    """Intent: a new draft of the entry's story (state new, version 1)."""

    entry_id: int
    source_id: str
    article_id: int
    content: DraftContent
    flags: tuple[DraftFlag, ...]
    story_url: str
    outlet: str  # for "also reported by" when another process drafted the story first
    url: str
    extraction_version: str
    signature: object = None  # opaque JSON value for near-duplicate detection


#: What curating one entry decides (curator.curate.decide_entry); the store applies
#: it in one transaction.
CurationIntent = DropEntry | CreditEntry | NewDraft


# --- publishing (#6) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """An approved draft rendered for publishing (HTML already sanitised)."""

    draft_id: int
    slug: str  # stable: also the idempotency key targets search by
    title: str
    html: str  # the post body (summary, attribution, excerpt, quotes, credit)
    summary: str
    source_url: str
    outlet: str
    published_at: datetime  # of the post (first publication)
    updated_at: datetime
    tags: tuple[str, ...] = ()
    content_hash: str = ""  # of title + html: changed posts are published again
    story_published_at: datetime | None = None  # of the story (its article or entry)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishResult:
    """What one target did with one post."""

    target: str
    draft_id: int
    outcome: str  # created, updated, unchanged, deleted, skipped, error
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerRow:
    """Where a draft was published: one row per (draft, target)."""

    draft_id: int
    target: str
    remote_id: str | None
    remote_url: str | None
    content_hash: str
    outcome: str
    error: str | None
    published_at: datetime
    updated_at: datetime
    removed: bool = False
    override: str | None = None  # the forced approval it went out under: flags, note, who


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A person who may use the web desk (`curator users`); their name is the `by` of
    their review actions. The password hash never leaves the store and core."""

    name: str
    created_at: datetime
    password_changed_at: datetime
