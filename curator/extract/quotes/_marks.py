"""Pairing of quotation marks into spans, paragraph by paragraph (one linear pass)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARK = re.compile(r"``|'''|''|[\"“”„«»‘’]")
_SPACE = " \t\n\r\u00a0\u202f\u2009"
_OPENERS = {"“": "curly", "„": "low", "«": "guil", "``": "tick", '"': "straight"}
# Which marks close which opening mark.
_CLOSERS = {
    "curly": ("”", '"'),  # mixed typing is common: “… said "
    "low": ("“", "”"),
    "guil": ("»",),
    "tick": ("''", "'''"),
    "twoap": ("''", "'''"),
    "straight": ('"',),
    "single": ("’",),
}
# Marks that re-open a quote at the start of a following paragraph (newswire convention).
_REOPEN = {
    "curly": ("“",),
    "low": ("„",),
    "guil": ("«",),
    "tick": ("``",),
    "twoap": ("''", "``"),
    "straight": ('"',),
}


@dataclass(slots=True)
class Mark:
    """A paired quotation: ``body[start:end]`` is the text without the marks."""

    open_start: int  # the opening mark
    start: int
    end: int
    close_end: int  # just after the closing mark
    first_para: int
    last_para: int
    single: bool = False

    @property
    def multi(self) -> bool:
        return self.last_para > self.first_para


def _opens_here(text: str, pos: int, tok: str) -> bool:
    """A straight or single mark at pos opens a quote (not a stray mark/apostrophe)."""
    after = text[pos + len(tok) : pos + len(tok) + 1]
    if not after or after in _SPACE:
        return False
    before = text[pos - 1] if pos > 0 else " "
    return before in _SPACE or before in "([{—–-/:\u2014"


def find_marks(text: str, paras: list[tuple[int, int]]) -> list[Mark]:
    """Pair quotation marks in each paragraph; carry an unclosed quote into the next
    paragraph when that one re-opens with a mark (one quote spanning paragraphs)."""
    marks: list[Mark] = []
    carried: tuple[str, int, int, int] | None = None  # (style, open_start, start, first_para)
    for pi, (ps, pe) in enumerate(paras):
        state: tuple[str, int, int, int] | None = None
        scan_from = ps
        if carried is not None:
            style = carried[0]
            lead = ps
            while lead < pe and text[lead] in _SPACE:
                lead += 1
            reopen = next((m for m in _REOPEN[style] if text.startswith(m, lead)), None)
            if reopen is not None:
                state = carried
                scan_from = lead + len(reopen)
            carried = None
        weak_close = -1
        for m in _MARK.finditer(text, scan_from, pe):
            tok = m.group()
            pos = m.start()
            if state is None:
                if tok in ("“", "„", "«", "``"):
                    state = (_OPENERS[tok], pos, m.end(), pi)
                elif tok in ('"', "''") and _opens_here(text, pos, tok):
                    state = ("straight" if tok == '"' else "twoap", pos, m.end(), pi)
                elif tok == "‘" and _opens_here(text, pos, tok):
                    state = ("single", pos, m.end(), pi)
                    weak_close = -1
                continue
            style = state[0]
            if tok in _CLOSERS[style]:
                if style == "single":
                    before = text[pos - 1]
                    after = text[pos + 1 : pos + 2]
                    if before in _SPACE:
                        continue
                    if after.isalnum():
                        continue  # don’t, rock’n’roll
                    if (
                        before.isalpha()
                        and after in (" ", "\u00a0")
                        and not _strong_after(text, pos)
                    ):
                        if weak_close < 0:
                            weak_close = pos
                        continue
                close = pos + 1 if tok == "'''" else pos
                close_end = m.end()
                marks.append(_make(text, state, close, close_end, pi, style == "single"))
                state = None
            elif style != "single" and tok == "“" and style == "curly":
                state = ("curly", pos, m.end(), pi)  # the previous “ was never closed
            elif style == "single" and tok in ("“", "„", "«", "``"):
                state = (_OPENERS[tok], pos, m.end(), pi)
        if state is not None:
            if state[0] == "single":
                if weak_close >= 0:
                    marks.append(_make(text, state, weak_close, weak_close + 1, pi, True))
            else:
                carried = state
    return [m for m in marks if m.end > m.start]


def _strong_after(text: str, pos: int) -> bool:
    """‘…’ followed by a speech cue: `‘cruel’ said` - the ’ closes the quote."""
    nxt = text[pos + 2 : pos + 12].split(" ", 1)[0]
    return nxt in ("said", "says", "she", "he", "they", "added", "according")


def _make(
    text: str, state: tuple[str, int, int, int], close: int, close_end: int, pi: int, single: bool
) -> Mark:
    _, open_start, start, first = state
    start, end = trim(text, start, close)
    return Mark(open_start, start, end, close_end, first, pi, single)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip spaces around the quoted text and a trailing comma."""
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if end > start and text[end - 1] == ",":
        end -= 1
        while end > start and text[end - 1] in _SPACE:
            end -= 1
    return start, end
