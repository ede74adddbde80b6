"""Checks of a draft against its article: verbatim quoting and the excerpt budget.

- **verbatim**: every quote text, the excerpt, and each quoted passage of the
  attribution line (the words between quotation marks) appear in the article text.
  Both sides are compared after normalising white space, quotation marks (straight,
  curly, « », „ “, ‹ ›) and apostrophes (’ ‘ '), and "…" to "..."; a trailing ".", ","
  or white space of the quoted words is ignored.
- **budget**: the words quoted from the article (excerpt + quote texts + the
  attribution's quoted words; a word of the article quoted twice counts once) are at most
  ``min(excerpt_fraction × article words, excerpt_max_words)``.
- **no quotes**: the draft quotes nobody.
"""

from __future__ import annotations

import bisect
import math
import re

from curator.config import CurateSettings
from curator.curate.text import count_words
from curator.model import DraftContent
from curator.model import DraftFlag

__all__ = [
    "budget_words",
    "check_draft",
    "is_verbatim",
    "normalise",
    "quoted_passages",
    "words_quoted",
]

_DOUBLE = "“”„‟«»″〝〞＂"
_SINGLE = "‘’‚‛‹›′＇"
_MARKS = str.maketrans({**dict.fromkeys(_DOUBLE, '"'), **dict.fromkeys(_SINGLE, "'")})
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+(?:['’.-]\w+)*")
# The quoted passages of an attribution line, in any common style.
_QUOTED_RE = re.compile(r"“([^”]*)”|„([^“”]*)[“”]|«\s?([^»]*?)\s?»|\"([^\"]*)\"")


def normalise(text: str) -> str:
    """``text`` with one kind of quotation mark and apostrophe, "…" as "...", and
    white space collapsed to single spaces."""
    text = text.translate(_MARKS).replace("…", "...")
    return _SPACE_RE.sub(" ", text).strip()


def _needle(text: str) -> str:
    return normalise(text).rstrip(".,").rstrip()


def is_verbatim(quoted: str, article_text: str) -> bool:
    """Whether ``quoted`` appears in ``article_text`` (normalised as the module says)."""
    needle = _needle(quoted)
    return not needle or needle in normalise(article_text)


def quoted_passages(attribution: str) -> list[str]:
    """The passages between quotation marks in an attribution line."""
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED_RE.finditer(attribution)]


def words_quoted(content: DraftContent, article_text: str | None = None) -> int:
    """The words a draft quotes from its article: excerpt + quotes + attribution's
    quoted words.

    With ``article_text``, a word of the article quoted twice (a quote that is also
    in the excerpt) counts once: the budget limits how much of the source a post
    reproduces. Passages not found in the article count in full.
    """
    passages = [content.excerpt, *(q.text for q in content.quotes)]
    passages += quoted_passages(content.attribution)
    if article_text is None:
        return sum(count_words(p) for p in passages)
    haystack = normalise(article_text)
    starts = [m.start() for m in _WORD_RE.finditer(haystack)]
    covered: set[int] = set()
    outside = 0
    for passage in passages:
        needle = _needle(passage)
        if not needle:
            continue
        at = haystack.find(needle)
        if at < 0:
            outside += count_words(passage)
            continue
        first = bisect.bisect_left(starts, at)
        last = bisect.bisect_left(starts, at + len(needle))
        covered.update(range(first, last))
    return len(covered) + outside


def budget_words(article_words: int, settings: CurateSettings) -> int:
    """The most words a draft may quote from an article of ``article_words`` words."""
    by_fraction = math.floor(settings.excerpt_fraction * max(article_words, 0) + 1e-9)
    return min(by_fraction, settings.excerpt_max_words)


def check_draft(
    content: DraftContent,
    article_text: str,
    settings: CurateSettings,
    article_words: int | None = None,
) -> tuple[DraftFlag, ...]:
    """The flags a draft earns against its article (in DraftFlag order).

    ``article_words`` defaults to the word count of ``article_text``.
    """
    flags: list[DraftFlag] = []
    haystack = normalise(article_text)
    quoted = [q.text for q in content.quotes]
    quoted += [content.excerpt, *quoted_passages(content.attribution)]
    if any(_needle(q) and _needle(q) not in haystack for q in quoted):
        flags.append(DraftFlag.VERBATIM)
    total = count_words(article_text) if article_words is None else article_words
    if words_quoted(content, article_text) > budget_words(total, settings):
        flags.append(DraftFlag.BUDGET)
    if not content.quotes:
        flags.append(DraftFlag.NO_QUOTES)
    return tuple(flags)
