"""Checks of a draft against its article: the flags and their reasons (#5, #9).

- **verbatim**: every quote, the excerpt, and every passage between quotation marks in
  the summary, attribution line and excerpt appear in the article text. Both sides are
  compared after normalising white space, quotation marks (straight, curly, « », „ “,
  ‹ ›) and apostrophes (’ ‘ '), and "…" to "..."; marks, spaces and ``.,;:`` at either
  end of the quoted words are ignored.
- **misquote**: those quoted words are in the article but did not stand inside
  quotation marks (or a block quote) there: indirect speech or the writer's own words
  shown as if they were a speaker's (``marks.MarkedText``).
- **budget**: the words the draft copies from the article (``budget.Copying``: summary,
  attribution, excerpt and quotes) are at most ``budget.budget_words``.
- **no quotes**: the draft quotes nobody.
- **thin**: the excerpt is empty, or the draft has fewer quotes than ``min_quotes``
  while the article has more attributed quotes that the draft does not show elsewhere.

``draft_checks`` gives each finding with its reason and the words concerned;
``check_draft`` only the flags.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.config import CurateSettings
from curator.curate.budget import Copying
from curator.curate.budget import budget_words
from curator.curate.budget import quoted_passages
from curator.curate.marks import MarkedText
from curator.curate.marks import normalise
from curator.curate.ranking import is_known
from curator.curate.ranking import near_duplicate
from curator.curate.text import count_words
from curator.model import Article
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import Quote

__all__ = [
    "available_quotes",
    "budget_words",
    "check_draft",
    "draft_checks",
    "is_verbatim",
    "normalise",
    "quoted_passages",
]

_ORDER = {flag: i for i, flag in enumerate(DraftFlag)}


def _needle(text: str) -> str:
    return normalise(text).rstrip(".,").rstrip()


def is_verbatim(quoted: str, article_text: str) -> bool:
    """Whether ``quoted`` appears in ``article_text`` (normalised as the module says)."""
    needle = _needle(quoted)
    return not needle or needle in normalise(article_text)


def _where(index: int) -> str:
    return f"quote {index + 1}"


def _quote_checks(content: DraftContent, marked: MarkedText) -> list[DraftCheck]:
    """verbatim and misquote: every passage the draft shows inside quotation marks."""
    checks: list[DraftCheck] = []
    passages = [(_where(i), q.text) for i, q in enumerate(content.quotes)]
    for where, field in (
        ("summary", content.summary),
        ("attribution", content.attribution),
        ("excerpt", content.excerpt),
    ):
        passages += [(where, p) for p in quoted_passages(field)]
    excerpt_missing = bool(content.excerpt) and not is_verbatim(content.excerpt, marked.text)
    if excerpt_missing:
        checks.append(
            DraftCheck(
                flag=DraftFlag.VERBATIM,
                reason="the excerpt is not in the article",
                where="excerpt",
                text=content.excerpt,
            )
        )
    for where, passage in passages:
        found, is_marked = marked.find(passage)
        if not found and not (where == "excerpt" and excerpt_missing):
            reason = "quoted words not in the article"
            checks.append(
                DraftCheck(flag=DraftFlag.VERBATIM, reason=reason, where=where, text=passage)
            )
        elif found and not is_marked:
            reason = "in quotation marks here, but not in the source (indirect speech or the writer's words)"
            checks.append(
                DraftCheck(flag=DraftFlag.MISQUOTE, reason=reason, where=where, text=passage)
            )
    return checks


def _located(quote: Quote, text: str) -> tuple[int, int] | None:
    if text[quote.start : quote.end] == quote.text:
        return quote.start, quote.end
    found = text.find(quote.text)
    return (found, found + len(quote.text)) if found >= 0 and quote.text else None


def available_quotes(
    content: DraftContent, marked: MarkedText, quotes: Sequence[Quote]
) -> list[Quote]:
    """The article's attributed quotes (in quotation marks in the source, no near
    duplicates) that the draft does not show in its summary, attribution or excerpt."""
    shown = normalise(" ".join((content.summary, content.attribution, content.excerpt)))
    kept: list[Quote] = []
    for quote in sorted(quotes, key=lambda q: q.start):
        span = _located(quote, marked.text)
        if span is None or not is_known(quote) or not marked.is_marked_span(*span):
            continue
        if normalise(quote.text).strip(" .,;:") in shown:
            continue
        if not any(near_duplicate(quote.text, k.text) for k in kept):
            kept.append(quote)
    return kept


def draft_checks(
    content: DraftContent,
    article: Article | str,
    settings: CurateSettings,
    *,
    quotes: Sequence[Quote] | None = None,
    article_words: int | None = None,
) -> tuple[DraftCheck, ...]:
    """Why a draft is flagged, in DraftFlag order (see the module docstring).

    ``quotes`` are the article's quotes (for thin: without them only the excerpt is
    checked); ``article_words`` defaults to the word count of the article's text.
    """
    text = article if isinstance(article, str) else article.text
    marked = MarkedText(text, () if isinstance(article, str) else article.blocks)
    checks = _quote_checks(content, marked)
    total = count_words(text) if article_words is None else article_words
    budget = budget_words(total, settings)
    copied = Copying(text).count(content)
    if copied > budget:
        reason = (
            f"{copied} words copied from the article; the budget is {budget} "
            f"({settings.excerpt_fraction:.0%} of {total} words, at most "
            f"{settings.excerpt_max_words})"
        )
        checks.append(DraftCheck(flag=DraftFlag.BUDGET, reason=reason))
    if not content.quotes:
        checks.append(DraftCheck(flag=DraftFlag.NO_QUOTES, reason="the draft quotes nobody"))
    if not content.excerpt.strip():
        checks.append(DraftCheck(flag=DraftFlag.THIN, reason="no excerpt", where="excerpt"))
    shown = len(content.quotes)
    if quotes is not None and shown < settings.min_quotes:
        # A draft with fewer voices than min_quotes says so, and says whether the
        # article had more to give (then the budget or the ranking left them out).
        available = len(available_quotes(content, marked, quotes))
        if available > shown:
            reason = (
                f"{shown} of min_quotes {settings.min_quotes} quotes, while the article has "
                f"{available} attributed quotes not shown elsewhere"
            )
        else:
            reason = (
                f"{shown} of min_quotes {settings.min_quotes} quotes: the article has no "
                "more attributed quotes in quotation marks"
            )
        checks.append(DraftCheck(flag=DraftFlag.THIN, reason=reason, where="quotes"))
    return tuple(sorted(checks, key=lambda c: _ORDER[c.flag]))


def check_draft(
    content: DraftContent,
    article: Article | str,
    settings: CurateSettings,
    article_words: int | None = None,
    *,
    quotes: Sequence[Quote] | None = None,
) -> tuple[DraftFlag, ...]:
    """The flags a draft earns against its article (in DraftFlag order)."""
    checks = draft_checks(content, article, settings, quotes=quotes, article_words=article_words)
    return tuple(dict.fromkeys(c.flag for c in checks))
