"""The copying budget: how much of an article a draft may reproduce (#5, #9).

- **words copied**: every word of the article the draft reproduces — summary,
  attribution line, excerpt and quotes alike. Any run of ``RUN_MIN_WORDS`` or more
  consecutive article words counts, and so does every quote and every passage between
  quotation marks found in the article, however short. A word of the article copied
  twice (a quote that is also in the excerpt) counts once. A quote or quoted passage
  that is not in the article counts in full: it claims to be the source's words.
  Words are compared after ``marks.normalise``, ignoring case and punctuation.
- **budget**: ``min(excerpt_fraction × article words, excerpt_max_words)``
  (``curate:`` in sources.yaml).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence

from curator.config import CurateSettings
from curator.curate.marks import normalise
from curator.model import DraftContent

__all__ = ["RUN_MIN_WORDS", "Copying", "budget_words", "quoted_passages", "words_copied"]

RUN_MIN_WORDS = 4  # shorter runs are names and common phrases ("the State Department")

_WORD_RE = re.compile(r"\w+(?:['.-]\w+)*")
# The quoted passages of a draft's text, in any common style.
_QUOTED_RE = re.compile(r"“([^”]*)”|„([^“”]*)[“”]|«\s?([^»]*?)\s?»|\"([^\"]*)\"")


def quoted_passages(text: str) -> list[str]:
    """The passages between (double) quotation marks in ``text``."""
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED_RE.finditer(text)]


def _tokens(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(normalise(text))]


def budget_words(article_words: int, settings: CurateSettings) -> int:
    """The most words a draft may copy from an article of ``article_words`` words."""
    by_fraction = math.floor(settings.excerpt_fraction * max(article_words, 0) + 1e-9)
    return min(by_fraction, settings.excerpt_max_words)


class Copying:
    """Counts the article words a draft copies (see the module docstring)."""

    def __init__(self, article_text: str) -> None:
        self._words = _tokens(article_text)
        self._runs: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
        self._at: defaultdict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(self._words):
            self._at[word].append(i)
            if i + RUN_MIN_WORDS <= len(self._words):
                self._runs[tuple(self._words[i : i + RUN_MIN_WORDS])].append(i)
        self._parts: dict[tuple[str, bool], tuple[frozenset[int], int]] = {}

    def _match(self, tokens: Sequence[str], i: int, at: int) -> int:
        n = 0
        while (
            i + n < len(tokens)
            and at + n < len(self._words)
            and tokens[i + n] == self._words[at + n]
        ):
            n += 1
        return n

    def _runs_in(self, text: str) -> frozenset[int]:
        tokens = _tokens(text)
        covered: set[int] = set()
        i = 0
        while i + RUN_MIN_WORDS <= len(tokens):
            starts = self._runs.get(tuple(tokens[i : i + RUN_MIN_WORDS]), [])
            best = max(((self._match(tokens, i, at), at) for at in starts), default=(0, 0))
            if best[0] >= RUN_MIN_WORDS:
                covered.update(range(best[1], best[1] + best[0]))
                i += best[0]
            else:
                i += 1
        return frozenset(covered)

    def _passage(self, text: str) -> tuple[frozenset[int], int]:
        """The article words a quoted passage covers, and its words from outside it."""
        tokens = _tokens(text)
        if not tokens:
            return frozenset(), 0
        for at in self._at.get(tokens[0], []):
            if self._match(tokens, 0, at) == len(tokens):
                return frozenset(range(at, at + len(tokens))), 0
        return frozenset(), len(tokens)

    def _part(self, text: str, quote: bool) -> tuple[frozenset[int], int]:
        # build_draft weighs many combinations of the same few texts: each is read once
        key = (text, quote)
        if key not in self._parts:
            if quote:
                self._parts[key] = self._passage(text)
            else:
                covered, outside = set(self._runs_in(text)), 0
                for passage in quoted_passages(text):
                    more, out = self._passage(passage)
                    covered |= more
                    outside += out
                self._parts[key] = (frozenset(covered), outside)
        return self._parts[key]

    def count(self, content: DraftContent) -> int:
        """The words ``content`` copies from the article."""
        return self.count_parts(
            [content.summary, content.attribution, content.excerpt],
            [q.text for q in content.quotes],
        )

    def count_parts(self, texts: Iterable[str], quotes: Iterable[str] = ()) -> int:
        """The words copied by free ``texts`` (runs and their quoted passages) and by
        ``quotes`` (each a passage of the article)."""
        parts = [self._part(t, quote=False) for t in texts if t]
        parts += [self._part(q, quote=True) for q in quotes]
        covered: set[int] = set()
        for words, _ in parts:
            covered |= words
        return len(covered) + sum(outside for _, outside in parts)


def words_copied(content: DraftContent, article_text: str) -> int:
    """The words a draft copies from its article (see the module docstring)."""
    return Copying(article_text).count(content)
