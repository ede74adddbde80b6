"""PLACEHOLDER written by the fetch-client helper so client.py can be tested.

The parse helper owns this module and will overwrite it. Minimal feedparser wrapper.
"""

from __future__ import annotations

import hashlib
from typing import Any

import feedparser

from curator.errors import FeedParseError
from curator.model import FeedEntry
from curator.model import ParsedFeed


def parse_feed(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """PLACEHOLDER: parse a feed document with feedparser."""
    if not content.strip():
        raise FeedParseError("empty feed document", url=url)
    headers = {"content-type": content_type} if content_type else {}
    parsed: Any = feedparser.parse(content, response_headers=headers)
    if parsed.bozo and not parsed.entries and not parsed.feed.get("title"):
        raise FeedParseError(f"not a feed: {parsed.get('bozo_exception')}", url=url)
    entries = []
    for item in parsed.entries:
        guid = item.get("id")
        link = item.get("link")
        title = item.get("title")
        key = guid or link or hashlib.sha256(f"{link}{title}".encode()).hexdigest()
        entries.append(FeedEntry(key=key, guid=guid, link=link, title=title))
    return ParsedFeed(
        title=parsed.feed.get("title"),
        link=parsed.feed.get("link"),
        entries=tuple(entries),
        parser="feedparser",
    )
