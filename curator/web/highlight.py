"""The source article cut into plain and quoted runs, for the draft page.

Each quote's offsets index the stored article text (``text[start:end]`` is the quote),
so the article is shown as it was extracted, with each quote marked where it stands.
The runs are data for the template: Jinja escapes every one of them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of the article; ``quote_index`` is set on a quoted run."""

    text: str
    quote_index: int | None = None
    quote: Any = None
    unknown_speaker: bool = False
    failed: tuple[Any, ...] = ()  # the checks this quote failed

    @property
    def title(self) -> str:
        """Speaker and confidence, for the mark's tooltip."""
        if self.quote is None:
            return ""
        speaker = self.quote.speaker or "unknown speaker"
        line = f"{speaker} — confidence {self.quote.confidence:.2f}"
        for check in self.failed:
            line += f"\n{check.flag}: {check.reason}"
        return line


def article_runs(
    text: str, quotes: Sequence[Any], quote_checks: Mapping[int, Sequence[Any]]
) -> list[Run]:
    """``text`` as runs; a quote whose offsets are out of range, or overlap an earlier
    one, is left unmarked (it still shows in the quote list)."""
    runs: list[Run] = []
    at = 0
    for index, quote in sorted(enumerate(quotes), key=lambda pair: (pair[1].start, pair[0])):
        start, end = quote.start, quote.end
        if start < at or end <= start or end > len(text):
            continue
        if start > at:
            runs.append(Run(text[at:start]))
        runs.append(
            Run(
                text[start:end],
                quote_index=index,
                quote=quote,
                unknown_speaker=not quote.speaker or str(quote.speaker_kind) == "unknown",
                failed=tuple(quote_checks.get(index, ())),
            )
        )
        at = end
    if at < len(text):
        runs.append(Run(text[at:]))
    return runs


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` as runs: ("=", same), ("-", removed), ("+", added), word by word."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("+", "".join(b[j1:j2])))
    return runs


def link(url: str | None) -> str:
    """``url`` when it is http(s), for an href; anything else (``javascript:``, ``data:``)
    becomes a harmless "#"."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return "#"
