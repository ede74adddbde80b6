"""The lxml fast path: feedparser's results for well-formed RSS 2.0, RSS 1.0 and Atom 1.0."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin
from feedparser.urls import make_safe_absolute_uri
from feedparser.urls import resolve_relative_uris
from lxml import etree

from curator.fetch._feedcommon import _clean
from curator.fetch._feedcommon import _Fallback
from curator.fetch._feedcommon import _media_type
from curator.fetch._feedcommon import _Raw
from curator.fetch._feedcommon import _struct_to_datetime
from curator.fetch._feedcommon import _ttl

_ATOM = "http://www.w3.org/2005/Atom"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS10 = "http://purl.org/rss/1.0/"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RDF_ABOUT = f"{{{_RDF}}}about"

_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    remove_comments=False,
    strip_cdata=True,
)


# --------------------------------------------------------------------------
# lxml fast path
# --------------------------------------------------------------------------

_XML_MEDIA = {
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "text/xml",
    "text/rss+xml",
    "text/atom+xml",
}


def _fast_path_allowed(content: bytes, content_type: str | None) -> bool:
    """Whether feedparser's charset rules would decode the bytes the way lxml does.

    No Content-Type or an XML one: fine when its charset (if any) is checked against
    the document later; text/* without a charset means us-ascii, so the bytes must be
    ASCII. Other media types (text/html, text/plain, ...) make feedparser set bozo.
    """
    media, charset = _media_type(content_type)
    if not media:
        return True
    if media not in _XML_MEDIA:
        return False
    if media.startswith("text/") and charset is None:
        return content.isascii()
    return True


def _same_charset(a: str, b: str) -> bool:
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


# feedparser's element-name → handler mapping, mirrored.
_KNOWN_NS: dict[str, str] = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()}
_HANDLERS = frozenset(
    name[len("_start_") :] if name.startswith("_start_") else name[len("_end_") :]
    for name in dir(StrictFeedParser)
    if name.startswith(("_start_", "_end_"))
)
_CAN_BE_RELATIVE = frozenset(_FeedParserMixin.can_be_relative_uri)
_CAN_CONTAIN_RELATIVE = frozenset(_FeedParserMixin.can_contain_relative_uris)
_CAN_CONTAIN_DANGEROUS = frozenset(_FeedParserMixin.can_contain_dangerous_markup)
_HTML_TYPES = frozenset(_FeedParserMixin.html_types)
_looks_like_html_text: Callable[[str], bool] = _FeedParserMixin.looks_like_html
_map_content_type: Callable[[str], str] = _FeedParserMixin.map_content_type

# Handlers that do not touch title/link/id/author/summary/content/dates when they
# appear as direct, childless children of an item/entry (or, for feeds, anywhere
# outside the items).
_HARMLESS = frozenset(
    {
        "category",
        "enclosure",
        "dc:subject",
        "media:content",
        "media:thumbnail",
        "media:player",
        "media:rating",
        "media:credit",
        "media:category",
        "media:restriction",
        "media:license",
        "itunes:duration",
        "itunes:explicit",
        "itunes:image",
        "itunes:keywords",
        "itunes:block",
        "itunes:category",
        "language",
        "rights",
        "generator",
        "dc:rights",
        "dc:language",
    }
)
_FEED_CONTAINERS = frozenset(
    {"image", "textinput", "author", "contributor", "itunes:owner", "itunes:category"}
)
_FEED_CONTAINER_PARTS = frozenset(
    {
        "title",
        "link",
        "url",
        "description",
        "width",
        "height",
        "name",
        "email",
        "uri",
        "itunes:name",
        "itunes:email",
        "itunes:category",
    }
)
_PERSON_PARTS = frozenset({"name", "email", "uri", "url"})
_STORED_KEYS = frozenset({"published_parsed", "updated_parsed", "guidislink", "links"})


def _handler_name(el: etree._Element) -> str:
    """The name feedparser's strict parser dispatches this element under."""
    qname = etree.QName(el)
    ns = qname.namespace or ""
    lower = ns.lower()
    if "backend.userland.com/rss" in lower:
        lower = "http://backend.userland.com/rss"
    prefix = _KNOWN_NS.get(lower)
    if prefix is None:
        if not ns:
            prefix = ""
        elif el.prefix is not None:
            prefix = el.prefix
        else:
            raise _Fallback("element in an unknown default namespace")
    local = qname.localname
    return (f"{prefix}:{local}" if prefix else local).lower()


def _has_handler(name: str) -> bool:
    return name.replace(":", "_", 1) in _HANDLERS


def _element_base(parent_base: str, el: etree._Element) -> str:
    given = el.get(_XML_BASE) or el.get("base")
    if not given:
        return parent_base
    if parent_base:
        return str(make_safe_absolute_uri(parent_base, given) or parent_base)
    return str(_urljoin(parent_base, given))


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _text(el: etree._Element) -> str:
    """The text of an element that must hold text only (no elements or comments)."""
    if len(el):
        raise _Fallback("markup inside a text element")
    return el.text or ""


def _finish(text: str, element: str, ctype: str | None, base: str, *, atom: bool) -> str:
    """feedparser's mixin ``pop`` post-processing of an element's text."""
    output = text.strip()
    if element in _CAN_BE_RELATIVE and output:
        output = _urljoin(base, output)
    if not atom and ctype == "text/plain" and _looks_like_html_text(output):
        ctype = "text/html"
    htmlish = _map_content_type(ctype or "text/html") in _HTML_TYPES
    if htmlish and "<!" in output:  # feedparser escapes declarations in HTML text
        raise _Fallback("markup declaration inside an HTML text construct")
    if htmlish and element in _CAN_CONTAIN_RELATIVE and _has_relative_uri(output):
        output = resolve_relative_uris(output, base, "utf-8", ctype or "text/html")
    try:
        output = output.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return str(output.translate(_cp1252))


_URI_ATTRIBUTE = re.compile(
    r"""\b(?:href|src|action|background|cite|codebase|data|longdesc|poster|usemap|srcset"""
    r"""|profile|classid|dynsrc|lowsrc|ismap)\s*=\s*["']?\s*([^"'\s>]*)""",
    re.IGNORECASE,
)
_ABSOLUTE_URI = re.compile(r"(?:https?|mailto|data|tel):", re.IGNORECASE)


def _has_relative_uri(html: str) -> bool:
    """Whether resolve_relative_uris could change anything (it is slow, sgmllib)."""
    return any(not _ABSOLUTE_URI.match(value) for value in _URI_ATTRIBUTE.findall(html))


def _content_type(el: etree._Element, default: str, *, atom: bool) -> str:
    """The content type of a text construct; falls back on anything feedparser
    would treat as base64 or inline XHTML."""
    if el.get("mode") is not None or el.get("src") is not None:
        raise _Fallback("content mode/src attribute")
    given = el.get("type")
    if given is None:
        return default
    if not atom:
        raise _Fallback("type attribute on an RSS element")
    ctype = _map_content_type(given)
    if ctype not in ("text/plain", "text/html"):
        raise _Fallback(f"content type {given}")
    return ctype


def _parse_fast(
    content: bytes, *, url: str, content_type: str | None = None
) -> tuple[str | None, str | None, list[_Raw], timedelta | None]:
    try:
        root = etree.fromstring(content, _XML_PARSER)
    except etree.XMLSyntaxError as e:
        raise _Fallback(f"XML error: {e}") from e
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # not in lxml-stubs
        raise _Fallback("DOCTYPE")
    _, charset = _media_type(content_type)
    if charset is not None and not _same_charset(charset, tree.docinfo.encoding or "utf-8"):
        raise _Fallback("HTTP charset differs from the document's encoding")
    base = make_safe_absolute_uri("", url) or ""
    base = _element_base(str(base), root)
    qname = etree.QName(root)
    if qname.namespace is None and qname.localname == "rss":
        channels = _children(root)
        if len(channels) != 1 or _handler_name(channels[0]) != "channel":
            raise _Fallback("rss without exactly one channel")
        channel = channels[0]
        feed_el, feed_base = channel, _element_base(base, channel)
        items = [c for c in _children(channel) if _handler_name(c) == "item"]
        outside = [c for c in _children(channel) if _handler_name(c) != "item"]
        atom = False
    elif qname.namespace == _RDF and qname.localname == "RDF":
        kids = _children(root)
        for kid in kids:
            if etree.QName(kid).namespace not in (_RSS10, _RDF) and _has_handler(
                _handler_name(kid)
            ):
                raise _Fallback("unexpected element under rdf:RDF")
        channels = [
            c for c in kids if etree.QName(c).namespace == _RSS10 and _handler_name(c) == "channel"
        ]
        if len(channels) != 1:
            raise _Fallback("RDF without exactly one RSS 1.0 channel")
        feed_el = channels[0]
        feed_base = _element_base(base, feed_el)
        items = [
            c for c in kids if etree.QName(c).namespace == _RSS10 and _handler_name(c) == "item"
        ]
        outside = _children(feed_el) + [c for c in kids if c is not feed_el and c not in items]
        atom = False
    elif qname.namespace == _ATOM and qname.localname == "feed":
        feed_el, feed_base = root, base
        items = [c for c in _children(root) if _handler_name(c) == "entry"]
        outside = [c for c in _children(root) if _handler_name(c) != "entry"]
        atom = True
    else:
        raise _Fallback("not RSS 2.0, RSS 1.0 or Atom 1.0")
    # feedparser turns every <item>/<entry> anywhere into an entry
    everywhere = sum(
        1
        for el in root.iter()
        if isinstance(el.tag, str) and _handler_name(el) in ("item", "entry")
    )
    if everywhere != len(items):
        raise _Fallback("items outside the expected place")
    title, link, ttl = _feed_fields(feed_el, feed_base, outside, atom=atom)
    raws = [_entry_fields(item, _element_base(feed_base, item), atom=atom) for item in items]
    return title, link, raws, ttl


def _check_subtree(el: etree._Element, allowed: frozenset[str]) -> None:
    """No element below ``el`` may have a feedparser handler, except ``allowed`` ones
    that are childless."""
    for sub in el.iterdescendants():
        if not isinstance(sub.tag, str):
            continue
        name = _handler_name(sub)
        if _has_handler(name) or name in _STORED_KEYS:
            if name not in allowed or (len(sub) and name != "itunes:category"):
                raise _Fallback(f"nested <{name}>")


def _feed_fields(
    feed_el: etree._Element, base: str, outside: list[etree._Element], *, atom: bool
) -> tuple[str | None, str | None, timedelta | None]:
    title: str | None = None
    ttl: str | None = None
    titles = 0
    link: str | None = None
    link_set = False
    for el in outside:
        name = _handler_name(el)
        el_base = _element_base(base, el)
        if name in ("title", "dc:title", "media:title") and el.getparent() is feed_el:
            titles += 1
            if name != "title":
                raise _Fallback(f"feed <{name}>")
            ctype = _content_type(el, "text/plain", atom=atom)
            title = _finish(_text(el), "title", ctype, el_base, atom=atom)
        elif name == "link" and el.getparent() is feed_el:
            href = el.get("href")
            if el.get("url") is not None or el.get("uri") is not None:
                raise _Fallback("link url/uri attribute")
            if href:
                if _link_is_alternate(el):
                    link = _urljoin(el_base, href)
                    link_set = True
            else:
                value = _finish(_text(el), "link", None, el_base, atom=atom)
                link = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", value)
                link_set = True
        elif name in ("id", "guid") and el.getparent() is feed_el:
            # feedparser: a permalink id doubles as the feed link when there is none
            if el.get("isPermaLink", el.get("ispermalink", "true")) == "true":
                value = _finish(_text(el), "id", None, el_base, atom=atom)
                if not link_set:
                    link, link_set = value, True
        elif name == "ttl":
            # feedparser keeps the last plain one; attributes or markup turn it odd
            if el.getparent() is not feed_el or el.attrib or len(el):
                raise _Fallback("unusual <ttl>")
            ttl = _text(el)
        elif name in _FEED_CONTAINERS:
            _check_subtree(el, _FEED_CONTAINER_PARTS)
        else:
            _check_subtree(el, frozenset())
    if titles > 1:
        raise _Fallback("several feed titles")
    return _clean(title), _clean(link), _ttl(ttl)


def _link_is_alternate(el: etree._Element) -> bool:
    rel = el.get("rel", "alternate")
    default_type = "application/atom+xml" if rel == "self" else "text/html"
    ctype = _map_content_type(el.get("type", default_type))
    return rel == "alternate" and ctype in _HTML_TYPES


_ENTRY_FIELDS = {
    # handler name -> (field, feedparser element name, default content type)
    "title": ("title", "title", "text/plain"),
    "link": ("link", "link", None),
    "guid": ("id", "id", None),
    "id": ("id", "id", None),
    "author": ("author", "author", None),
    "dc:creator": ("author", "author", None),
    "description": ("summary", "description", "text/html"),
    "summary": ("summary", "summary", "text/plain"),
    "content:encoded": ("content", "content", "text/html"),
    "content": ("content", "content", "text/plain"),
    "pubdate": ("published", "published", None),
    "published": ("published", "published", None),
    "updated": ("updated", "updated", None),
    "dc:date": ("updated", "updated", None),
}
_RSS_ONLY = frozenset(
    {"guid", "description", "content:encoded", "pubdate", "dc:creator", "dc:date"}
)
_ATOM_ONLY = frozenset({"id", "summary", "content", "published", "updated"})


def _entry_fields(item: etree._Element, base: str, *, atom: bool) -> _Raw:
    values: dict[str, str] = {}
    seen: Counter[str] = Counter()
    guid_is_link = False
    link_from_element = False
    about = item.get(_RDF_ABOUT)
    if about:
        values["id"] = about
    for el in _children(item):
        name = _handler_name(el)
        el_base = _element_base(base, el)
        spec = _ENTRY_FIELDS.get(name)
        if spec is None or name in (_RSS_ONLY if atom else _ATOM_ONLY):
            if name in _HARMLESS or not (_has_handler(name) or name in _STORED_KEYS):
                _check_subtree(el, frozenset())
                continue
            if name == "contributor" and atom:
                _check_subtree(el, _PERSON_PARTS)
                continue
            if name == "source" and not atom and not len(el):
                continue
            raise _Fallback(f"entry <{name}>")
        field, element, default_type = spec
        seen[field] += 1
        if seen[field] > 1:
            raise _Fallback(f"several entry {field} elements")
        if field == "link":
            if el.get("url") is not None or el.get("uri") is not None:
                raise _Fallback("link url/uri attribute")
            href = el.get("href")
            if href is not None:
                if not atom:
                    raise _Fallback("RSS link with href")
                seen[field] -= 1  # Atom entries often have several links
                if href and _link_is_alternate(el):
                    values["link"] = _urljoin(el_base, href)
                    link_from_element = True
                continue
            value = _finish(_text(el), "link", None, el_base, atom=atom)
            value = value.replace("&amp;", "&")
            values["link"] = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", value)
            link_from_element = True
        elif field == "id":
            guid_is_link = el.get("isPermaLink", el.get("ispermalink", "true")) == "true"
            if any(k.lower() == "ispermalink" and k != "isPermaLink" for k in el.attrib):
                raise _Fallback("odd isPermaLink spelling")
            element = "id" if guid_is_link else "guid"  # only a permalink is resolved
            values["id"] = _finish(_text(el), element, None, el_base, atom=atom)
            if guid_is_link and not link_from_element:
                values.setdefault("link", values["id"])
        elif field == "author":
            values["author"] = _author(el, el_base, atom=atom)
        elif field in ("published", "updated"):
            values[field] = _finish(_text(el), element, None, el_base, atom=atom)
        else:
            ctype = _content_type(el, default_type or "text/plain", atom=atom)
            value = _finish(_text(el), element, ctype, el_base, atom=atom)
            if field == "content":
                values["content"] = value
                values.setdefault("summary", value)
            else:
                values[field] = value
    published = _parse_date(values["published"]) if "published" in values else None
    updated = _parse_date(values["updated"]) if "updated" in values else None
    return _Raw(
        guid=_clean(values.get("id")),
        link=_clean(values.get("link")),
        title=_clean(values.get("title")),
        author=_clean(values.get("author")),
        summary=_clean(values.get("summary")),
        content=_clean(values.get("content")),
        published_at=_struct_to_datetime(published),
        updated_at=_struct_to_datetime(updated),
    )


def _author(el: etree._Element, base: str, *, atom: bool) -> str:
    parts = _children(el)
    if not parts:
        return _finish(_text(el), "author", None, base, atom=atom)
    if not atom or (el.text or "").strip():
        raise _Fallback("mixed author element")
    person: dict[str, str] = {}
    for part in parts:
        part_name = _handler_name(part)
        if part_name not in _PERSON_PARTS or len(part) or part_name in person:
            raise _Fallback(f"author <{part_name}>")
        person[part_name] = (part.text or "").strip()
    name, email = person.get("name"), person.get("email")
    if name and email:
        return f"{name} ({email})"
    return name or email or ""
