"""The source list: OPML import/export and slugs. Pure functions over model values."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from curator.config import parse_sources_document
from curator.errors import ConfigError
from curator.model import Source

_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpmlOutline:
    """One feed found in an OPML file."""

    url: str
    title: str | None
    html_url: str | None
    category: str | None


def parse_opml(content: bytes, *, path: str = "<opml>") -> list[OpmlOutline]:
    """Every outline with an xmlUrl, in document order (nested folders become categories)."""
    if b"<!ENTITY" in content:
        raise ConfigError("OPML with entity declarations is refused", path=path)
    try:
        root = etree.fromstring(content, parser=_SAFE_XML)
    except etree.XMLSyntaxError as e:
        raise ConfigError(f"invalid OPML: {e.msg}", path=path, line=e.lineno) from e
    if root.tag != "opml":
        raise ConfigError(f"not an OPML document (root element is <{root.tag}>)", path=path)
    found: list[OpmlOutline] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        parent = outline.getparent()
        category = None
        if parent is not None and parent.tag == "outline" and not parent.get("xmlUrl"):
            category = parent.get("text") or parent.get("title")
        found.append(
            OpmlOutline(
                url=url,
                title=(outline.get("title") or outline.get("text") or "").strip() or None,
                html_url=outline.get("htmlUrl"),
                category=category,
            )
        )
    return found


def slugify(text: str) -> str:
    """'BuzzFeed News — World' → 'buzzfeed-news-world'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "source"


def new_sources_from_opml(
    outlines: Iterable[OpmlOutline], existing: Sequence[Source]
) -> list[Source]:
    """Sources for outlines whose URL is not already configured, with unique ids."""
    taken_ids = {s.id for s in existing}
    taken_urls = {s.url for s in existing}
    added: list[Source] = []
    for outline in outlines:
        if outline.url in taken_urls:
            continue
        name = outline.title or outline.url
        base = slugify(name)
        source_id, n = base, 2
        while source_id in taken_ids:
            source_id, n = f"{base}-{n}", n + 1
        taken_ids.add(source_id)
        taken_urls.add(outline.url)
        tags = (slugify(outline.category),) if outline.category else ()
        added.append(Source(id=source_id, url=outline.url, name=name, outlet=name, tags=tags))
    return added


def sources_yaml_items(sources: Iterable[Source]) -> str:
    """YAML list items (indented for the `sources:` key) for new sources."""
    lines: list[str] = []
    for source in sources:
        lines.append(f"  - id: {source.id}")
        lines.append(f"    url: {_yaml_str(source.url)}")
        lines.append(f"    name: {_yaml_str(source.name)}")
        lines.append(f"    outlet: {_yaml_str(source.outlet)}")
        if source.tags:
            lines.append(f"    tags: [{', '.join(_yaml_str(t) for t in source.tags)}]")
    return "\n".join(lines) + ("\n" if lines else "")


def _yaml_str(value: str) -> str:
    # JSON strings are valid YAML scalars and escape everything that needs it.
    return json.dumps(value, ensure_ascii=False)


def append_sources_to_yaml(text: str, items: str) -> str:
    """Append list items to a sources.yaml whose last top-level key is `sources:`.

    Appending text keeps the user's comments and layout, which a YAML round-trip would lose.
    """
    top_keys = re.findall(r"^([A-Za-z_][\w-]*)\s*:", text, flags=re.MULTILINE)
    if not top_keys:
        return text + ("" if text.endswith("\n") or not text else "\n") + "sources:\n" + items
    if top_keys[-1] != "sources":
        raise ConfigError(
            "cannot append: `sources:` is not the last top-level key; "
            "use --print and paste the entries by hand"
        )
    if re.search(r"^sources\s*:\s*\[\s*\]\s*$", text, flags=re.MULTILINE):
        text = re.sub(r"^sources\s*:\s*\[\s*\]\s*$", "sources:", text, flags=re.MULTILINE)
    if not text.endswith("\n"):
        text += "\n"
    return text + items


def export_opml(sources: Iterable[Source], *, title: str, now: datetime) -> str:
    """An OPML 2.0 subscription list of the given sources."""
    body = "\n".join(
        f'    <outline type="rss" text={quoteattr(s.name)} title={quoteattr(s.name)} '
        f"xmlUrl={quoteattr(s.url)}/>"
        for s in sources
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<opml version="2.0">\n'
        f"  <head>\n    <title>{_escape(title)}</title>\n"
        f"    <dateCreated>{format_datetime(now, usegmt=True)}</dateCreated>\n  </head>\n"
        f"  <body>\n{body}\n  </body>\n</opml>\n"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpmlImport:
    """What importing an OPML file into sources.yaml would do."""

    added: tuple[Source, ...]
    skipped: int  # outlines whose URL is already configured
    items_yaml: str  # the YAML list items for the added sources
    new_text: str | None  # the whole new sources.yaml, validated
    problem: ConfigError | None  # why new_text is None


def plan_opml_import(
    opml: bytes,
    *,
    opml_name: str,
    sources_text: str,
    sources_path: Path,
    existing: Sequence[Source],
) -> OpmlImport:
    """Pure: the sources an OPML file adds and the new sources.yaml text.

    The new text is validated here, so a bad import can never break the file:
    when it cannot be appended or would not validate, ``problem`` says why.
    """
    outlines = parse_opml(opml, path=opml_name)
    added = new_sources_from_opml(outlines, existing)
    items = sources_yaml_items(added)
    new_text: str | None = None
    problem: ConfigError | None = None
    try:
        new_text = append_sources_to_yaml(sources_text, items)
        parse_sources_document(new_text, str(sources_path), base_dir=sources_path.resolve().parent)
    except ConfigError as e:
        new_text, problem = None, e
    return OpmlImport(
        added=tuple(added),
        skipped=len(outlines) - len(added),
        items_yaml=items,
        new_text=new_text,
        problem=problem,
    )
