"""Curate: one draft per story from each extracted entry (filters, tombstones, dedup)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from curator import review
from curator.core._context import Context
from curator.core._context import get_source
from curator.curate import StorySignature
from curator.curate import build_draft
from curator.curate import check_draft
from curator.curate import decide_entry
from curator.curate import signature_from_json
from curator.curate import story_url_of
from curator.errors import CuratorError
from curator.errors import NotFoundError
from curator.extract.pipeline import EXTRACTION_VERSION
from curator.model import Draft
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import EntryToDraft
from curator.model import Extraction
from curator.model import Source

logger = logging.getLogger(__name__)

#: How far back a new story is compared with earlier drafts for "the same story".
DEDUP_WINDOW = timedelta(days=7)


def curate(ctx: Context, source_ids: Sequence[str] = ()) -> list[Draft]:
    """Make a draft of every extracted article that has none (one per story):
    filters drop what they must (with the reason), the same story from another
    source is credited as "also reported by" instead of drafted again.

    Each entry is one unit of work (decided without I/O, applied in one transaction);
    an entry that fails is logged and left for the next run, and the others go on.
    """
    for source_id in source_ids:
        get_source(ctx, source_id)
    sources = {source.id: source for source in ctx.settings.sources}
    # Earlier stories, newest first, loaded once per run; each new draft joins them.
    candidates = [
        (draft_id, candidate_url, signature_from_json(raw))
        for draft_id, candidate_url, raw in ctx.store.recent_story_candidates(
            ctx.clock() - DEDUP_WINDOW
        )
    ]
    created: list[Draft] = []
    for item in ctx.store.entries_needing_drafts(source_ids=source_ids, limit=10_000):
        source = sources.get(item.source_id)
        if source is None:
            continue
        try:
            draft = curate_entry(ctx, item, source, candidates)
        except CuratorError as e:
            logger.warning("%s: entry %s not curated: %s", item.source_id, item.entry_id, e)
            continue
        if draft is not None:
            created.append(draft)
    return created


def curate_entry(
    ctx: Context,
    item: EntryToDraft,
    source: Source,
    candidates: list[tuple[int, str, StorySignature]],
) -> Draft | None:
    """Curate one entry: read, decide (pure), apply (one transaction)."""
    entry = ctx.store.get_entry(item.entry_id)
    article, quotes = ctx.store.get_article(item.article_id)
    if article is None:
        return None
    _, story_url = story_url_of(article, entry)
    intent, signature = decide_entry(
        entry=entry,
        article=article,
        article_id=item.article_id,
        quotes=quotes,
        source=source,
        settings=ctx.settings.curate,
        tombstoned=ctx.store.is_tombstoned(source.id, entry.key, story_url),
        candidates=candidates,
        extraction_version=EXTRACTION_VERSION,
    )
    draft = ctx.store.apply_curation(intent, now=ctx.clock())
    if draft is not None and signature is not None:
        candidates.insert(0, (draft.id, story_url, signature))
    return draft


def _refresh_draft(ctx: Context, entry_id: int, extraction: Extraction) -> None:
    """A re-extracted article updates its draft; a human edit is never overwritten
    (the new version waits as a proposal, flagged source_changed)."""
    source = {s.id: s for s in ctx.settings.sources}
    try:
        draft = ctx.store.get_draft_by_entry(entry_id)
    except NotFoundError:
        return
    if extraction.article is None or draft.source_id not in source:
        return
    entry = ctx.store.get_entry(entry_id)
    content = build_draft(
        article=extraction.article,
        quotes=extraction.quotes,
        entry=entry,
        source=source[draft.source_id],
        settings=ctx.settings.curate,
    )
    # Changed only if the machine would now make something else than it made last
    # time: a human edit of the content is not a change of the source.
    if content == (draft.machine or draft.content) or content == draft.proposed:
        return
    keeps = draft.edited or draft.state in (DraftState.PUBLISHED, DraftState.REJECTED)
    flags = check_draft(
        draft.content if keeps else content,
        extraction.article,
        ctx.settings.curate,
        quotes=extraction.quotes,
    )
    after, event = review.source_changed(
        draft,
        content,
        flags=flags,
        now=ctx.clock(),
        extraction_version=extraction.version,
    )
    ctx.store.save_draft(after, event, expected_version=draft.version)


def list_dropped(
    ctx: Context, source_ids: Sequence[str] = (), limit: int = 100
) -> list[DroppedEntry]:
    for source_id in source_ids:
        get_source(ctx, source_id)
    return ctx.store.list_dropped(source_ids=source_ids, limit=limit)
