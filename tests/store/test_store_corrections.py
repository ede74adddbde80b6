"""Corrections, overrides and history values in the store (#12), on both backends; and
events stored before #12 (field names only) still load."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alembic import command
from sqlalchemy import create_engine
from sqlalchemy import insert
from store.test_store_drafts import T0
from store.test_store_drafts import _create
from store.test_store_drafts import _world

from curator.model import DraftFlag
from curator.model import DraftState
from curator.model import FieldChange
from curator.model import LedgerRow
from curator.model import Override
from curator.review import rules
from curator.store import Store
from curator.store import tables
from curator.store._migrations import alembic_config


def test_a_correction_and_a_forced_approval_round_trip(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0", flags=[DraftFlag.VERBATIM])
    steps = [
        lambda d, now: rules.approve(
            d, by="ana", now=now, expected_version=d.version, force=True, note="checked ✓"
        ),
        lambda d, now: rules.mark_published(d, by="curator", now=now, expected_version=d.version),
        lambda d, now: rules.edit(
            d,
            replace(d.content, headline="Rettet tittel"),
            flags=(),
            by="bjørn",
            now=now,
            expected_version=d.version,
        ),
    ]
    for minutes, step in enumerate(steps, start=1):
        new, event = step(draft, T0 + timedelta(minutes=minutes))
        store.save_draft(new, event, expected_version=draft.version)
        assert store.get_draft(draft.id) == new
        if minutes == 1:
            assert new.override == Override(
                flags=(DraftFlag.VERBATIM,),
                note="checked ✓",
                by="ana",
                at=T0 + timedelta(minutes=1),
            )
            assert store.drafts_to_publish() == [new]
        draft = new
    assert draft.state is DraftState.NEW and draft.override is None
    assert draft.published_content is not None
    assert draft.published_content.headline == "Story a0"
    assert store.drafts_to_publish() == [draft]  # a correction: its post stays online

    history = store.draft_history(draft.id)
    assert history[1].changes == (
        FieldChange(field="state", old="new", new="approved"),
        FieldChange(field="override", old=None, new="verbatim — checked ✓ (by ana)"),
    )
    assert history[3].changes == (
        FieldChange(field="state", old="published", new="new"),
        FieldChange(field="headline", old="Story a0", new="Rettet tittel"),
        FieldChange(field="override", old="verbatim — checked ✓ (by ana)", new=None),
    )


def test_a_ledger_row_keeps_its_override(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    row = LedgerRow(
        draft_id=draft.id,
        target="site",
        remote_id="curator-1",
        remote_url=None,
        content_hash="abc",
        outcome="created",
        error=None,
        published_at=T0,
        updated_at=T0,
        override="budget — a long interview, cleared (by ana)",
    )
    store.record_publication(row)
    assert store.ledger() == [row]
    store.record_publication(replace(row, override=None, outcome="updated"))
    assert store.ledger()[0].override is None


def test_events_stored_before_12_load_with_field_names(store: Store, database_url: str) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(tables.draft_events).values(
                    draft_id=draft.id,
                    at=T0,
                    by="old",
                    action="edited",
                    version=2,
                    changes=["headline", "quotes"],
                    note=None,
                )
            )
    finally:
        engine.dispose()
    old = store.draft_history(draft.id)[-1]
    assert old.changes == (FieldChange(field="headline"), FieldChange(field="quotes"))


def test_upgrade_from_0008_keeps_drafts_events_and_the_ledger(
    empty_store: Store, database_url: str
) -> None:
    """0008 → head: a published draft, its history (field names only) and its ledger
    row load; no correction, no override."""
    at = "'2026-11-25T00:00:00.000000+00:00'"
    content = {
        "headline": "H",
        "summary": "S.",
        "attribution": "",
        "excerpt": "",
        "quotes": [],
    }
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0008")
            conn.exec_driver_sql(
                "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
                " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures,"
                " gone, redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
                " 'https://s.example/feed', true, false, 60, true, true, '[]',"
                f" 'https://s.example/feed', 0, false, 0, {at}, {at})"
            )
            conn.exec_driver_sql(
                "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
                f" last_seen_at) VALUES (7, 's', 'k', 'https://s.example/1', 'h', {at}, {at})"
            )
            d = tables.drafts
            conn.execute(
                insert(d).values(
                    id=3,
                    state="published",
                    version=3,
                    content=content,
                    proposed=None,
                    machine=content,
                    flags=[],
                    source_id="s",
                    entry_id=7,
                    article_id=None,
                    extraction_version="a1",
                    edited=True,
                    story_url="https://s.example/1",
                    signature=None,
                    created_at=T0,
                    updated_at=T0,
                )
            )
            conn.execute(
                insert(tables.draft_events).values(
                    draft_id=3,
                    at=T0,
                    by="ana",
                    action="edited",
                    version=2,
                    changes=["headline"],
                    note=None,
                )
            )
            conn.exec_driver_sql(
                "INSERT INTO publish_ledger (draft_id, target, remote_id, remote_url,"
                " content_hash, outcome, error, removed, published_at, updated_at)"
                f" VALUES (3, 'site', 'curator-3', NULL, 'abc', 'created', NULL, false, {at}, {at})"
            )
    finally:
        engine.dispose()
    empty_store.upgrade()
    draft = empty_store.get_draft(3)
    assert (draft.state, draft.published_content, draft.override) == (
        DraftState.PUBLISHED,
        None,
        None,
    )
    (event,) = empty_store.draft_history(3)
    assert event.changes == (FieldChange(field="headline"),)
    (row,) = empty_store.ledger()
    assert (row.draft_id, row.override) == (3, None)
