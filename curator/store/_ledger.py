"""The publish ledger: the Store's methods for #6 (a mixin of Store)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from curator.model import LedgerRow
from curator.store import tables


class LedgerStore:
    """Publish ledger storage; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    def ledger(
        self, *, targets: Sequence[str] = (), draft_ids: Sequence[int] = ()
    ) -> list[LedgerRow]:
        """Ledger rows, by draft then target."""
        led = tables.publish_ledger
        query = select(led).order_by(led.c.draft_id, led.c.target)
        if targets:
            query = query.where(led.c.target.in_(list(targets)))
        if draft_ids:
            query = query.where(led.c.draft_id.in_(list(draft_ids)))
        with self._transaction("could not read the publish ledger") as conn:
            return [_row(r) for r in conn.execute(query)]

    def record_publication(self, row: LedgerRow) -> None:
        """Insert or replace the ledger row of (draft, target), in one transaction."""
        led = tables.publish_ledger
        values: dict[str, Any] = {
            "remote_id": row.remote_id,
            "remote_url": row.remote_url,
            "content_hash": row.content_hash,
            "outcome": row.outcome,
            "error": row.error,
            "removed": row.removed,
            "published_at": row.published_at,
            "updated_at": row.updated_at,
            "override": row.override,
        }
        action = f"could not record the publication of draft {row.draft_id} to {row.target}"
        with self._transaction(action, write=True) as conn:
            done = conn.execute(
                update(led)
                .where(led.c.draft_id == row.draft_id, led.c.target == row.target)
                .values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(led).values(draft_id=row.draft_id, target=row.target, **values))


def _row(r: Any) -> LedgerRow:
    published_at: datetime = r.published_at
    return LedgerRow(
        draft_id=r.draft_id,
        target=r.target,
        remote_id=r.remote_id,
        remote_url=r.remote_url,
        content_hash=r.content_hash,
        outcome=r.outcome,
        error=r.error,
        published_at=published_at,
        updated_at=r.updated_at,
        removed=r.removed,
        override=r.override,
    )
