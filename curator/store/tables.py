"""The schema, as SQLAlchemy Core tables. Migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy import true

from curator.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: The drafts' full-text search (migration 0010) lives outside this metadata: an FTS5
#: table (and its shadow tables) on SQLite, a GIN expression index on PostgreSQL.
SEARCH_OBJECTS = "drafts_search"


def is_search_object(name: str | None) -> bool:
    """Whether a table or index is the drafts' full-text search (autogenerate and the
    schema comparison leave it be)."""
    return name is not None and (name.startswith(SEARCH_OBJECTS) or name == f"ix_{SEARCH_OBJECTS}")


# One row per source ever configured: its configuration (from sources.yaml) and its
# fetch state. Sources removed from sources.yaml stay (removed=True, enabled=False):
# their entries are data.
sources = Table(
    "sources",
    metadata,
    Column("id", String(200), primary_key=True),
    # configuration
    Column("name", Text, nullable=False),
    Column("outlet", Text, nullable=False),
    Column("configured_url", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False),
    Column("interval_seconds", Integer, nullable=False),
    Column("fetch_articles", Boolean, nullable=False),
    Column("robots", Boolean, nullable=False, server_default=true()),
    Column("tags", JSON, nullable=False),
    # state
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False),
    Column("next_due_at", UTCDateTime),
    Column("gone", Boolean, nullable=False),
    Column("redirect_url", Text),
    Column("redirect_count", Integer, nullable=False),
    # bookkeeping
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The due sources are chosen in SQL, longest overdue first (migration 0011).
    Index(None, "next_due_at"),
)

fetch_attempts = Table(
    "fetch_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(200), ForeignKey("sources.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("http_status", Integer),
    Column("error", Text),
    Column("new", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Index(None, "source_id", "started_at"),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(200), ForeignKey("sources.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("guid", Text),
    Column("link", Text),
    Column("title", Text),
    Column("author", Text),
    Column("summary", Text),
    Column("content", Text),
    Column("published_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("content_hash", String(128), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    UniqueConstraint("source_id", "key"),
    Index(None, "source_id", "first_seen_at"),
    Index(None, "first_seen_at"),
    # An entry's article page is the one stored for its link (articles.url). A hash
    # index on PostgreSQL: a btree cannot hold a link longer than about 2,700 bytes.
    Index(None, "link", postgresql_using="hash"),
)

# One row per article page URL (#11): the raw page, gzip-compressed so extraction can
# be re-run without re-fetching, and what the extractor made of it. An entry's article
# is the row whose url is the entry's link, so entries of several feeds (or an entry
# whose key changed) that link to one page share it: fetched once, stored once. The
# unique key is url_key (sha256 of url): PostgreSQL cannot put long text in a btree.
articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # the fetch
    Column("url", Text, nullable=False),
    Column("url_key", String(64), nullable=False, unique=True),
    Column("final_url", Text),
    Column("http_status", Integer),
    Column("content_type", Text),
    Column("charset", String(64)),
    Column("raw_gzip", LargeBinary),
    Column("raw_bytes", Integer),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("fetch_error", Text),
    # tries so far, and when to try a failed page again (NULL after a failure: never)
    Column("attempts", Integer, nullable=False, server_default=text("1")),
    Column("next_try_at", UTCDateTime),
    # the extraction
    Column("title", Text),
    Column("byline", Text),
    Column("published_at", UTCDateTime),
    Column("canonical_url", Text),
    Column("site_name", Text),
    Column("lead_image", Text),
    Column("language", String(16)),
    Column("text", Text),
    Column("blocks", JSON),
    Column("extracted_at", UTCDateTime),
    Column("extraction_version", String(64)),
    Column("extract_error", Text),
    Index(None, "url", postgresql_using="hash"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("speaker", Text),
    Column("speaker_kind", String(20), nullable=False),
    Column("cue", Text),
    Column("kind", String(20), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("outlet", Text),
    UniqueConstraint("article_id", "position"),
    Index(None, "speaker"),  # a speaker's quotes (voices)
)

# --- drafts and review (#5) ----------------------------------------------------------

# One draft per story, made from its primary entry. content/proposed hold a
# DraftContent as JSON (curator.store._drafts: content_to_json / content_from_json);
# flags a list of DraftFlag values. story_url (normalised canonical URL) and signature
# (opaque, for near-duplicate detection) are what dedup compares new entries with.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", JSON, nullable=False),
    Column("proposed", JSON),
    Column("machine", JSON),
    Column("flags", JSON, nullable=False),
    Column("source_id", String(200), ForeignKey("sources.id"), nullable=False),
    Column("entry_id", Integer, ForeignKey("entries.id"), nullable=False, unique=True),
    Column("article_id", Integer, ForeignKey("articles.id")),
    Column("extraction_version", String(64), nullable=False),
    Column("edited", Boolean, nullable=False),
    Column("story_url", Text, nullable=False),
    Column("signature", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # What the targets show while a correction of a published draft is reviewed (#12).
    Column("published_content", JSON),
    # A forced approval: {"flags": [...], "note", "by", "at"} (#12).
    Column("override", JSON),
    # One draft per story: two processes cannot both draft the same URL (#11). A
    # story without a URL ("") is told apart by near-duplicate detection only.
    Index(
        "uq_drafts_story_url",
        "story_url",
        unique=True,
        sqlite_where=text("story_url <> ''"),
        postgresql_where=text("story_url <> ''"),
    ),
    Index(None, "created_at"),
    Index(None, "state", "created_at"),
    Index(None, "article_id"),  # quotes → their draft (voices, the speaker filter)
)

# The other entries that reported a draft's story ("also reported by"). The draft's
# primary entry (drafts.entry_id) is not repeated here. An entry belongs to one draft.
draft_sources = Table(
    "draft_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", Integer, ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False),
    Column("source_id", String(200), ForeignKey("sources.id"), nullable=False),
    Column("entry_id", Integer, ForeignKey("entries.id"), nullable=False, unique=True),
    Column("outlet", Text, nullable=False),
    Column("url", Text, nullable=False),
    Index(None, "draft_id"),
)

# A draft's history, one row per change (DraftEvent).
draft_events = Table(
    "draft_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", Integer, ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("note", Text),
    Index(None, "draft_id", "id"),
)

# Stories that must stay gone when a feed shows them again (deleted or rejected):
# by entry (source_id + entry_key) and/or by normalised URL (any source).
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(200), ForeignKey("sources.id")),
    Column("entry_key", Text),
    Column("url", Text),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "source_id", "entry_key"),
    Index(None, "url"),
)

# Entries the curate stage decided not to make drafts of (filters, too short, ...).
dropped_entries = Table(
    "dropped_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entries.id"), nullable=False, unique=True),
    Column("source_id", String(200), ForeignKey("sources.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "source_id", "at"),
)

# One row per (draft, target): where a post went, with what content, and how it ended.
publish_ledger = Table(
    "publish_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False),
    Column("target", String(200), nullable=False),
    Column("remote_id", Text),
    Column("remote_url", Text),
    Column("content_hash", String(128), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("error", Text),
    Column("removed", Boolean, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("override", Text),  # the forced approval it was published under (#12)
    UniqueConstraint("draft_id", "target"),
)

# One row per running daemon (node): who it is and its last heartbeat, for `curator
# status`. A node deletes its row when it stops; one killed leaves a row whose heartbeat
# grows old, which status leaves out and the next daemon start deletes.
nodes = Table(
    "nodes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("work", Text, nullable=False),
)

# Users of the web desk (#12): the name is the `by` of their review actions; the
# password is kept as an argon2 hash (never the password).
users = Table(
    "users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
)
