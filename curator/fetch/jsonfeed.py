"""JSON Feed 1.x parser (see curator.fetch.parse)."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from curator.errors import FeedParseError
from curator.fetch._feedcommon import _clean
from curator.fetch._feedcommon import _media_type
from curator.fetch._feedcommon import _Raw

# --------------------------------------------------------------------------
# JSON Feed
# --------------------------------------------------------------------------

_JSON_TYPES = {"application/feed+json", "application/json"}


def _is_json_feed(content: bytes, content_type: str | None) -> bool:
    media, _ = _media_type(content_type)
    if media in _JSON_TYPES:
        return True
    start = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{") and b"jsonfeed.org" in content[:4096]


def _parse_json_feed(content: bytes, *, url: str) -> tuple[str | None, str | None, list[_Raw]]:
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FeedParseError(f"malformed JSON: {e}", url=url) from e
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/1" not in version:
        raise FeedParseError("not a feed: JSON document without a JSON Feed version", url=url)
    home = _clean(doc.get("home_page_url"))
    feed_url = _clean(doc.get("feed_url")) or url
    items = doc.get("items")
    raws: list[_Raw] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        guid = item.get("id")
        link = _clean(item.get("url")) or _clean(item.get("external_url"))
        raws.append(
            _Raw(
                guid=_clean(str(guid)) if isinstance(guid, str | int | float) else None,
                link=urljoin(feed_url, link) if link else None,
                title=_clean(item.get("title")),
                author=_json_author(item) or _json_author(doc),
                summary=_clean(item.get("summary")),
                content=_clean(item.get("content_html")) or _clean(item.get("content_text")),
                published_at=_iso_datetime(item.get("date_published")),
                updated_at=_iso_datetime(item.get("date_modified")),
            )
        )
    return _clean(doc.get("title")), home, raws


def _json_author(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors")
    if not isinstance(authors, list) or not authors:
        authors = [obj.get("author")]
    names = [_clean(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
