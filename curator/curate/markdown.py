"""A draft as Markdown with YAML front matter: what a reviewer edits in ``$EDITOR``.

The layout::

    ---
    id: 12
    version: 3
    state: new
    headline: Port Agency Is Reportedly Refusing Permits
    source_url: https://ledger.example/northgate
    outlet: The Ledger
    published: '2024-05-01T09:30:00+00:00'
    tags:
    - labour
    also_reported_by:
    - outlet: The Courier
      url: https://courier.example/1
    quotes:
    - speaker: Commissioner Jane Roe
      text: cannot be ignored
      cue: said
      outlet: null
    ---

    ## Summary

    One to three sentences.

    ## Attribution

    A Harbour Workers Union spokesperson told The Ledger that “talks have been difficult”

    ## Excerpt

    > The passage quoted from the article,
    >
    > paragraphs separated by a ">" line.

The front matter is written with ``yaml.safe_dump`` and read with ``yaml.safe_load``
(rendered in block style; any YAML style is read). Keys: ``id`` and ``state``
(read-only: checked for type, then ignored), ``version`` (the version the edit is
based on), ``headline``, ``source_url``, ``outlet``, ``published``
(ISO 8601; no time zone means UTC), ``tags`` (strings), ``also_reported_by``
(mappings of ``outlet`` and ``url``), ``quotes`` (mappings of ``text`` and optional
``speaker``, ``cue``, ``outlet``). ``version`` and ``headline`` are required; other
keys default to empty. Unknown keys are errors. When the draft is flagged, YAML
comments at the top of the front matter name the flags and, one line each, why
(``Draft.checks``: the reason, where, and the words concerned).

The body has exactly three sections, each starting with its heading line, in this
order: ``## Summary`` (required, not empty), ``## Attribution`` (may be empty) and
``## Excerpt`` (may be empty; every non-blank line starts with ``>``, after at most
three spaces). Nothing but
blank lines may come before ``## Summary``. In the summary and attribution, a line
that starts with ``#`` or ``\\`` is written with a ``\\`` in front (so it can never
be read as a heading), and one leading ``\\`` is removed when reading.

Reading is forgiving about what editors do: CRLF line ends, a BOM, trailing white
space on lines and blank lines before, between and after sections are ignored.
Sections and values are stripped. ``parse_markdown(render_markdown(d))[1] ==
d.content`` for every content whose strings are stripped, whose lines carry no
trailing white space, and whose excerpt has no runs of blank lines — which is what
``build_draft`` produces.
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import yaml

from curator.errors import DraftFormatError
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftQuote
from curator.model import DraftState

__all__ = ["parse_markdown", "render_markdown"]

SECTIONS = ("Summary", "Attribution", "Excerpt")
_KEYS = (
    "id",
    "version",
    "state",
    "headline",
    "source_url",
    "outlet",
    "published",
    "tags",
    "also_reported_by",
    "quotes",
)
_QUOTE_KEYS = ("text", "speaker", "cue", "outlet")
_CREDIT_KEYS = ("outlet", "url")
# libyaml's safe dumper/loader when PyYAML was built with it (~4 ms of a draft page's
# ~12 ms was the pure-Python emitter, bench/README.md web_load); the same safe subset.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FENCE = "---"


# --- rendering ----------------------------------------------------------------


def _escape(text: str) -> str:
    return "\n".join(
        "\\" + line if line.startswith(("#", "\\")) else line for line in text.split("\n")
    )


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def render_markdown(draft: Draft) -> str:
    """The draft as Markdown with YAML front matter (see the module docstring)."""
    content = draft.content
    published = content.published_at
    front: dict[str, Any] = {
        "id": draft.id,
        "version": draft.version,
        "state": str(draft.state),
        "headline": content.headline,
        "source_url": content.source_url,
        "outlet": content.outlet,
        "published": published.astimezone(UTC).isoformat() if published else None,
        "tags": list(content.tags),
        "also_reported_by": [{"outlet": c.outlet, "url": c.url} for c in content.also_reported_by],
        "quotes": [
            {"speaker": q.speaker, "text": q.text, "cue": q.cue, "outlet": q.outlet}
            for q in content.quotes
        ],
    }
    yaml_text = yaml.dump(
        front,
        Dumper=_YAML_DUMPER,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    comment = ""
    if draft.flags:
        comment = f"# flags: {', '.join(str(f) for f in draft.flags)}\n"
    for check in draft.checks:  # one comment line each: why, where, which words
        where = f" ({check.where})" if check.where else ""
        words = f": “{check.text}”" if check.text else ""
        comment += " ".join(f"#   {check.flag}{where}: {check.reason}{words}".split()) + "\n"
    parts = [
        f"{_FENCE}\n{comment}{yaml_text}{_FENCE}\n",
        f"## {SECTIONS[0]}\n\n{_escape(content.summary)}\n",
        f"## {SECTIONS[1]}\n\n{_escape(content.attribution)}\n"
        if content.attribution
        else f"## {SECTIONS[1]}\n",
        f"## {SECTIONS[2]}\n\n{_blockquote(content.excerpt)}\n"
        if content.excerpt
        else f"## {SECTIONS[2]}\n",
    ]
    return "\n".join(parts)


# --- parsing ------------------------------------------------------------------


def _fail(message: str, line: int | None = None) -> DraftFormatError:
    return DraftFormatError(f"line {line}: {message}" if line else message)


def _string(value: Any, field: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _fail(f"{field}: expected a string, got {_type(value)}")
    if required and not value.strip():
        raise _fail(f"{field}: must not be empty")
    return value.strip()


def _optional(value: Any, field: str) -> str | None:
    return _string(value, field) or None


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _mapping(value: Any, field: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{field}: expected a mapping, got {_type(value)}")
    for key in value:
        if key not in keys:
            raise _fail(f"{field}: unknown key {key!r} (known: {', '.join(keys)})")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(f"{field}: expected a list, got {_type(value)}")
    return value


def _whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(f"{field}: expected a whole number ≥ 1, got {value!r}")
    return value


def _published(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as e:
            raise _fail(f"published: not an ISO 8601 date and time: {value!r}") from e
    else:
        raise _fail(f"published: expected an ISO 8601 date and time, got {_type(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter mapping and the index of the first body line."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise _fail("the draft is empty")
    if lines[first] != _FENCE:
        raise _fail(f"expected the front matter to start with {_FENCE!r}", first + 1)
    close = next((i for i in range(first + 1, len(lines)) if lines[i] == _FENCE), None)
    if close is None:
        raise _fail(f"the front matter is not closed by a {_FENCE!r} line", first + 1)
    try:
        data = yaml.load("\n".join(lines[first + 1 : close]), Loader=_YAML_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = first + 2 + mark.line if mark is not None else first + 1
        problem = getattr(e, "problem", None) or str(e)
        raise _fail(f"front matter: invalid YAML: {problem}", line) from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail(f"front matter: expected a mapping, got {_type(data)}", first + 2)
    for key in data:
        if key not in _KEYS:
            raise _fail(f"front matter: unknown key {key!r} (known: {', '.join(_KEYS)})")
    return data, close + 1


def _unescape(lines: list[str]) -> str:
    return "\n".join(line[1:] if line.startswith("\\") else line for line in lines).strip()


def _excerpt(lines: list[str], first_line: int) -> str:
    out: list[str] = []
    for offset, line in enumerate(lines):
        if not line:
            out.append("")
            continue
        indent = len(line) - len(line.lstrip(" "))
        line = line[indent:] if indent <= 3 else line  # Markdown allows 3 spaces before ">"
        if not line.startswith(">"):
            raise _fail(
                f"excerpt: expected a blockquote line starting with '>', got {line[:40]!r}",
                first_line + offset,
            )
        out.append(line[2:] if line.startswith("> ") else line[1:])
    text = "\n".join(out).strip()
    return re.sub(r"\n(?:[ \t]*\n)+", "\n\n", text)


def _body(lines: list[str], start: int) -> tuple[str, str, str]:
    """The summary, attribution and excerpt of the body ``lines[start:]``."""
    found: list[int] = []
    for i in range(start, len(lines)):
        if lines[i].startswith("## ") or lines[i] == "##":
            title = lines[i][3:].strip()
            if title not in SECTIONS:
                continue
            expected = SECTIONS[len(found)] if len(found) < len(SECTIONS) else None
            if title != expected:
                where = (
                    f"expected '## {expected}'" if expected else "the excerpt is the last section"
                )
                raise _fail(f"unexpected section '## {title}' ({where})", i + 1)
            found.append(i)
    if not found:
        raise _fail(f"missing section '## {SECTIONS[0]}'")
    for i in range(start, found[0]):
        if lines[i].strip():
            raise _fail(
                f"text before '## {SECTIONS[0]}' (put it in a section): {lines[i][:40]!r}", i + 1
            )
    if len(found) < len(SECTIONS):
        raise _fail(f"missing section '## {SECTIONS[len(found)]}'")
    bounds = [*found, len(lines)]
    sections = [lines[bounds[k] + 1 : bounds[k + 1]] for k in range(len(SECTIONS))]
    summary = _unescape(sections[0])
    if not summary:
        raise _fail(f"section '## {SECTIONS[0]}' is empty", found[0] + 1)
    attribution = _unescape(sections[1])
    excerpt = _excerpt(sections[2], found[2] + 2)
    return summary, attribution, excerpt


def parse_markdown(text: str) -> tuple[int, DraftContent]:
    """The version and the content of an edited draft; DraftFormatError when invalid."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    data, body_start = _front_matter(lines)
    if "version" not in data:
        raise _fail("front matter: missing required key 'version'")
    version = _whole(data["version"], "version")
    if "id" in data:
        _whole(data["id"], "id")
    states = {str(s) for s in DraftState}
    if "state" in data and not (isinstance(data["state"], str) and data["state"] in states):
        known = ", ".join(str(s) for s in DraftState)
        raise _fail(f"state: expected one of {known}, got {data['state']!r}")
    if "headline" not in data:
        raise _fail("front matter: missing required key 'headline'")
    headline = _string(data["headline"], "headline", required=True)
    tags = tuple(
        _string(tag, f"tags[{i}]", required=True)
        for i, tag in enumerate(_list(data.get("tags"), "tags"))
    )
    credits: list[Credit] = []
    for i, raw in enumerate(_list(data.get("also_reported_by"), "also_reported_by")):
        field = f"also_reported_by[{i}]"
        item = _mapping(raw, field, _CREDIT_KEYS)
        credits.append(
            Credit(
                outlet=_string(item.get("outlet"), f"{field}.outlet", required=True),
                url=_string(item.get("url"), f"{field}.url", required=True),
            )
        )
    quotes: list[DraftQuote] = []
    for i, raw in enumerate(_list(data.get("quotes"), "quotes")):
        field = f"quotes[{i}]"
        item = _mapping(raw, field, _QUOTE_KEYS)
        quotes.append(
            DraftQuote(
                text=_string(item.get("text"), f"{field}.text", required=True),
                speaker=_optional(item.get("speaker"), f"{field}.speaker"),
                cue=_optional(item.get("cue"), f"{field}.cue"),
                outlet=_optional(item.get("outlet"), f"{field}.outlet"),
            )
        )
    summary, attribution, excerpt = _body(lines, body_start)
    return version, DraftContent(
        headline=headline,
        summary=summary,
        attribution=attribution,
        excerpt=excerpt,
        quotes=tuple(quotes),
        source_url=_string(data.get("source_url"), "source_url"),
        outlet=_string(data.get("outlet"), "outlet"),
        published_at=_published(data.get("published")),
        tags=tags,
        also_reported_by=tuple(credits),
    )
