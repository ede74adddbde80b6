"""Types and small helpers shared by the feed parsers (see curator.fetch.parse)."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any


class _Fallback(Exception):
    """The fast path does not handle this document; use feedparser."""


@dataclass(slots=True)
class _Raw:
    """One entry before identity is assigned."""

    guid: str | None
    link: str | None
    title: str | None
    author: str | None
    summary: str | None
    content: str | None
    published_at: datetime | None
    updated_at: datetime | None


def _ttl(value: Any) -> timedelta | None:
    """RSS <ttl> (minutes the feed may be cached); None unless a positive whole number."""
    if not isinstance(value, str) or not value.strip().isascii() or not value.strip().isdigit():
        return None
    minutes = min(int(value.strip()), 525_600)  # a year: far past the policy's cap
    return timedelta(minutes=minutes) if minutes > 0 else None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # NUL is valid in JSON and in recovered XML, but no database text column takes it.
    # Lone surrogates (from JSON \ud800 escapes) are not UTF-8 either.
    value = value.replace("\x00", "").strip()
    if not value.isascii():
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value or None


def _struct_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """(media type, charset or None) of a Content-Type header."""
    if not content_type:
        return "", None
    parts = content_type.split(";")
    charset = None
    for param in parts[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("'\"").lower() or None
    return parts[0].strip().lower(), charset
