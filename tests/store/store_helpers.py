"""Builders of model values for the store tests."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import Source

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_source(id: str = "src", **kwargs: object) -> Source:
    values: dict[str, object] = {
        "url": f"https://example.com/{id}.xml",
        "name": f"Source {id}",
        "outlet": "Example",
    }
    values.update(kwargs)
    return Source(id=id, **values)  # type: ignore[arg-type]


def make_entry(key: str, content_hash: str | None = "h1", **kwargs: object) -> FeedEntry:
    values: dict[str, object] = {
        "guid": key,
        "link": f"https://example.com/{key}",
        "title": f"Title {key}",
        "published_at": T0 - timedelta(hours=1),
    }
    values.update(kwargs)
    return FeedEntry(key=key, content_hash=content_hash, **values)  # type: ignore[arg-type]


def make_attempt(
    source_id: str = "src", started_at: datetime = T0, **kwargs: object
) -> FetchAttempt:
    values: dict[str, object] = {
        "duration": timedelta(milliseconds=250),
        "outcome": FetchOutcome.OK,
        "http_status": 200,
    }
    values.update(kwargs)
    return FetchAttempt(source_id=source_id, started_at=started_at, **values)  # type: ignore[arg-type]
