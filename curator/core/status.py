"""Read-only views of sources and entries."""

from __future__ import annotations

import logging

from curator.core._context import Context
from curator.model import Entry
from curator.model import SourceStatus

logger = logging.getLogger(__name__)


def status(ctx: Context) -> list[SourceStatus]:
    """Per source: counts, last success/error, failures, next due, gone."""
    ctx.store.sync_sources(ctx.settings.sources, now=ctx.clock())
    counts = ctx.store.entry_counts_by_source()
    configured = {source.id: source for source in ctx.settings.sources}
    rows: list[SourceStatus] = []
    for state in ctx.store.list_source_states():
        source = configured.get(state.source_id)
        if source is None:
            continue
        rows.append(
            SourceStatus(
                source_id=state.source_id,
                name=source.name,
                enabled=source.enabled,
                url=state.url,
                entries=counts.get(state.source_id, 0),
                last_success_at=state.last_success_at,
                last_error=state.last_error,
                last_error_at=state.last_error_at,
                consecutive_failures=state.consecutive_failures,
                next_due_at=state.next_due_at,
                gone=state.gone,
            )
        )
    order = {source.id: i for i, source in enumerate(ctx.settings.sources)}
    rows.sort(key=lambda row: order[row.source_id])
    return rows


def list_entries(ctx: Context, *, source_id: str | None = None, limit: int = 100) -> list[Entry]:
    return ctx.store.list_entries(source_id=source_id, limit=limit)


def count_entries(ctx: Context, source_id: str | None = None) -> int:
    return ctx.store.count_entries(source_id)
