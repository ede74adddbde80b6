"""An HTML/XHTML page → Article: body blocks with exact offsets, plus metadata (pure).

The main text comes from trafilatura (precision mode, comments off), read from its
XML body so that paragraphs, headings, list items and block quotes stay blocks. A
second pass over the original page (lxml) restores what matters for quotes and
trafilatura drops or flattens: ``<blockquote>`` paragraphs, embedded tweets
(``<blockquote class="twitter-tweet">`` → one ``tweet`` block with its
"— Name (@handle) date" line) and pull quotes. A quote is put back only between two
blocks trafilatura kept that surround it on the page, so sidebars stay out. ``<q>``
elements get quotation marks (“…”, ‘…’ when nested), as a browser shows them.

Metadata: ``<meta>``/Open Graph, JSON-LD, ``<link rel=canonical>``, ``<html lang>``,
then trafilatura's own metadata where those say nothing.

Failure modes (all :class:`~curator.errors.ExtractError`, never another exception):

- ``content`` over :data:`MAX_PAGE_BYTES` → "page too large" (checked before parsing);
- empty or whitespace-only content → "empty page";
- binary data (a known file signature, or many control bytes) → "not HTML";
- a page with no body text (only scripts, nothing an article could be) →
  "no article text found";
- anything trafilatura or lxml raises, chained with ``raise ... from``.

Pages nested deeper than lxml's limit (256 levels) are cut at that depth by the
parser: what lies above is extracted, and if nothing does the message says so.
"""

from __future__ import annotations

import bisect
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from curator.errors import ExtractError
from curator.extract.blocks import build_body
from curator.extract.charset import clean_text
from curator.extract.charset import decode_html
from curator.extract.metadata import MAX_JSON_LD_CHARS as MAX_JSON_LD_CHARS
from curator.extract.metadata import _absolute
from curator.extract.metadata import _clean
from curator.extract.metadata import _page_metadata
from curator.extract.metadata import _parse_datetime
from curator.extract.txt import article_from_text as article_from_text
from curator.model import Article
from curator.model import BlockKind

MAX_PAGE_BYTES = 10 * 1024 * 1024  # larger pages are refused, not parsed
BINARY_SAMPLE_BYTES = 8192
MAX_CONTROL_RATIO = 0.05  # share of control bytes above which content is binary
MIN_PRECISE_CHARS = 500  # below this, trafilatura's plain mode is tried as well
FALLBACK_RATIO = 2.0  # ...and used when it finds this many times more text

_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x7fELF",
    b"OggS",
    b"ID3",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x00asm",
    b"wOFF",
    b"wOF2",
)
# C0 controls but tab, newlines, form feed and ESC (ISO-2022-JP uses ESC)
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_MARKUP = re.compile(r"<[A-Za-z!?/]")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"[^\S\n]+")
_QUOTE_MARKS = "\"'“”‘’«»„‚‹›「」『』"

# --- trafilatura's XML body → pieces ------------------------------------------------

_TRAF_INLINE = frozenset({"lb", "hi", "ref", "del", "graphic", "span", "a", "b", "i", "em"})
_TRAF_TEXT = frozenset({"p", "head", "item", "cell"})  # blocks whose <quote> child is a <q>
_TRAF_KIND = {"head": BlockKind.HEADING, "item": BlockKind.LIST_ITEM, "quote": BlockKind.BLOCKQUOTE}

# --- the original page --------------------------------------------------------------

_HTML_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "button", "figcaption", "select"}
)
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_BREAK = frozenset({"br"})
_HTML_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
        "img", "ins", "del", "kbd", "mark", "q", "s", "samp", "small", "span", "strong",
        "sub", "sup", "time", "tt", "u", "var", "wbr", "label",
    }
)  # fmt: skip
_PULL_QUOTE_CLASS = re.compile(r"pull[-_]?quote", re.IGNORECASE)
# pop-ups inside paragraphs (hover cards, tooltips), dropped before extraction
_WIDGET_CLASS = re.compile(
    r"(?:^|\s)(?:[\w-]*[-_])?(?:rollover|hover|tool-?tip|popover|pop-?up)(?:[-_][\w-]*)?"
    r"[-_](?:block|card|box|content|body|panel)(?:\s|$)"
    r"|(?:^|\s)(?:tool-?tip(?:text)?|popover|hover-?card)(?:\s|$)",
    re.IGNORECASE,
)
_TWEET_CLASS = re.compile(r"tweet|twitter", re.IGNORECASE)
_MIN_ANCHOR_TOKENS = 4
_MIN_QUOTE_TOKENS = 3
_MAX_ANCHOR_GAP = 12  # page text runs between a quote and the block it follows
_BODY_CLASS = re.compile(r"body|article", re.IGNORECASE)
_MIN_CHUNK_PARAGRAPHS = 2  # a dropped chunk is restored only with this many paragraphs
_MIN_CHUNK_PARAGRAPH_WORDS = 8  # ...of at least this many words
_MIN_CHUNK_WORDS = 50  # ...and this many words in all (newsletter boxes have fewer)


@dataclass(slots=True)
class _Piece:
    kind: BlockKind
    text: str


# --- entry point --------------------------------------------------------------------


def extract_article(
    content: bytes | str, *, url: str | None = None, content_type: str | None = None
) -> Article:
    """Extract the article of one HTML/XHTML page.

    ``content`` is the page as fetched; bytes are decoded with the charset of
    ``content_type``, else the page's own declaration, else a BOM/detection (see
    :mod:`curator.extract.charset`). ``url`` is where the page was fetched from; it
    resolves relative links and is returned as ``Article.url``.

    Raises ExtractError for content that is too large, empty, binary or has no article
    text, and for any parser failure.
    """
    html = _page_text(content, content_type)
    try:
        return _extract(html, url)
    except ExtractError:
        raise
    except RecursionError as e:
        raise ExtractError("page is nested too deeply to extract") from e
    except Exception as e:  # the choke point: trafilatura, htmldate, lxml, json, ...
        raise ExtractError(f"could not extract article: {type(e).__name__}: {e}") from e


def _page_text(content: bytes | str, content_type: str | None) -> str:
    """Checks that need no parsing, then the page as clean text."""
    if isinstance(content, str):
        if len(content) > MAX_PAGE_BYTES:
            raise ExtractError(
                f"page too large: {len(content):,} characters (limit {MAX_PAGE_BYTES:,})"
            )
        if _looks_binary(content[:BINARY_SAMPLE_BYTES].encode("utf-8", "replace")):
            raise ExtractError("not HTML: the content looks like binary data")
        html = clean_text(content)
    else:
        if len(content) > MAX_PAGE_BYTES:
            raise ExtractError(f"page too large: {len(content):,} bytes (limit {MAX_PAGE_BYTES:,})")
        if not content.strip():
            raise ExtractError("empty page")
        html = decode_html(content, content_type)
        if not content.startswith((b"\xff\xfe", b"\xfe\xff")) and _looks_binary(
            content[:BINARY_SAMPLE_BYTES]
        ):
            raise ExtractError("not HTML: the content looks like binary data")
    if not html.strip():
        raise ExtractError("empty page")
    if not _MARKUP.search(html):
        raise ExtractError("not HTML: no markup found (use article_from_text for plain text)")
    return html


def _looks_binary(sample: bytes) -> bool:
    if sample.lstrip().startswith(_SIGNATURES):
        return True
    if not sample:
        return False
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return controls / len(sample) > MAX_CONTROL_RATIO


def _extract(html: str, url: str | None) -> Article:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except lxml.etree.ParserError as e:  # "Document is empty"
        raise ExtractError("no article text found: the page has no HTML content") from e
    too_deep = any("depth" in entry.message for entry in parser.error_log)
    _drop_inline_widgets(tree)
    _mark_inline_quotes(tree)
    document = _trafilatura(tree, url, precise=True)
    pieces = _pieces_from_body(document.body) if document is not None else []
    if sum(len(p.text) for p in pieces) < MIN_PRECISE_CHARS:
        # precision mode sometimes keeps only a fragment of a short page; plain mode
        # wins when it finds much more
        fallback = _trafilatura(tree, url, precise=False)
        more = _pieces_from_body(fallback.body) if fallback is not None else []
        if sum(len(p.text) for p in more) > FALLBACK_RATIO * sum(len(p.text) for p in pieces):
            pieces = more
    pieces = _restore_continuations(tree, pieces)
    pieces = _restore_quotes(tree, pieces)
    pieces = _drop_headline(pieces, tree)
    if not pieces:
        if too_deep:
            raise ExtractError(
                "no article text found: the page is nested more than 255 levels deep "
                "and deeper content is cut by the parser"
            )
        raise ExtractError("no article text found")
    text, blocks = build_body((p.kind, p.text) for p in pieces)
    meta = _page_metadata(tree, url)
    title = meta.title or _clean(document.title if document else None) or meta.page_title
    return Article(
        text=text,
        blocks=blocks,
        title=title,
        byline=_clean(document.author if document else None) or meta.byline,
        published_at=meta.published_at or _parse_datetime(document.date if document else None),
        url=url,
        canonical_url=meta.canonical_url,
        site_name=meta.site_name or _clean(document.sitename if document else None),
        lead_image=meta.lead_image or _absolute(document.image if document else None, url),
        language=meta.language,
    )


def _trafilatura(tree: Any, url: str | None, *, precise: bool) -> Document | None:
    """trafilatura's extraction of a parsed page (it copies the tree), or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # htmldate/dateparser warnings are not ours to show
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            include_comments=False,
            favor_precision=precise,
            include_tables=True,
            with_metadata=precise,  # metadata once, from the first run
        )
    if document is None or isinstance(document, Document):
        return document
    raise ExtractError("unexpected trafilatura result")  # a dict only with as_dict=True


def _drop_headline(pieces: list[_Piece], tree: Any) -> list[_Piece]:
    """Leading heading blocks that repeat the page's ``<h1>``: the title is not body."""
    headlines = {_tokens(h.text_content()) for h in tree.iter("h1")}
    start = 0
    while (
        start < len(pieces)
        and pieces[start].kind is BlockKind.HEADING
        and _tokens(pieces[start].text) in headlines
    ):
        start += 1
    return pieces[start:]


# --- text helpers -------------------------------------------------------------------


def _normalize(text: str) -> str:
    """Collapse spaces within lines, drop empty lines; lines stay lines."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _tokens(text: str) -> str:
    """The words of ``text`` as one space-padded string, for containment tests."""
    return " " + " ".join(_WORD.findall(text)) + " "


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _drop_inline_widgets(tree: Any) -> None:
    """Remove pop-ups that live inside a paragraph: hover cards, tooltips, hidden spans.

    A reader never sees them in the sentence (The Hill's people cards put "Kristi Lynn
    Noem … MORE" after every name), but as text they land mid-sentence and break
    quotes, speakers and summaries. The tail text after each one is kept.
    """
    doomed = []
    for paragraph in tree.iter("p", "li", "blockquote"):
        for element in paragraph.iterdescendants():
            if not isinstance(element.tag, str):
                continue
            marks = f"{element.get('class', '')} {element.get('id', '')}"
            style = element.get("style", "").replace(" ", "").lower()
            if (
                _WIDGET_CLASS.search(marks)
                or element.get("hidden") is not None
                or "display:none" in style
            ):
                doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _mark_inline_quotes(tree: Any) -> None:
    """Give every ``<q>`` the quotation marks a browser would show."""
    for q in tree.iter("q"):
        nested = any(_tag(a) == "q" for a in q.iterancestors())
        opening, closing = ("‘", "’") if nested else ("“", "”")
        text = q.text or ""
        if text.lstrip()[:1] in _QUOTE_MARKS and text:
            continue
        q.text = opening + text
        if len(q):
            last = q[-1]
            last.tail = (last.tail or "") + closing
        else:
            q.text += closing


# --- trafilatura's body -------------------------------------------------------------


def _pieces_from_body(body: Any) -> list[_Piece]:
    pieces: list[_Piece] = []
    _walk_traf(body, BlockKind.PARAGRAPH, pieces)
    return pieces


def _walk_traf(element: Any, kind: BlockKind, out: list[_Piece]) -> None:
    """Blocks of one trafilatura element: its inline runs and its block children."""
    tag = _tag(element)
    kind = _TRAF_KIND.get(tag, kind)
    if tag == "row":
        cells = [_normalize(" ".join(cell.itertext())).replace("\n", " ") for cell in element]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            out.append(_Piece(BlockKind.PARAGRAPH, line))
        return
    run: list[str] = [element.text or ""]

    def flush() -> None:
        text = _normalize("".join(run))
        if text:
            out.append(_Piece(kind, text))
        run.clear()

    for child in element:
        child_tag = _tag(child)
        if (
            child_tag in _TRAF_INLINE
            or not child_tag
            or (child_tag == "quote" and tag in _TRAF_TEXT)
        ):
            run.append(_inline_traf(child))  # a <q> comes back as <quote> inside a <p>
        else:
            flush()
            _walk_traf(child, kind if child_tag != "list" else BlockKind.LIST_ITEM, out)
        run.append(child.tail or "")
    flush()


def _inline_traf(element: Any) -> str:
    if _tag(element) == "lb":
        return "\n"
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline_traf(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- the original page: what trafilatura dropped -----------------------------------


def _html_kind(tag: str, kind: BlockKind) -> BlockKind:
    if tag in _HTML_HEADINGS:
        return BlockKind.HEADING
    if tag == "li":
        return BlockKind.LIST_ITEM
    if tag == "blockquote":
        return BlockKind.BLOCKQUOTE
    return kind


def _html_pieces(
    element: Any, out: list[_Piece], owners: list[Any], kind: BlockKind = BlockKind.PARAGRAPH
) -> None:
    """Text runs of an HTML subtree in document order (a run = an inline stretch).

    ``owners[i]`` is the element whose own text ``out[i]`` is.
    """
    tag = _tag(element)
    if tag in _HTML_SKIP:
        return
    kind = _html_kind(tag, kind)
    run: list[str] = [element.text or ""]

    def flush() -> None:
        text = _normalize("".join(run))
        if text:
            out.append(_Piece(kind, text))
            owners.append(element)
        run.clear()

    for child in element:
        child_tag = _tag(child)
        if child_tag in _HTML_BREAK:
            run.append("\n")
        elif child_tag in _HTML_INLINE:
            run.append(_inline_html(child))
        elif child_tag and child_tag not in _HTML_SKIP:
            flush()
            _html_pieces(child, out, owners, kind)
        run.append(child.tail or "")
    flush()


def _inline_html(element: Any) -> str:
    tag = _tag(element)
    if tag in _HTML_BREAK:
        return "\n"
    if tag in _HTML_SKIP:
        return ""
    parts = [element.text or ""]
    for child in element:
        child_tag = _tag(child)
        if child_tag in _HTML_INLINE or child_tag in _HTML_BREAK:
            parts.append(_inline_html(child))
        elif child_tag and child_tag not in _HTML_SKIP:
            parts.append("\n" + " ".join(child.itertext()) + "\n")
        parts.append(child.tail or "")
    return "".join(parts)


def _word_count(words: str) -> int:
    """Words in a space-padded token string from :func:`_tokens`."""
    return words.count(" ") - 1


class _Index:
    """Where a stretch of words lies in the current pieces."""

    def __init__(self, pieces: list[_Piece]) -> None:
        self.words = [_tokens(p.text) for p in pieces]
        self.starts: list[int] = []
        offset = 0
        for words in self.words:
            self.starts.append(offset)
            offset += len(words)
        self.joined = "".join(self.words)

    def find_all(self, words: str) -> Iterator[int]:
        """Indices of pieces containing ``words`` (a space-padded token string)."""
        start = self.joined.find(words)
        while start >= 0:
            yield bisect.bisect_right(self.starts, start) - 1
            start = self.joined.find(words, start + 1)

    def find(self, words: str) -> int | None:
        return next(self.find_all(words), None)


@dataclass(slots=True)
class _Candidate:
    element: Any
    pieces: list[_Piece]


def _candidates(tree: Any) -> list[_Candidate]:
    """Outermost block quotes, tweets and pull quotes of the page, in document order."""
    found: list[Any] = []
    for element in tree.iter():
        tag = _tag(element)
        if tag != "blockquote" and (
            not tag
            or tag in _HTML_INLINE
            or not _PULL_QUOTE_CLASS.search(element.get("class") or "")
        ):
            continue
        if not any(a in found for a in element.iterancestors()):
            found.append(element)
    candidates = []
    for element in found:
        runs: list[_Piece] = []
        _html_pieces(element, runs, [], BlockKind.BLOCKQUOTE)
        if len(_WORD.findall(" ".join(r.text for r in runs))) < _MIN_QUOTE_TOKENS:
            continue
        if _TWEET_CLASS.search(element.get("class") or ""):
            pieces = [_Piece(BlockKind.TWEET, "\n".join(r.text for r in runs))]
        else:
            pieces = [_Piece(BlockKind.BLOCKQUOTE, r.text) for r in runs]
        candidates.append(_Candidate(element, pieces))
    return candidates


def _restore_quotes(tree: Any, pieces: list[_Piece]) -> list[_Piece]:
    """Block quotes, tweets and pull quotes as their own blocks, in their place."""
    candidates = _candidates(tree)
    if not candidates or not pieces:
        return pieces
    page: list[_Piece] = []
    owners: list[Any] = []
    for candidate in candidates:
        index = _Index(pieces)
        quote_words = _tokens(" ".join(p.text for p in candidate.pieces))
        matched = _matched_range(index, candidate, quote_words)
        if matched is not None:
            first, last = matched
            pieces[first : last + 1] = [_Piece(p.kind, p.text) for p in candidate.pieces]
            continue
        if not page:
            _html_pieces(tree, page, owners)
        position = _insertion_point(index, candidate, page, owners)
        if position is not None:
            pieces[position:position] = [_Piece(p.kind, p.text) for p in candidate.pieces]
    return pieces


def _matched_range(
    index: _Index, candidate: _Candidate, quote_words: str
) -> tuple[int, int] | None:
    """The pieces that hold this quote and nothing else, if the quote is in the text."""
    hits: list[int] = []
    for piece in candidate.pieces:
        for line in piece.text.split("\n"):
            words = _tokens(line)
            if _word_count(words) < 1:
                continue
            for i in index.find_all(words):
                if index.words[i] in quote_words:
                    hits.append(i)
                    break
    if not hits:
        return None
    first, last = min(hits), max(hits)
    if any(index.words[i] not in quote_words for i in range(first, last + 1)):
        return None
    covered = sum(_word_count(index.words[i]) for i in range(first, last + 1))
    if covered * 2 < _word_count(quote_words):
        return None
    return first, last


def _insertion_point(
    index: _Index, candidate: _Candidate, page: list[_Piece], owners: list[Any]
) -> int | None:
    """Where a dropped quote goes: between the two kept blocks around it on the page."""
    inside = {id(e) for e in candidate.element.iter()}
    positions = [i for i, owner in enumerate(owners) if id(owner) in inside]
    if not positions:
        return None
    before = _anchor(index, page, range(positions[0] - 1, -1, -1))
    after = _anchor(index, page, range(positions[-1] + 1, len(page)))
    if before is None or after is None or after != before + 1:
        return None
    return after


def _anchor(index: _Index, page: list[_Piece], order: range) -> int | None:
    """The piece holding the nearest page run (in ``order``) that the text kept."""
    skipped = 0
    for i in order:
        words = _tokens(page[i].text)
        if _word_count(words) < _MIN_ANCHOR_TOKENS:
            continue
        found = index.find(words)
        if found is not None:
            return found
        skipped += 1
        if skipped > _MAX_ANCHOR_GAP:
            return None
    return None


def _restore_continuations(tree: Any, pieces: list[_Piece]) -> list[_Piece]:
    """Later parts of a body split into several containers of the same class.

    Some templates cut the body into chunks (``<div class="article__body">`` ×N,
    with ads between); trafilatura may keep only the first ones. When the paragraphs
    it kept sit mostly in containers of one "body"/"article" class, the text of later
    containers of that class that it dropped is added after the last kept one, if it
    reads like body text (a few real paragraphs, not a newsletter box).
    """
    if not pieces:
        return pieces
    index = _Index(pieces)
    parents: Counter[tuple[str, str]] = Counter()
    for paragraph in tree.iter("p"):
        words = _tokens(paragraph.text_content())
        parent = paragraph.getparent()
        if (
            _word_count(words) >= _MIN_ANCHOR_TOKENS
            and parent is not None
            and words in index.joined
        ):
            parents[(_tag(parent), parent.get("class") or "")] += 1
    if not parents:
        return pieces
    (tag, cls), _ = parents.most_common(1)[0]
    if not cls or not _BODY_CLASS.search(cls):
        return pieces
    position: int | None = None
    chunks = [e for e in tree.iter(tag) if e.get("class") == cls]
    for chunk in chunks:
        if any(a in chunks for a in chunk.iterancestors()):
            continue
        runs: list[_Piece] = []
        _html_pieces(chunk, runs, [])
        kept = [index.find(_tokens(r.text)) for r in runs]
        known = [k for k in kept if k is not None]
        if known:
            position = max(known) + 1
            continue
        sizes = [_word_count(_tokens(r.text)) for r in runs]
        paragraphs = sum(1 for size in sizes if size >= _MIN_CHUNK_PARAGRAPH_WORDS)
        if position is None or paragraphs < _MIN_CHUNK_PARAGRAPHS or sum(sizes) < _MIN_CHUNK_WORDS:
            continue
        pieces[position:position] = runs
        position += len(runs)
        index = _Index(pieces)
    return pieces
