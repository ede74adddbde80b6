"""What every use case works with: the settings, the store and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING

from curator.config import Settings
from curator.errors import NotFoundError
from curator.model import ArticleReport
from curator.model import Source
from curator.model import SourceReport
from curator.store import Store

if TYPE_CHECKING:  # httpx, feedparser: not needed by commands that only read the database
    from curator.fetch import Fetcher

Clock = Callable[[], datetime]
ReportCallback = Callable[[SourceReport], None]
ArticleCallback = Callable[[ArticleReport], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    store: Store
    clock: Clock = utc_now
    parse_workers: int | None = None


def get_source(ctx: Context, source_id: str) -> Source:
    for source in ctx.settings.sources:
        if source.id == source_id:
            return source
    raise NotFoundError(f"no source with id {source_id!r}", object_id=source_id)


def make_fetcher(ctx: Context) -> Fetcher:
    from curator.fetch import Fetcher

    return Fetcher(ctx.settings.fetch, parse_workers=ctx.parse_workers)
