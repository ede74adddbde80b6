"""The feedparser fallback: the lenient parser for what the fast path declines."""

from __future__ import annotations

import io
import re
import warnings
from datetime import timedelta
from typing import Any

import feedparser

from curator.errors import FeedParseError
from curator.fetch._feedcommon import _clean
from curator.fetch._feedcommon import _media_type
from curator.fetch._feedcommon import _Raw
from curator.fetch._feedcommon import _struct_to_datetime
from curator.fetch._feedcommon import _ttl

# --------------------------------------------------------------------------
# feedparser (lenient fallback)
# --------------------------------------------------------------------------


def _parse_feedparser(
    content: bytes, *, url: str, content_type: str | None
) -> tuple[str | None, str | None, list[_Raw], str | None, timedelta | None]:
    # Without a Content-Type feedparser flags the document as bozo once any header is
    # given; application/xml lets the XML declaration and BOM decide, as lxml does.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result: Any = feedparser.parse(
            io.BytesIO(content), response_headers=headers, sanitize_html=False
        )
    feed: dict[str, Any] = result.get("feed") or {}
    title = _clean(dict.get(feed, "title"))
    link = _clean(dict.get(feed, "link"))
    raws = [_raw_from_feedparser(e) for e in result.get("entries") or []]
    bozo = bool(result.get("bozo"))
    exc = result.get("bozo_exception")
    if not raws and title is None:
        if _looks_like_html(content, content_type):
            raise FeedParseError("not a feed: looks like HTML", url=url)
        if bozo:
            raise FeedParseError(_describe(exc), url=url)
        if not result.get("version"):
            raise FeedParseError("not a feed: no RSS, Atom or RDF document element", url=url)
    warning = _describe(exc, recovered=True) if bozo else None
    return title, link, raws, warning, _ttl(dict.get(feed, "ttl"))


def _raw_from_feedparser(entry: dict[str, Any]) -> _Raw:
    contents = dict.get(entry, "content") or []
    content = contents[0].get("value") if contents else None
    return _Raw(
        guid=_clean(dict.get(entry, "id")),
        link=_clean(dict.get(entry, "link")),
        title=_clean(dict.get(entry, "title")),
        author=_clean(dict.get(entry, "author")),
        summary=_clean(dict.get(entry, "summary")),
        content=_clean(content),
        published_at=_struct_to_datetime(dict.get(entry, "published_parsed")),
        updated_at=_struct_to_datetime(dict.get(entry, "updated_parsed")),
    )


_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


def _looks_like_html(content: bytes, content_type: str | None) -> bool:
    media, _ = _media_type(content_type)
    return media == "text/html" or bool(_HTML_START.match(content[:2048].lstrip(b"\xef\xbb\xbf")))


def _describe(exc: Any, *, recovered: bool = False) -> str:
    """One line about a feedparser bozo exception."""
    if exc is None:
        return "could not parse feed"
    get_message = getattr(exc, "getMessage", None)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_message) and callable(get_line):
        text = f"malformed XML: {get_message()} at line {get_line()}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())[:200]
    return f"recovered from {text}" if recovered else text
