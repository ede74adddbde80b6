"""Tokens and sentences of a paragraph whose quotations are masked out."""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.model import Block
from curator.model import BlockKind

QUOTE_CHAR = "\x00"
# A word: letters/digits with inner apostrophes and hyphens, dots of abbreviations
# (U.S.) and the point or comma inside a number (2.5, 40,000).
_TOKEN = re.compile(r"\x00+|[^\W_](?:[\w’'\-]|\.(?=[^\W\d_])|(?<=\d)[.,](?=\d))*|[^\w\s]")
_ABBREV = frozenset(
    """
    Mr Mrs Ms Dr Prof Sen Rep Gov Gen Lt Col Capt Sgt Rev St Jr Sr Inc Corp Ltd Co Mt Ft No
    Jan Feb Mar Apr Aug Sep Sept Oct Nov Dec vs etc
    """.split()
)
_ENDS = frozenset(".?!…")


class Tok:
    """A token of a masked paragraph (a word, a punctuation mark, or a whole quotation)."""

    __slots__ = ("cap", "end", "low", "quote", "start", "text", "word")

    def __init__(self, text: str, low: str, start: int, end: int, quote: int) -> None:
        self.text = text
        self.low = low
        self.start = start
        self.end = end
        self.quote = quote  # index of the masked quotation, else -1
        self.cap = quote < 0 and text[0].isupper()
        self.word = quote < 0 and text[0].isalnum()


def tokenize(masked: str, start: int, end: int, quote_at: dict[int, int]) -> list[Tok]:
    """Tokens of masked[start:end]; a run of masked characters is one quotation token."""
    toks: list[Tok] = []
    append = toks.append
    prev: Tok | None = None
    for m in _TOKEN.finditer(masked, start, end):
        text = m.group()
        s, e = m.span()
        if text[0] == QUOTE_CHAR:
            prev = Tok(text, "", s, e, quote_at.get(s, -1))
            append(prev)
            continue
        if (
            text == "."
            and prev is not None
            and prev.end == s
            and prev.word
            and prev.text[0].isalpha()
            and (prev.text in _ABBREV or "." in prev.text or (len(prev.text) == 1 and prev.cap))
        ):
            prev.text += "."
            prev.low += "."
            prev.end = e
            prev = None
            continue
        prev = Tok(text, text.lower(), s, e, -1)
        append(prev)
    return toks


def sentences(toks: list[Tok], quote_ends_sentence: list[bool]) -> list[tuple[int, int]]:
    """Token ranges of sentences (quotations are opaque: their inner full stops do not count)."""
    out: list[tuple[int, int]] = []
    first = 0
    n = len(toks)
    for i, t in enumerate(toks):
        if i + 1 >= n:
            break
        nxt = toks[i + 1]
        boundary = False
        if t.text in _ENDS:
            boundary = nxt.quote >= 0 or nxt.text[0].isupper() or nxt.text[0].isdigit()
        elif t.quote >= 0 and quote_ends_sentence[t.quote]:
            boundary = nxt.quote < 0 and nxt.text[0].isupper() and nxt.low not in ("i",)
        if boundary:
            out.append((first, i + 1))
            first = i + 1
    if first < n:
        out.append((first, n))
    return out


PARAGRAPH_SPLIT = re.compile(r"\n[ \t\u00a0]*\n")


def paragraphs(text: str, blocks: Sequence[Block]) -> list[tuple[int, int, BlockKind]]:
    spans: list[tuple[int, int, BlockKind]] = []
    if blocks:
        raw = [(b.start, b.end, b.kind) for b in sorted(blocks, key=lambda b: b.start)]
    else:
        raw = []
        pos = 0
        for m in PARAGRAPH_SPLIT.finditer(text):
            raw.append((pos, m.start(), BlockKind.PARAGRAPH))
            pos = m.end()
        raw.append((pos, len(text), BlockKind.PARAGRAPH))
    for s, e, kind in raw:
        s, e = max(0, s), min(len(text), e)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e, kind))
    return spans
