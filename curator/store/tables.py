"""The schema, as SQLAlchemy Core tables. Migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint

from curator.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

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
)
