"""Page metadata (pure): ``<meta>``/Open Graph, JSON-LD, ``<link rel=canonical>``,
``<html lang>``; :mod:`curator.extract.article` fills the gaps from trafilatura's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

MAX_JSON_LD_CHARS = 200_000

_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle",
        "scholarlyarticle", "socialmediaposting", "liveblogposting", "report",
    }
)  # fmt: skip
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish-date",
    "published_time",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "date",
)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


@dataclass(slots=True)
class _Meta:
    title: str | None = None  # og:title or JSON-LD headline
    page_title: str | None = None  # <title>, which often carries the site name too
    byline: str | None = None
    published_at: datetime | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    lead_image: str | None = None
    language: str | None = None


def _page_metadata(tree: Any, url: str | None) -> _Meta:
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (
            meta.get("property")
            or meta.get("name")
            or meta.get("itemprop")
            or meta.get("http-equiv")
        )
        value = meta.get("content")
        if key and value and value.strip():
            metas.setdefault(key.strip().lower(), value.strip())
    ld = _json_ld_article(tree)

    published = None
    for candidate in [_ld_str(ld.get("datePublished")), *(metas.get(k) for k in _DATE_META)]:
        published = _parse_datetime(candidate)
        if published:
            break
    if published is None:
        for time in tree.xpath("//time[@datetime][@pubdate or @itemprop='datePublished']"):
            published = _parse_datetime(time.get("datetime"))
            if published:
                break

    canonical = None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href", "").strip():
            canonical = link.get("href").strip()
            break
    canonical = canonical or metas.get("og:url") or _ld_str(ld.get("url"))

    publisher = ld.get("publisher")
    publisher_name = _ld_str(publisher.get("name")) if isinstance(publisher, dict) else None
    language = (
        tree.get("lang")
        or tree.get("xml:lang")
        or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
        or metas.get("content-language")
        or metas.get("og:locale")
        or _ld_str(ld.get("inLanguage"))
    )
    titles = tree.xpath("//title")
    return _Meta(
        title=_clean(metas.get("og:title") or _ld_str(ld.get("headline"))),
        page_title=_clean(titles[0].text_content() if titles else None),
        byline=_clean(_ld_authors(ld.get("author")) or _not_url(metas.get("author"))),
        published_at=published,
        canonical_url=_absolute(canonical, url),
        site_name=_clean(
            metas.get("og:site_name") or publisher_name or metas.get("application-name")
        ),
        lead_image=_absolute(
            metas.get("og:image")
            or metas.get("og:image:url")
            or metas.get("twitter:image")
            or metas.get("twitter:image:src")
            or _ld_image(ld.get("image")),
            url,
        ),
        language=_language(language),
    )


def _json_ld_article(tree: Any) -> dict[str, Any]:
    """The first JSON-LD object of an article type, else of type WebPage, else {}."""
    page: dict[str, Any] = {}
    for script in tree.xpath("//script[@type='application/ld+json']"):
        raw = script.text or ""
        if len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for item in _ld_items(data, 0):
            types = item.get("@type")
            names = {
                t.lower()
                for t in (types if isinstance(types, list) else [types])
                if isinstance(t, str)
            }
            if names & _ARTICLE_TYPES:
                return item
            if "webpage" in names and not page:
                page = item
    return page


def _ld_items(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _ld_items(graph, depth + 1)


def _ld_str(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    return value.strip() or None if isinstance(value, str) else None


def _ld_authors(value: Any) -> str | None:
    values = value if isinstance(value, list) else [value]
    names = []
    for author in values:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip() and not _looks_like_url(name):
            names.append(name.strip())
    return ", ".join(dict.fromkeys(names)) or None


def _ld_image(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value.strip() or None if isinstance(value, str) else None


def _looks_like_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://", "//", "www."))


def _not_url(value: str | None) -> str | None:
    return value if value and not _looks_like_url(value) else None


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link or not link.strip():
        return None
    link = link.strip()
    if base:
        try:
            return urljoin(base, link)
        except ValueError:
            return link
    return link


def _language(value: str | None) -> str | None:
    if not value:
        return None
    tag = value.strip().replace("_", "-").split(",")[0].strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag):
        return None
    primary, _, rest = tag.partition("-")
    return primary.lower() + ("-" + rest.upper() if len(rest) == 2 else "-" + rest if rest else "")


def _parse_datetime(value: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 2822 text (naive means UTC)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None or not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
