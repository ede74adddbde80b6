"""Read-only views of sources and entries."""

from __future__ import annotations

import logging

from curator.core._context import Context
from curator.model import Entry
from curator.model import SourceStatus

logger = logging.getLogger(__name__)


def status(ctx: Context) -> list[SourceStatus]:
    """Per stored source (removed ones aside), by id: counts, last success/error,
    failures, next due, gone. Read from the database alone: sources.yaml is not synced."""
    return ctx.store.source_statuses()


def list_entries(ctx: Context, *, source_id: str | None = None, limit: int = 100) -> list[Entry]:
    return ctx.store.list_entries(source_id=source_id, limit=limit)


def count_entries(ctx: Context, source_id: str | None = None) -> int:
    return ctx.store.count_entries(source_id)
