"""Publish approved drafts to the targets; every delivery recorded as soon as it is known."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from datetime import datetime

from curator import review
from curator.config import TargetSettings
from curator.core import reviewing
from curator.core._context import Context
from curator.errors import NotFoundError
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
    post goes to each target once, again only when its content changed."""
    return asyncio.run(_publish(ctx, targets, dry_run=dry_run))


def unpublish(ctx: Context, draft_id: int, targets: Sequence[str] = ()) -> list[PublishResult]:
    """Take a published post down everywhere it went (or from the given targets)."""
    return asyncio.run(_publish(ctx, targets, remove=draft_id))


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
    if remove is not None:
        ctx.store.get_draft(remove)  # NotFoundError for an unknown id
    ledger = {(row.draft_id, row.target): row for row in ctx.store.ledger()}
    results: list[PublishResult] = []
    posts: list[Post] = []
    for draft in ctx.store.list_drafts(
        states=(DraftState.APPROVED, DraftState.PUBLISHED), limit=1_000_000
    ):
        draft = reviewing._with_credits(ctx, draft)
        if draft.state is DraftState.APPROVED:
            blocking = set(reviewing._flags_for(ctx, draft, draft.content)) & review.BLOCKING_FLAGS
            if blocking:
                reason = "skipped: " + ", ".join(sorted(f.value for f in blocking))
                results += [
                    PublishResult(target=t.name, draft_id=draft.id, outcome="skipped", error=reason)
                    for t in targets
                ]
                continue
        firsts = [r.published_at for (d, _), r in ledger.items() if d == draft.id]
        posts.append(
            render_post(
                draft,
                published_at=min(firsts, default=now),
                updated_at=draft.updated_at,
                settings=ctx.settings.publish,
            )
        )
    for target in targets:
        results += await _to_target(ctx, target, posts, ledger, now, dry_run, remove)
    if not dry_run and remove is None:
        _mark_published(ctx, posts)
    return results


async def _to_target(
    ctx: Context,
    target: TargetSettings,
    posts: list[Post],
    ledger: dict[tuple[int, str], LedgerRow],
    now: datetime,
    dry_run: bool,
    remove: int | None,
) -> list[PublishResult]:
    def live(post: Post) -> bool:
        row = ledger.get((post.draft_id, target.name))
        return post.draft_id != remove and not (row is not None and row.removed)

    def changed(post: Post) -> bool:
        row = ledger.get((post.draft_id, target.name))
        return row is None or row.error is not None or row.content_hash != post.content_hash

    by_draft = {p.draft_id: p for p in posts}
    writes = asyncio.Lock()

    async def record(result: PublishResult) -> None:
        # Each row is written as soon as its result is known, so a run killed
        # part-way does not send again what a receiver already acknowledged.
        post = by_draft.get(result.draft_id)
        previous = ledger.get((result.draft_id, target.name))
        row = _ledger_row(result, post, previous, now, removing=remove is not None)
        if row is not None:
            async with writes:
                await asyncio.to_thread(ctx.store.record_publication, row)

    wanted = [p for p in posts if live(p)]
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
