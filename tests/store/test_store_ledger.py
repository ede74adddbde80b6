"""The publish ledger (both backends)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from store.test_store_drafts import T0
from store.test_store_drafts import _create
from store.test_store_drafts import _world

from curator.model import LedgerRow
from curator.store import Store


def test_record_and_replace_publications(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    row = LedgerRow(
        draft_id=draft.id,
        target="site",
        remote_id="curator-1",
        remote_url="http://localhost/posts/curator-1.html",
        content_hash="abc",
        outcome="created",
        error=None,
        published_at=T0,
        updated_at=T0,
    )
    store.record_publication(row)
    store.record_publication(replace(row, target="hooks", remote_url=None))
    assert store.ledger() == [replace(row, target="hooks", remote_url=None), row]
    later = replace(row, content_hash="def", outcome="updated", updated_at=T0 + timedelta(1))
    store.record_publication(later)
    assert store.ledger(targets=["site"]) == [later]
    assert store.ledger(draft_ids=[draft.id + 1]) == []
    gone = replace(later, removed=True, outcome="deleted")
    store.record_publication(gone)
    assert store.ledger(targets=["site"], draft_ids=[draft.id]) == [gone]
