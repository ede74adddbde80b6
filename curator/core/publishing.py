"""Publish approved drafts to the targets; every delivery recorded as soon as it is known."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime

from curator import review
from curator.config import TargetSettings
from curator.core import reviewing
from curator.core._context import Context
from curator.errors import InvalidTransitionError
from curator.errors import NotFoundError
from curator.errors import StaleVersionError
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftState
from curator.model import LedgerRow
from curator.model import Post
from curator.model import PublishResult
from curator.publish import render_post
from curator.publish import write_static_site
from curator.publish.webhook import deliver_webhooks
from curator.publish.wordpress import publish_to_wordpress

logger = logging.getLogger(__name__)


def publish(
    ctx: Context, targets: Sequence[str] = (), *, dry_run: bool = False
) -> list[PublishResult]:
    """Publish approved drafts (and changed published ones) to the targets; each
    post goes to each target once, again only when its content changed.

    An approved draft whose blocking flags (checked again now) are not the ones its
    approval overrode is sent back to review (state new, with the reason in its
    history) and reported as skipped; a correction keeps its old post online."""
    return asyncio.run(_publish(ctx, targets, dry_run=dry_run))


def unpublish(
    ctx: Context, draft_id: int, targets: Sequence[str] = (), *, by: str, note: str | None = None
) -> list[PublishResult]:
    """Take a post down everywhere it is (or from the given targets). Once it is online
    nowhere the draft is withdrawn (it can be republished); either way the history
    says who took it down from where. Returns the results of this draft only."""
    draft = ctx.store.get_draft(draft_id)  # NotFoundError for an unknown id
    if draft.state is DraftState.WITHDRAWN:
        raise InvalidTransitionError(
            f"draft {draft_id} is withdrawn already (`curator republish {draft_id}` puts it back)",
            draft_id=draft_id,
        )
    configured = [t.name for t in _targets(ctx, ())]
    named = [t.name for t in _targets(ctx, targets)]
    online = _online_targets(ctx, draft_id) & set(configured)
    taking = [name for name in named if name in online]
    # A draft taken down before drafts could be withdrawn is published and online nowhere.
    if not taking and (online or draft.state is not DraftState.PUBLISHED):
        where = f" on {', '.join(named)}" if targets else ""
        raise InvalidTransitionError(
            f"draft {draft_id} is not online{where}: nothing to take down", draft_id=draft_id
        )
    results: list[PublishResult] = []
    if taking:
        results = asyncio.run(_publish(ctx, taking, remove=draft_id))
        results = [r for r in results if r.draft_id == draft_id]
        if any(r.error is not None for r in results):
            return results  # still online there: `unpublish` is tried again
    left = _online_targets(ctx, draft_id) & set(configured)
    parts = [f"taken down from {', '.join(taking)}" if taking else "online nowhere"]
    if left:
        parts.append(f"still online on {', '.join(sorted(left))}")
    if note:
        parts.append(note)
    draft = ctx.store.get_draft(draft_id)
    reviewing._save(
        ctx,
        draft,
        review.withdraw(
            draft,
            by=by,
            now=ctx.clock(),
            expected_version=draft.version,
            note="; ".join(parts),
            everywhere=not left,
        ),
    )
    return results


def _online_targets(ctx: Context, draft_id: int) -> set[str]:
    return {row.target for row in ctx.store.ledger(draft_ids=[draft_id]) if not row.removed}


def publish_status(ctx: Context) -> list[LedgerRow]:
    return ctx.store.ledger()


def _targets(ctx: Context, names: Sequence[str]) -> list[TargetSettings]:
    known = {t.name: t for t in ctx.settings.publish.targets}
    for name in names:
        if name not in known:
            raise NotFoundError(f"no publish target named {name!r}", object_id=name)
    return [t for t in known.values() if not names or t.name in names]


async def _publish(
    ctx: Context, names: Sequence[str], *, dry_run: bool = False, remove: int | None = None
) -> list[PublishResult]:
    now = ctx.clock()
    targets = _targets(ctx, names)
    ledger = {(row.draft_id, row.target): row for row in ctx.store.ledger()}
    results: list[PublishResult] = []
    posts: list[Post] = []
    drafts: dict[int, Draft] = {}  # as rendered, by id
    approved: set[int] = set()  # approved now: every target gets them, taken down or not
    candidates = ctx.store.drafts_to_publish()
    if remove is not None and all(d.id != remove for d in candidates):
        candidates.append(ctx.store.get_draft(remove))
    for draft in candidates:
        shown: DraftContent | None
        if remove is not None:
            # A takedown changes no other post (they stay as they are online); of the
            # post taken down only the slug matters.
            shown = draft.published_content or draft.content
        else:
            checked = _checked(ctx, draft, targets, dry_run=dry_run)
            results += checked.skipped
            draft, shown = checked.draft, checked.shown
            if shown is None:
                continue
            if shown is draft.content and draft.state is DraftState.APPROVED:
                approved.add(draft.id)
        rows = [r for (d, _), r in ledger.items() if d == draft.id]
        if shown is not draft.content:  # a correction under review: what is online stays
            draft = replace(draft, content=shown, override=None)
            updated_at = max((r.updated_at for r in rows), default=now)
        else:
            updated_at = draft.updated_at
        drafts[draft.id] = draft
        posts.append(
            render_post(
                reviewing._with_credits(ctx, draft),
                published_at=min((r.published_at for r in rows), default=now),
                updated_at=updated_at,
                settings=ctx.settings.publish,
            )
        )
    for target in targets:
        results += await _to_target(
            ctx, target, posts, drafts, approved, ledger, now, dry_run, remove
        )
    if not dry_run and remove is None:
        _mark_published(ctx, posts)
    return results


@dataclass(frozen=True, slots=True)
class _Checked:
    draft: Draft  # as it is now (sent back to review when the check failed)
    shown: DraftContent | None  # what the targets should show; None: nothing
    skipped: list[PublishResult]


def _checked(
    ctx: Context, draft: Draft, targets: Sequence[TargetSettings], *, dry_run: bool
) -> _Checked:
    """Check an approved draft again: blocking flags its approval did not override send
    it back to review (unless ``dry_run``) and leave online what was online."""
    if draft.state is DraftState.PUBLISHED:
        return _Checked(draft=draft, shown=draft.content, skipped=[])
    if draft.state is not DraftState.APPROVED:
        return _Checked(draft=draft, shown=draft.published_content, skipped=[])
    flags = reviewing._flags_for(ctx, draft, draft.content)
    overridden = set(draft.override.flags) if draft.override else set()
    blocking = (set(flags) & review.BLOCKING_FLAGS) - overridden
    if not blocking:
        return _Checked(draft=draft, shown=draft.content, skipped=[])
    reason = "sent back to review: " + ", ".join(sorted(f.value for f in blocking))
    skipped = [
        PublishResult(target=t.name, draft_id=draft.id, outcome="skipped", error=reason)
        for t in targets
    ]
    if not dry_run:
        draft = _send_back(ctx, draft, flags, reason)
    return _Checked(draft=draft, shown=draft.published_content, skipped=skipped)


def _send_back(ctx: Context, draft: Draft, flags: Sequence[DraftFlag], reason: str) -> Draft:
    try:
        return reviewing._save(
            ctx,
            draft,
            review.send_back(
                draft, flags=flags, reason=reason, now=ctx.clock(), expected_version=draft.version
            ),
        )
    except StaleVersionError as e:  # a reviewer changed it meanwhile: theirs stands
        logger.info("draft %s changed while it was checked for publishing", draft.id)
        return e.current or ctx.store.get_draft(draft.id)


async def _to_target(
    ctx: Context,
    target: TargetSettings,
    posts: list[Post],
    drafts: dict[int, Draft],
    approved: set[int],
    ledger: dict[tuple[int, str], LedgerRow],
    now: datetime,
    dry_run: bool,
    remove: int | None,
) -> list[PublishResult]:
    def live(post: Post) -> bool:
        # A takedown from this target lasts until the draft is approved again.
        row = ledger.get((post.draft_id, target.name))
        taken_down = row is not None and row.removed
        return post.draft_id != remove and (post.draft_id in approved or not taken_down)

    def changed(post: Post) -> bool:
        row = ledger.get((post.draft_id, target.name))
        return (
            row is None
            or row.error is not None
            or row.removed
            or row.content_hash != post.content_hash
        )

    by_draft = {p.draft_id: p for p in posts}
    writes = asyncio.Lock()

    async def record(result: PublishResult) -> None:
        # Each row is written as soon as its result is known, so a run killed
        # part-way does not send again what a receiver already acknowledged.
        post = by_draft.get(result.draft_id)
        previous = ledger.get((result.draft_id, target.name))
        draft = drafts.get(result.draft_id)
        override = review.override_text(draft.override) if draft else None
        row = _ledger_row(result, post, previous, now, removing=remove is not None)
        if row is not None and not row.removed:
            # An error row keeps what is online, and so the override it went out under.
            kept = previous.override if previous else None
            row = replace(row, override=kept if row.outcome == "error" else override)
        if row is not None:
            async with writes:
                await asyncio.to_thread(ctx.store.record_publication, row)

    def online(post: Post) -> bool:
        row = ledger.get((post.draft_id, target.name))
        return row is not None and not row.removed

    # A takedown rewrites the static site with what is online there now, nothing new.
    wanted = [p for p in posts if live(p) and (remove is None or online(p))]
    todo = (
        [p for p in posts if p.draft_id == remove]
        if remove is not None
        else [p for p in wanted if changed(p)]
    )
    if dry_run:
        return [
            PublishResult(target=target.name, draft_id=p.draft_id, outcome="would publish")
            for p in todo
        ]
    if target.type == "static":
        site_dir = ctx.settings.publish.site_dir or ctx.settings.data_dir / "site"
        results = await asyncio.to_thread(
            write_static_site,
            wanted,
            site_dir=site_dir,
            settings=ctx.settings.publish,
            now=now,
            target=target.name,
        )
        for result in results:
            await record(result)
    elif target.type == "wordpress":
        password_env = target.option("password_env") or "CURATOR_WORDPRESS_PASSWORD"
        results = []
        for item in todo:
            row = ledger.get((item.draft_id, target.name))
            result = await publish_to_wordpress(
                item,
                target=target,
                username=target.option("user") or "",
                app_password=os.environ.get(password_env, ""),
                now=now,
                action="unpublish" if remove is not None else "publish",
                existing_id=row.remote_id if row else None,
            )
            await record(result)
            results.append(result)
    else:
        results = await deliver_webhooks(
            todo,
            target=target,
            env=os.environ,
            action="unpublish" if remove is not None else "publish",
            on_result=record,
        )
    return results


def _mark_published(ctx: Context, posts: list[Post]) -> None:
    """An approved draft is published once every configured target (not only this
    run's) has its current content, as the ledger says."""
    everywhere = {t.name for t in ctx.settings.publish.targets}
    current = {p.draft_id: p.content_hash for p in posts}
    reached: dict[int, set[str]] = {}
    for row in ctx.store.ledger():
        if row.error is None and not row.removed and current.get(row.draft_id) == row.content_hash:
            reached.setdefault(row.draft_id, set()).add(row.target)
    for draft_id, targets in reached.items():
        if not targets >= everywhere:
            continue
        draft = ctx.store.get_draft(draft_id)
        if draft.state is DraftState.APPROVED:
            reviewing._save(
                ctx,
                draft,
                review.mark_published(
                    draft,
                    by=review.MACHINE,
                    now=ctx.clock(),
                    expected_version=draft.version,
                ),
            )


def _ledger_row(
    result: PublishResult,
    post: Post | None,
    previous: LedgerRow | None,
    now: datetime,
    *,
    removing: bool,
) -> LedgerRow | None:
    """The ledger row a result leaves, or None when the ledger already says it."""
    if post is None or result.outcome == "skipped":
        return None
    if result.outcome == "unchanged" and (
        previous is not None
        and previous.error is None
        and previous.content_hash == post.content_hash
    ):
        return None
    first = previous.published_at if previous else now
    if result.error is not None and result.outcome != "deleted":
        if removing:
            return None  # a failed takedown keeps the row: `unpublish` is tried again
        # Keep what is known to be out there (remote id, content) and say what failed;
        # an error row is retried by the next run.
        return LedgerRow(
            draft_id=post.draft_id,
            target=result.target,
            remote_id=previous.remote_id if previous else None,
            remote_url=previous.remote_url if previous else None,
            content_hash=previous.content_hash if previous else post.content_hash,
            outcome="error",
            error=result.error,
            published_at=first,
            updated_at=now,
            removed=previous.removed if previous else False,
        )
    return LedgerRow(
        draft_id=post.draft_id,
        target=result.target,
        remote_id=result.remote_id,
        remote_url=result.remote_url,
        content_hash=post.content_hash,
        outcome=result.outcome,
        error=result.error,
        published_at=first,
        updated_at=now,
        removed=result.outcome == "deleted",
    )
