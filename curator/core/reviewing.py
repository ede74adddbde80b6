"""Review use cases: the pure rules of curator.review applied with a version check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from curator import review
from curator.core._context import Context
from curator.core._context import get_source
from curator.curate import check_draft
from curator.curate import draft_checks
from curator.curate import normalise_url
from curator.curate import parse_markdown
from curator.curate import render_markdown
from curator.errors import DraftError
from curator.errors import NotFoundError
from curator.errors import StaleVersionError
from curator.model import Article
from curator.model import BulkResult
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftState
from curator.model import Quote
from curator.model import Tombstone

logger = logging.getLogger(__name__)

#: Why a draft has a flag that its content and article no longer explain.
_FLAG_REASONS = {
    DraftFlag.SOURCE_CHANGED: "the source article changed after an edit: "
    "`curator drafts accept-source ID` takes the machine's new version",
}
_STALE_FLAG = "flagged when last saved (the article or the settings have changed since)"


def list_drafts(
    ctx: Context,
    *,
    states: Sequence[DraftState] = (),
    source_ids: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 100,
) -> list[Draft]:
    for source_id in source_ids:
        get_source(ctx, source_id)
    drafts = ctx.store.list_drafts(states=states, source_ids=source_ids, since=since, limit=limit)
    return [_with_checks(ctx, _with_credits(ctx, draft)) for draft in drafts]


def get_draft(ctx: Context, draft_id: int) -> Draft:
    return _with_checks(ctx, _with_credits(ctx, ctx.store.get_draft(draft_id)))


def _with_checks(ctx: Context, draft: Draft) -> Draft:
    """Why the draft has each of its flags (computed when read: not stored)."""
    if not draft.flags:
        return draft
    article, quotes = _article_of(ctx, draft)
    found = draft_checks(draft.content, article or "", ctx.settings.curate, quotes=quotes)
    checks = [c for c in found if c.flag in draft.flags]
    checks += [
        DraftCheck(flag=flag, reason=_FLAG_REASONS.get(flag, _STALE_FLAG))
        for flag in draft.flags
        if not any(c.flag is flag for c in checks)
    ]
    order = list(DraftFlag)
    return replace(draft, checks=tuple(sorted(checks, key=lambda c: order.index(c.flag))))


def _with_credits(ctx: Context, draft: Draft) -> Draft:
    """ "Also reported by" comes from the stories merged into this one."""
    credits = ctx.store.list_also_reported(draft.id)
    if not credits:
        return draft
    known = {(c.outlet, c.url) for c in draft.content.also_reported_by}
    extra = tuple(c for c in credits if (c.outlet, c.url) not in known)
    content = replace(draft.content, also_reported_by=draft.content.also_reported_by + extra)
    return replace(draft, content=content)


def draft_markdown(ctx: Context, draft_id: int) -> str:
    return render_markdown(get_draft(ctx, draft_id))


def draft_history(ctx: Context, draft_id: int) -> list[DraftEvent]:
    return ctx.store.draft_history(draft_id)


@contextmanager
def _current_on_stale(ctx: Context, draft_id: int) -> Iterator[None]:
    """A StaleVersionError carries the draft as it is now, for a face to show."""
    try:
        yield
    except StaleVersionError as e:
        if e.current is None:
            e.current = ctx.store.get_draft(draft_id)
        e.current = _with_checks(ctx, _with_credits(ctx, e.current))
        raise


def check_editable(ctx: Context, draft_id: int) -> Draft:
    """The draft, if a person may edit it now (InvalidTransitionError otherwise): the
    CLI asks before it opens an editor."""
    draft = get_draft(ctx, draft_id)
    review.check_editable(draft)
    return draft


def approve(
    ctx: Context,
    draft_id: int,
    *,
    by: str,
    note: str | None = None,
    force: bool = False,
    version: int | None = None,
) -> Draft:
    """Approve a draft. ``version`` (default: the current one) guards against
    approving something another reviewer changed meanwhile."""
    with _current_on_stale(ctx, draft_id):
        draft = ctx.store.get_draft(draft_id)
        expected = draft.version if version is None else version
        return _save(
            ctx,
            draft,
            review.approve(
                draft, by=by, now=ctx.clock(), expected_version=expected, note=note, force=force
            ),
        )


def reject(
    ctx: Context, draft_id: int, *, by: str, note: str | None = None, version: int | None = None
) -> Draft:
    """Reject a draft; its story stays gone when the feed shows it again."""
    with _current_on_stale(ctx, draft_id):
        draft = ctx.store.get_draft(draft_id)
        expected = draft.version if version is None else version
        change = review.reject(draft, by=by, now=ctx.clock(), expected_version=expected, note=note)
        entry = ctx.store.get_entry(draft.entry_id)
        tombstone = Tombstone(
            reason=f"draft {draft_id} rejected by {by}",
            source_id=draft.source_id,
            key=entry.key,
            url=normalise_url(draft.content.source_url) if draft.content.source_url else None,
        )
        # The rejection and its tombstone are one unit of work: both or neither.
        return _save(ctx, draft, change, tombstone=tombstone)


def approve_many(
    ctx: Context, draft_ids: Sequence[int], *, by: str, note: str | None = None
) -> list[BulkResult]:
    """Approve each draft; a refused one is reported and the others go on."""
    return [
        _bulk(ctx, draft_id, lambda i: approve(ctx, i, by=by, note=note)) for draft_id in draft_ids
    ]


def reject_many(
    ctx: Context, draft_ids: Sequence[int], *, by: str, note: str | None = None
) -> list[BulkResult]:
    """Reject each draft; a refused one is reported and the others go on."""
    return [
        _bulk(ctx, draft_id, lambda i: reject(ctx, i, by=by, note=note)) for draft_id in draft_ids
    ]


def _bulk(ctx: Context, draft_id: int, action: Callable[[int], Draft]) -> BulkResult:
    try:
        return BulkResult(draft_id=draft_id, ok=True, draft=action(draft_id))
    except NotFoundError as e:
        return BulkResult(draft_id=draft_id, ok=False, error=e.message, error_kind="not_found")
    except StaleVersionError as e:
        return BulkResult(
            draft_id=draft_id, ok=False, error=e.message, draft=e.current, error_kind="stale"
        )
    except DraftError as e:
        return BulkResult(
            draft_id=draft_id,
            ok=False,
            error=e.message,
            draft=get_draft(ctx, draft_id),
            error_kind="refused",
        )


def reopen(ctx: Context, draft_id: int, *, by: str, note: str | None = None) -> Draft:
    draft = ctx.store.get_draft(draft_id)
    return _save(
        ctx,
        draft,
        review.reopen(draft, by=by, now=ctx.clock(), expected_version=draft.version, note=note),
    )


def republish(
    ctx: Context,
    draft_id: int,
    *,
    by: str,
    note: str | None = None,
    force: bool = False,
    version: int | None = None,
) -> Draft:
    """A withdrawn draft approved again: the next `publish` puts it back online."""
    with _current_on_stale(ctx, draft_id):
        draft = ctx.store.get_draft(draft_id)
        expected = draft.version if version is None else version
        return _save(
            ctx,
            draft,
            review.republish(
                draft, by=by, now=ctx.clock(), expected_version=expected, note=note, force=force
            ),
        )


def edit_draft(
    ctx: Context,
    draft_id: int,
    markdown: str,
    *,
    by: str,
    note: str | None = None,
    version: int | None = None,
) -> Draft:
    """Replace a draft's content with an edited Markdown version.

    The version the edit was based on is ``version``, else the front matter's: an
    edit of a draft that changed meanwhile is refused (StaleVersionError, with the
    current draft). Flags (verbatim check, budget) are computed again on the new
    content. A published draft becomes a correction (its post stays online until
    the correction is approved and published)."""
    with _current_on_stale(ctx, draft_id):
        return _edit(ctx, draft_id, markdown, by=by, note=note, version=version)


def _edit(
    ctx: Context, draft_id: int, markdown: str, *, by: str, note: str | None, version: int | None
) -> Draft:
    expected, content = parse_markdown(markdown)
    if version is not None:
        expected = version
    draft = ctx.store.get_draft(draft_id)
    review.check_editable(draft)
    # Credits of merged stories are derived (shown, not stored): leave them out.
    derived = set(ctx.store.list_also_reported(draft_id))
    content = replace(
        content,
        also_reported_by=tuple(c for c in content.also_reported_by if c not in derived),
    )
    flags = _flags_for(ctx, draft, content)
    return _save(
        ctx,
        draft,
        review.edit(
            draft,
            content,
            flags=flags,
            by=by,
            now=ctx.clock(),
            expected_version=expected,
            note=note,
        ),
    )


def accept_proposed(ctx: Context, draft_id: int, *, by: str) -> Draft:
    """Take the machine's new version of a draft whose source changed."""
    draft = ctx.store.get_draft(draft_id)
    flags = _flags_for(ctx, draft, draft.proposed) if draft.proposed else None
    return _save(
        ctx,
        draft,
        review.accept_proposed(
            draft, by=by, now=ctx.clock(), expected_version=draft.version, flags=flags
        ),
    )


def _article_of(ctx: Context, draft: Draft) -> tuple[Article | None, Sequence[Quote]]:
    if draft.article_id is None:
        return None, ()
    return ctx.store.get_article(draft.article_id)


def _flags_for(ctx: Context, draft: Draft, content: DraftContent) -> tuple[DraftFlag, ...]:
    article, quotes = _article_of(ctx, draft)
    return check_draft(content, article or "", ctx.settings.curate, quotes=quotes)


def _save(
    ctx: Context,
    before: Draft,
    change: tuple[Draft, DraftEvent],
    *,
    tombstone: Tombstone | None = None,
) -> Draft:
    after, event = change
    ctx.store.save_draft(after, event, expected_version=before.version, tombstone=tombstone)
    return _with_checks(ctx, _with_credits(ctx, after))
