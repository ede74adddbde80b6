"""Which words of an article stood inside quotation marks: honest quotation marks (#9).

A draft may put inside quotation marks only words that were inside quotation marks in
the source, or in a block-quoted paragraph or embedded post (a ``blockquote`` or
``tweet`` block). ``MarkedText`` finds those regions once per article:

- double marks pair per paragraph: “…”, «…», „…“ (or „…”), and straight "…" (a
  straight mark opens only before a word and after a space, bracket or dash);
- single marks inside them, or on their own, pair as ‘…’ and '…' — but a ’ or ' between
  two letters is an apostrophe (don’t, we're), never a closing mark;
- a double quotation left open at the end of a paragraph continues when the next
  paragraph opens with a double mark (the newswire convention for a quote over
  several paragraphs); otherwise it ends with its paragraph.

Passages are looked up after ``checks.normalise`` (one kind of mark, "…" as "...",
white space collapsed), so a straight-quoted source and a curly-quoted draft agree.
The quote engine pairs marks too, but curate may not import extract: this is the
small pass the check needs, on any text an editor writes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from curator.model import Block
from curator.model import BlockKind

__all__ = ["MarkedText", "normalise", "normalise_with_offsets"]

_DOUBLE = "“”„‟«»″〝〞＂"
_SINGLE = "‘’‚‛‹›′＇"
_TRANSLATE = str.maketrans({**dict.fromkeys(_DOUBLE, '"'), **dict.fromkeys(_SINGLE, "'")})
_SPACE_RE = re.compile(r"\s+")
_PARAGRAPH_RE = re.compile(r"(?:(?!\n[ \t]*\n)[\s\S])+")
_DOUBLE_OPEN = {"“": '”"', "«": "»", "„": "“”", '"': '"'}
_SINGLE_OPEN = {"‘": "’'", "'": "'", "‹": "›"}
_OPEN_CONTEXT = " \t\n([{—–-/:"
_MARKED_BLOCKS = (BlockKind.BLOCKQUOTE, BlockKind.TWEET)
_EDGE = " \"'.,;:"


def normalise(text: str) -> str:
    """``text`` with one kind of quotation mark and apostrophe, "…" as "...", and
    white space collapsed to single spaces."""
    text = text.translate(_TRANSLATE).replace("…", "...")
    return _SPACE_RE.sub(" ", text).strip()


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` and, for each of its characters, its offset in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                offsets.append(i)
            in_space = True
            continue
        in_space = False
        if ch == "…":
            chars += "..."
            offsets += [i, i, i]
        else:
            chars.append(ch.translate(_TRANSLATE))
            offsets.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


def _opens(text: str, pos: int, end: int) -> bool:
    """A straight or single mark at ``pos`` opens a quotation (it is not an apostrophe)."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + 1] if pos + 1 < end else " "
    return before in _OPEN_CONTEXT and not after.isspace()


def _closes_single(text: str, pos: int, end: int) -> bool:
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + 1] if pos + 1 < end else " "
    return not before.isspace() and not (before.isalnum() and after.isalnum())


def _quoted_regions(text: str) -> list[tuple[int, int]]:
    """Offsets of the text between paired quotation marks (see the module docstring).

    An opening mark never closed is dropped (a stray mark, an inch sign), unless it is a
    double mark carried into a paragraph that opens with one.
    """
    regions: list[tuple[int, int]] = []
    carried: tuple[str, int] | None = None  # an open double quotation: (mark, content start)
    for paragraph in _PARAGRAPH_RE.finditer(text):
        start, end = paragraph.start(), paragraph.end()
        stack: list[tuple[str, int]] = []
        pos = start
        while pos < end and text[pos].isspace():
            pos += 1
        if carried is not None and pos < end and text[pos] in _DOUBLE_OPEN:
            stack.append(carried)
            pos += 1
        carried = None
        for i in range(pos, end):
            if not _close(text, i, end, stack, regions):
                _open(text, i, end, stack)
        if stack and stack[0][0] in _DOUBLE_OPEN:
            carried = stack[0]
    return regions


def _close(
    text: str, i: int, end: int, stack: list[tuple[str, int]], regions: list[tuple[int, int]]
) -> bool:
    """Close the innermost quotation the mark at ``i`` closes (and any single left open
    inside it); whether it closed one."""
    ch = text[i]
    for depth in range(len(stack) - 1, -1, -1):
        mark = stack[depth][0]
        double = mark in _DOUBLE_OPEN
        closers = _DOUBLE_OPEN[mark] if double else _SINGLE_OPEN[mark]
        if ch in closers and (double or _closes_single(text, i, end)):
            regions.extend((content_start, i) for _, content_start in stack[depth:])
            del stack[depth:]
            return True
        if double:
            return False  # a single mark never closes past an open double one
    return False


def _open(text: str, i: int, end: int, stack: list[tuple[str, int]]) -> None:
    ch = text[i]
    if ch in "“«„" or (ch == '"' and _opens(text, i, end)):
        # A second opening double mark: the first was never closed.
        del stack[next((d for d, (m, _) in enumerate(stack) if m in _DOUBLE_OPEN), len(stack)) :]
        stack.append((ch, i + 1))
    elif ch in "‘‹" or (ch == "'" and _opens(text, i, end)):
        stack.append((ch, i + 1))


class MarkedText:
    """An article's text and where it had quotation marks or block quotes."""

    def __init__(self, text: str, blocks: Sequence[Block] = ()) -> None:
        self.text = text
        regions = _quoted_regions(text)
        regions += [(b.start, b.end) for b in blocks if b.kind in _MARKED_BLOCKS]
        self._regions = sorted(regions)
        self._starts = [s for s, _ in self._regions]
        self.normalised, self._offsets = normalise_with_offsets(text)

    def is_marked_span(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` lies inside one quotation or block quote."""
        last = bisect.bisect_right(self._starts, start)
        return any(end <= e for _, e in self._regions[:last])

    def find(self, passage: str) -> tuple[bool, bool]:
        """(found, marked): whether ``passage`` is in the text (as ``checks.normalise``
        compares), and whether one of its occurrences stood inside quotation marks.
        Marks, spaces and ``.,;:`` at either end of the passage are ignored."""
        needle = normalise(passage).strip(_EDGE)
        if not needle:
            return True, True
        haystack = self.normalised
        found = False
        at = haystack.find(needle)
        while at >= 0:
            stop = at + len(needle)
            if _bounded(haystack, at, stop, needle):
                found = True
                if self.is_marked_span(self._offsets[at], self._offsets[stop - 1] + 1):
                    return True, True
            at = haystack.find(needle, at + 1)
        return found, False

    def is_marked(self, passage: str) -> bool:
        """Whether ``passage`` stood inside quotation marks (or a block quote)."""
        return self.find(passage)[1]


def _bounded(haystack: str, start: int, stop: int, needle: str) -> bool:
    """The occurrence does not begin or end inside a word."""
    if needle[0].isalnum() and start > 0 and haystack[start - 1].isalnum():
        return False
    return not (needle[-1].isalnum() and stop < len(haystack) and haystack[stop].isalnum())
