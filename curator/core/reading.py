"""Read models for the web desk and the CLI: the draft queue, the draft page, source
health and who gets quoted. Each is one or two queries in one read transaction; none
writes. What is derived (why a draft is flagged, the copying budget) is computed
here from the stored article, with the same pure rules as the review."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from curator.core._context import Context
from curator.curate import draft_checks
from curator.curate.budget import Copying
from curator.curate.budget import budget_words
from curator.curate.marks import normalise
from curator.curate.text import count_words
from curator.model import Article
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftFlag
from curator.model import Quote
from curator.readmodels import DraftPage
from curator.readmodels import DraftQuery
from curator.readmodels import QueuePage
from curator.readmodels import SourceHealth
from curator.readmodels import SpeakerQuote
from curator.readmodels import VoicesReport

logger = logging.getLogger(__name__)

#: Why a draft has a flag its content and article no longer explain.
_UNEXPLAINED = {
    DraftFlag.SOURCE_CHANGED: "the source article changed after an edit: "
    "`curator drafts accept-source ID` takes the machine's new version",
}
_STALE_FLAG = "flagged when last saved (the article or the settings have changed since)"

MAX_PAGE = 500  # drafts per queue page at most


def draft_queue(
    ctx: Context,
    query: DraftQuery,
    *,
    starting_after: int | None = None,
    limit: int = 50,
    with_checks: bool = False,
) -> QueuePage:
    limit = max(1, min(limit, MAX_PAGE))
    page = ctx.store.draft_queue(query, starting_after=starting_after, limit=limit)
    if not with_checks:
        return page
    # Why each flagged draft is flagged needs its article: one look-up per flagged row.
    items = tuple(
        replace(item, draft=replace(item.draft, checks=_stored_checks(ctx, item.draft)))
        if item.draft.flags
        else item
        for item in page.items
    )
    return replace(page, items=items)


def _stored_checks(ctx: Context, draft: Draft) -> tuple[DraftCheck, ...]:
    if draft.article_id is None:
        return _checks(ctx, draft, None, ())
    article, quotes = ctx.store.get_article(draft.article_id)
    return _checks(ctx, draft, article, quotes)


def draft_page(ctx: Context, draft_id: int) -> DraftPage:
    page, article = ctx.store.draft_page(draft_id)
    draft = page.draft
    text = article.text if article is not None else ""
    checks = _checks(ctx, draft, article, page.quotes)
    settings = ctx.settings.curate
    return replace(
        page,
        draft=replace(draft, checks=checks),
        quote_checks=_checks_by_quote(draft, checks, page.quotes),
        budget_used=Copying(text).count(draft.content),
        budget_allowed=budget_words(count_words(text), settings),
    )


def _checks(
    ctx: Context, draft: Draft, article: Article | None, quotes: Sequence[Quote]
) -> tuple[DraftCheck, ...]:
    """Why the draft has each of its flags (as `Curator.get_draft` says)."""
    if not draft.flags:
        return ()
    found = draft_checks(draft.content, article or "", ctx.settings.curate, quotes=quotes)
    checks = [c for c in found if c.flag in draft.flags]
    checks += [
        DraftCheck(flag=flag, reason=_UNEXPLAINED.get(flag, _STALE_FLAG))
        for flag in draft.flags
        if not any(c.flag is flag for c in checks)
    ]
    order = list(DraftFlag)
    return tuple(sorted(checks, key=lambda c: order.index(c.flag)))


def _checks_by_quote(
    draft: Draft, checks: tuple[DraftCheck, ...], quotes: tuple[Quote, ...]
) -> dict[int, tuple[DraftCheck, ...]]:
    """The checks of each draft quote ("quote N"), under the index of the extracted
    quote with the same words (so the page marks it in the article)."""
    by_words = {normalise(q.text).strip(" .,;:"): i for i, q in reversed(list(enumerate(quotes)))}
    found: dict[int, list[DraftCheck]] = {}
    for check in checks:
        if not check.where.startswith("quote "):
            continue
        number = check.where.removeprefix("quote ")
        if not number.isdigit() or not 1 <= int(number) <= len(draft.content.quotes):
            continue
        words = normalise(draft.content.quotes[int(number) - 1].text).strip(" .,;:")
        index = by_words.get(words)
        if index is not None:
            found.setdefault(index, []).append(check)
    return {index: tuple(found[index]) for index in sorted(found)}


def source_health(ctx: Context, source_id: str | None = None) -> list[SourceHealth]:
    return ctx.store.source_health(source_id)


def voices(
    ctx: Context,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source_id: str | None = None,
    limit: int = 100,
) -> VoicesReport:
    return ctx.store.voices(since=since, until=until, source_id=source_id, limit=limit)


def speaker_quotes(ctx: Context, speaker: str, *, limit: int = 200) -> list[SpeakerQuote]:
    return ctx.store.speaker_quotes(speaker, limit=limit)
