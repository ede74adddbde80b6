"""Feed documents (bytes) → ParsedFeed.

Three parsers, chosen per document:

* ``json``: JSON Feed 1 / 1.1, parsed with :mod:`json` (feedparser 6 does not read it).
* ``lxml``: a fast path for well-formed RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents
  that use only elements whose feedparser mapping it reproduces exactly. It walks the
  lxml tree and applies feedparser's own value post-processing (URI resolution, date
  parsing), so it yields the same entries feedparser would. Anything it does not
  recognise raises ``_Fallback`` internally.
* ``feedparser``: the lenient fallback for everything else (malformed XML, DOCTYPEs and
  entities, legacy formats, charset overrides).

``parse_feed`` is pure and top-level so it can run in a process pool. It is the one
place that translates feedparser's results and errors into ``FeedParseError``.

Entry HTML (summary, content) from every parser is sanitised with nh3 (ammonia) in
`_build`, not by feedparser's sgmllib sanitiser: the same safe output for all three
parsers, JSON Feed included, at a fiftieth of the cost (bench/README.md). Titles and
authors are text; whatever shows them escapes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

import nh3

from curator.errors import FeedParseError
from curator.fetch._fallback import _parse_feedparser
from curator.fetch._fastpath import _fast_path_allowed
from curator.fetch._fastpath import _parse_fast
from curator.fetch._feedcommon import _Fallback
from curator.fetch._feedcommon import _Raw
from curator.fetch.jsonfeed import _is_json_feed
from curator.fetch.jsonfeed import _parse_json_feed
from curator.model import FeedEntry
from curator.model import ParsedFeed

__all__ = ["parse_feed"]

MAX_ENTITY_EXPANSION = 1_000_000  # bytes an internal-subset entity may expand to, in total


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


def parse_feed(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse one feed document.

    ``url`` is the feed's URL (relative links are resolved against it) and
    ``content_type`` the HTTP Content-Type header, whose charset takes part in decoding.
    Raises FeedParseError when nothing usable can be recovered.
    """
    if not content.strip():
        raise FeedParseError("empty document", url=url)
    if _is_json_feed(content, content_type):
        title, link, raws = _parse_json_feed(content, url=url)
        return _build(title, link, raws, parser="json", warning=None)
    content, defused = _defuse_entities(content, url=url)
    if defused is None and _fast_path_allowed(content, content_type):
        try:
            title, link, raws, ttl = _parse_fast(content, url=url, content_type=content_type)
        except _Fallback:
            pass
        else:
            return _build(title, link, raws, parser="lxml", warning=None, ttl=ttl)
    try:
        title, link, raws, warning, ttl = _parse_feedparser(
            content, url=url, content_type=content_type
        )
    except FeedParseError as e:
        if defused is None:
            raise
        raise FeedParseError(f"{e.message} ({defused})", url=url) from e
    if defused is not None:
        warning = defused if warning is None else f"{defused}; {warning}"
    return _build(title, link, raws, parser="feedparser", warning=warning, ttl=ttl)


def _build(
    title: str | None,
    link: str | None,
    raws: list[_Raw],
    *,
    parser: str,
    warning: str | None,
    ttl: timedelta | None = None,
) -> ParsedFeed:
    for raw in raws:
        raw.summary = _sanitize(raw.summary)
        raw.content = _sanitize(raw.content)
    return ParsedFeed(
        title=title, link=link, entries=_identify(raws), parser=parser, warning=warning, ttl=ttl
    )


def _sanitize(html: str | None) -> str | None:
    """Safe HTML: scripts, handlers, styles and unsafe URL schemes removed."""
    if html is None:
        return None
    return nh3.clean(html).strip() or None


# --------------------------------------------------------------------------
# identity
# --------------------------------------------------------------------------


def _content_hash(raw: _Raw) -> str:
    fields = [
        raw.title,
        raw.link,
        raw.summary,
        raw.content,
        raw.author,
        raw.published_at.isoformat() if raw.published_at else None,
        raw.updated_at.isoformat() if raw.updated_at else None,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def _identify(raws: Iterable[_Raw]) -> tuple[FeedEntry, ...]:
    """Give each distinct entry a key that is stable across fetches of the same feed.

    Exact repeats (same guid, link and content) collapse to one entry first, so a feed
    listing an item twice still keys it by its guid.
    """
    distinct: list[tuple[_Raw, str]] = []
    seen: set[tuple[str | None, str | None, str]] = set()
    for raw in raws:
        digest = _content_hash(raw)
        marker = (raw.guid, raw.link, digest)
        if marker not in seen:
            seen.add(marker)
            distinct.append((raw, digest))

    guids = Counter(raw.guid for raw, _ in distinct if raw.guid)
    links = Counter(raw.link for raw, _ in distinct if raw.link)
    entries: list[FeedEntry] = []
    used: dict[str, set[str]] = {}  # key -> content hashes stored under it (or its #n)
    taken: set[str] = set()
    for raw, digest in distinct:
        if raw.guid and guids[raw.guid] == 1:
            key = raw.guid
        elif raw.link and links[raw.link] == 1:
            key = raw.link
        else:
            published = raw.published_at.isoformat() if raw.published_at else ""
            basis = f"{raw.link or ''}|{published}|{raw.title or ''}"
            key = "h:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
        hashes = used.setdefault(key, set())
        if digest in hashes:
            continue  # same key, same content: already stored once
        hashes.add(digest)
        if key in taken:
            n = 2
            while f"{key}#{n}" in taken:
                n += 1
            key = f"{key}#{n}"
        taken.add(key)
        entries.append(
            FeedEntry(
                key=key,
                guid=raw.guid,
                link=raw.link,
                title=raw.title,
                author=raw.author,
                summary=raw.summary,
                content=raw.content,
                published_at=raw.published_at,
                updated_at=raw.updated_at,
                content_hash=digest,
            )
        )
    return tuple(entries)


# --------------------------------------------------------------------------
# entity bombs
# --------------------------------------------------------------------------

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s\"'>]+)\s+(?:\"([^\"]*)\"|'([^']*)'|(SYSTEM|PUBLIC)\b)"
)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL)
_WIDE_ENTITY = ("<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))


def _defuse_entities(content: bytes, *, url: str) -> tuple[bytes, str | None]:
    """Remove a DOCTYPE whose entity declarations could expand without bound.

    Internal-subset entities with short literal values are left for feedparser (which
    keeps only those itself). Parameter or external entities, entities that refer to
    other entities, or a total expansion over MAX_ENTITY_EXPANSION (billion laughs,
    quadratic blowup) make the whole DOCTYPE go. Returns the bytes and a warning.
    """
    if any(w in content for w in _WIDE_ENTITY):
        raise FeedParseError("refused: entity declarations in a UTF-16/32 document", url=url)
    start = _FIRST_ELEMENT.search(content)
    head = content[: start.start()] if start else content
    if b"<!ENTITY" not in head:
        return content, None
    body = content[len(head) :]
    expansion = 0
    unsafe = False
    for param, name, dq, sq, external in _ENTITY_DECL.findall(head):
        value = dq or sq
        if param or external or b"&" in value or b"%" in value or b"<" in value:
            unsafe = True
            break
        expansion += len(value) * body.count(b"&" + name + b";")
    if not unsafe and head.count(b"<!ENTITY") != len(_ENTITY_DECL.findall(head)):
        unsafe = True  # a declaration the pattern could not read
    if not unsafe and expansion <= MAX_ENTITY_EXPANSION:
        return content, None
    doctype = _DOCTYPE.search(head)
    if doctype is None:
        raise FeedParseError("refused: unreadable DOCTYPE with entity declarations", url=url)
    head = head[: doctype.start()] + head[doctype.end() :]
    if b"<!ENTITY" in head:
        raise FeedParseError("refused: entity declarations outside the DOCTYPE", url=url)
    return head + body, "removed a DOCTYPE with unsafe entity declarations"
