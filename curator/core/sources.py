"""The sources in the database: sources.yaml applied to it, and which of them to fetch.

The database holds the sources. sources.yaml is applied to it explicitly (`curator
sources sync`, `db upgrade`, the daemon at start), never as a side effect of fetch
or status: two nodes with different files cannot flip sources on and off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from curator.core._context import Context
from curator.errors import NotFoundError
from curator.model import Source
from curator.model import SourceChanges


def sync_sources(ctx: Context) -> SourceChanges:
    """Apply sources.yaml to the database: add, update, mark removed (kept with entries)."""
    return ctx.store.sync_sources(ctx.settings.sources, now=ctx.clock())


def select_sources(ctx: Context, source_ids: Sequence[str]) -> list[Source]:
    """The stored sources to fetch: the given ids, or every enabled one.

    The database says which sources exist and are enabled, and their URL, interval and
    flags. What it does not hold (filters, allow_private_networks, adaptive_interval)
    comes from the file's source of the same id (adaptive_interval: else `defaults:`).
    """
    stored = {source.id: source for source in ctx.store.list_sources()}
    configured = {source.id: source for source in ctx.settings.sources}

    def resolve(source_id: str) -> Source:
        source = stored.get(source_id)
        if source is None:
            if source_id in configured:
                raise NotFoundError(
                    f"source {source_id!r} is in {ctx.settings.sources_path} but not in the"
                    " database yet: run `curator sources sync`",
                    object_id=source_id,
                )
            raise NotFoundError(f"no source with id {source_id!r}", object_id=source_id)
        own = configured.get(source_id)
        if own is None:
            return replace(source, adaptive_interval=ctx.settings.defaults.adaptive_interval)
        return replace(
            source,
            filters=own.filters,
            allow_private_networks=own.allow_private_networks,
            adaptive_interval=own.adaptive_interval,
            line=own.line,
        )

    if source_ids:
        return [resolve(source_id) for source_id in dict.fromkeys(source_ids)]
    # In the file's order (reports come in it), then the stored sources it lacks.
    ordered = [*(i for i in configured if i in stored), *(i for i in stored if i not in configured)]
    return [resolve(source_id) for source_id in ordered if stored[source_id].enabled]
