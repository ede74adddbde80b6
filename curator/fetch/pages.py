"""Article pages: which responses are HTML pages, and their charset. Pure, no I/O.

The Fetcher (`client.py`) downloads a page through the same code path as feeds;
these helpers decide what the response is worth:

- Only ``text/html`` and ``application/xhtml+xml`` are pages. With no Content-Type
  the body is sniffed (`looks_like_html`). Anything else ends as
  "not an HTML page (Content-Type: application/pdf)", and its body is not read.
- The charset of the Content-Type header is passed through (`PageFetch.charset`);
  decoding is the extraction stage's job, which also looks at ``<meta charset>``.
"""

from __future__ import annotations

import codecs

#: Media types accepted as article pages.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: How much of a body without Content-Type is sniffed.
_SNIFF_BYTES = 1024
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def media_type(content_type: str | None) -> str | None:
    """``'Text/HTML; charset=UTF-8'`` → ``'text/html'``; None or blank → None."""
    if content_type is None:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, unquoted, as sent."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"').strip("'").strip()
            return value or None
    return None


def wants_body(content_type: str | None) -> bool:
    """Whether a 2xx response with this Content-Type is worth reading."""
    kind = media_type(content_type)
    return kind is None or kind in HTML_TYPES


def looks_like_html(body: bytes) -> bool:
    """A body without Content-Type: does its start look like HTML (WHATWG-sniffing lite)?"""
    head = body[:_SNIFF_BYTES]
    for bom, codec in _UTF16_BOMS:
        if head.startswith(bom):
            head = head[len(bom) :].decode(codec, errors="ignore").encode("ascii", errors="ignore")
            break
    head = head.removeprefix(codecs.BOM_UTF8)
    head = head.lstrip().lower()
    if head.startswith(b"<?xml"):
        return b"<html" in head  # XHTML; RSS and other XML are not pages
    return head.startswith(b"<") and any(marker in head for marker in _HTML_MARKERS)


def refusal(content_type: str | None, body: bytes | None) -> str | None:
    """Why a 2xx response is not an HTML page, or None when it is one."""
    kind = media_type(content_type)
    if kind is not None:
        if kind in HTML_TYPES:
            return "empty response body" if not (body or b"").strip() else None
        return f"not an HTML page (Content-Type: {kind})"
    if not (body or b"").strip():
        return "empty response body"
    if not looks_like_html(body or b""):
        return "not an HTML page (no Content-Type, and the body does not look like HTML)"
    return None
