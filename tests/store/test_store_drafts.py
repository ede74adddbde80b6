"""Drafts, history, also-reported links, tombstones and dropped entries (both backends)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from curator.errors import DraftError
from curator.errors import NotFoundError
from curator.errors import StaleVersionError
from curator.errors import StoreError
from curator.model import Article
from curator.model import Credit
from curator.model import CreditEntry
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import DropEntry
from curator.model import Extraction
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import NewDraft
from curator.model import PageFetch
from curator.model import Source
from curator.model import Tombstone
from curator.review import rules
from curator.store import Store
from curator.store._drafts import content_from_json
from curator.store._drafts import content_to_json

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))

CONTENT = DraftContent(
    headline="Søren Ødegård: “Det holder” — 港の壁",
    summary="Bystyret godkjente planen. Arbeidet starter i mai.",
    attribution="Søren Ødegård told Bergens Tidende that “it will hold”",
    excerpt="“Det holder,” sa han. 🚢",
    quotes=(
        DraftQuote(text="Det holder", speaker="Søren Ødegård", cue="sa", outlet="BT"),
        DraftQuote(text="no speaker"),
    ),
    source_url="https://bt.example/havn?x=1&y=ü",
    outlet="Bergens Tidende",
    published_at=datetime(2026, 11, 24, 23, 30, 15, 123456, tzinfo=CEST),
    tags=("havn", "bystyre"),
    also_reported_by=(Credit(outlet="Aftenposten", url="https://ap.example/1"),),
)


def _world(store: Store) -> dict[str, int]:
    """Sources a and b; entries a0..a3 and b0..b1 (first seen an hour apart, in that
    order); every entry but a3 has an extracted article (a3's extraction failed).
    Returns entry ids by key, and article ids by "art:<key>"."""
    sources = [
        Source(id="a", url="https://a.example/feed", name="A", outlet="Avis Ålesund"),
        Source(id="b", url="https://b.example/feed", name="B", outlet="B News"),
    ]
    store.sync_sources(sources, now=T0)
    ids: dict[str, int] = {}
    for hour, (source_id, key) in enumerate(
        [("a", "a0"), ("a", "a1"), ("b", "b0"), ("a", "a2"), ("b", "b1"), ("a", "a3")]
    ):
        now = T0 + timedelta(hours=hour)
        entry = FeedEntry(key=key, link=f"https://{source_id}.example/{key}", content_hash="h")
        attempt = FetchAttempt(
            source_id=source_id, started_at=now, duration=timedelta(0), outcome=FetchOutcome.OK
        )
        store.apply_fetch(store.get_source_state(source_id), attempt, [entry], now=now)
        (stored,) = store.list_entries(source_id=source_id, limit=1)
        ids[key] = stored.id
        page = PageFetch(url=f"https://{source_id}.example/{key}", entry_id=stored.id, body=b"x")
        extraction = None
        if key != "a3":
            article = Article(text=f"Body of {key}.", canonical_url=f"https://canon/{key}")
            extraction = Extraction(article=article, version="a1+q1")
        ids[f"art:{key}"] = store.save_article(page, extraction, now=now)
    return ids


def _create(
    store: Store, ids: dict[str, int], key: str, *, now: datetime = T0, **kwargs: object
) -> Draft:
    values: dict[str, object] = {
        "content": replace(CONTENT, headline=f"Story {key}"),
        "source_id": key[0],
        "entry_id": ids[key],
        "article_id": ids[f"art:{key}"],
        "story_url": f"https://{key[0]}.example/{key}",
        "now": now,
    }
    values.update(kwargs)
    return store.create_draft(**values)  # type: ignore[arg-type]


# -- drafts -----------------------------------------------------------------------------


def test_create_and_get_round_trip(store: Store) -> None:
    ids = _world(store)
    created = store.create_draft(
        content=CONTENT,
        source_id="a",
        entry_id=ids["a0"],
        article_id=ids["art:a0"],
        extraction_version="a1+q1",
        flags=[DraftFlag.BUDGET, DraftFlag.VERBATIM],
        story_url="https://a.example/a0",
        signature={"shingles": [1, 2, 3], "title": "søren"},
        now=T0.astimezone(CEST),
    )
    expected = Draft(
        id=created.id,
        state=DraftState.NEW,
        version=1,
        content=CONTENT,
        flags=(DraftFlag.BUDGET, DraftFlag.VERBATIM),
        source_id="a",
        entry_id=ids["a0"],
        article_id=ids["art:a0"],
        extraction_version="a1+q1",
        edited=False,
        proposed=None,
        machine=CONTENT,  # what the machine made: kept to tell source changes from edits
        created_at=T0,
        updated_at=T0,
    )
    assert created == expected
    got = store.get_draft(created.id)
    assert got == expected
    assert got.created_at.tzinfo is UTC
    published_at = got.content.published_at
    assert published_at is not None and published_at.utcoffset() == timedelta(0)
    assert published_at == CONTENT.published_at
    assert store.get_draft_by_entry(ids["a0"]) == expected
    (event,) = store.draft_history(created.id)
    assert (event.action, event.version, event.by, event.at) == ("created", 1, "curator", T0)
    assert store.recent_story_candidates(T0) == [
        (created.id, "https://a.example/a0", {"shingles": [1, 2, 3], "title": "søren"})
    ]


def test_content_json_round_trip_and_old_rows() -> None:
    data = content_to_json(CONTENT)
    assert data["published_at"] == "2026-11-24T21:30:15.123456+00:00"
    assert content_from_json(data) == CONTENT
    minimal = {"headline": "h", "summary": "s", "attribution": "a", "excerpt": "e", "new": 1}
    assert content_from_json(minimal) == DraftContent(
        headline="h", summary="s", attribution="a", excerpt="e"
    )


def test_unknown_draft_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="^no draft with id 12$") as info:
        store.get_draft(12)
    assert info.value.object_id == "12"
    with pytest.raises(NotFoundError, match="^no draft with id 12$"):
        store.draft_history(12)
    with pytest.raises(NotFoundError, match="^no draft for entry 3$"):
        store.get_draft_by_entry(3)


def test_one_draft_per_entry(store: Store) -> None:
    ids = _world(store)
    first = _create(store, ids, "a0")
    with pytest.raises(DraftError, match=f"entry {ids['a0']} already belongs to draft {first.id}"):
        _create(store, ids, "a0")
    store.add_also_reported(first.id, "b", ids["b0"], "B News", "https://b.example/b0")
    with pytest.raises(DraftError, match=f"already belongs to draft {first.id}"):
        _create(store, ids, "b0")
    assert [d.id for d in store.list_drafts()] == [first.id]


def test_naive_datetimes_are_refused(store: Store) -> None:
    ids = _world(store)
    with pytest.raises(StoreError, match="naive datetime"):
        _create(store, ids, "a0", now=datetime(2026, 11, 25))
    naive = replace(CONTENT, published_at=datetime(2026, 11, 25))
    with pytest.raises(StoreError, match="naive datetime"):
        _create(store, ids, "a0", content=naive)
    assert store.list_drafts() == []


def test_save_draft_and_history(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0", flags=[DraftFlag.NO_QUOTES])
    steps: list[Callable[[Draft, datetime], tuple[Draft, DraftEvent]]] = [
        lambda d, now: rules.approve(d, by="ana", now=now, expected_version=d.version),
        lambda d, now: rules.source_changed(d, replace(d.content, summary="m"), flags=(), now=now),
        lambda d, now: rules.edit(
            d,
            replace(d.content, headline="Ny tittel ✓", tags=()),
            flags=[DraftFlag.VERBATIM],
            by="bjørn",
            now=now,
            expected_version=d.version,
            note="kortere",
        ),
        lambda d, now: rules.source_changed(d, replace(d.content, excerpt="x"), flags=(), now=now),
    ]
    for minutes, step in enumerate(steps, start=1):
        new, event = step(draft, T0 + timedelta(minutes=minutes))
        store.save_draft(new, event, expected_version=draft.version)
        assert store.get_draft(draft.id) == new
        draft = new
    assert draft.proposed is not None and draft.edited
    assert draft.flags == (DraftFlag.SOURCE_CHANGED,)
    history = store.draft_history(draft.id)
    assert [(e.action, e.version, e.by) for e in history] == [
        ("created", 1, "curator"),
        ("approved", 2, "ana"),
        ("source_changed", 3, "curator"),
        ("edited", 4, "bjørn"),
        ("source_changed", 5, "curator"),
    ]
    assert [c.field for c in history[3].changes] == ["headline", "tags"]
    assert history[3].changes[0].new == "Ny tittel ✓"
    assert history[3].note == "kortere"
    assert [e.at for e in history] == [T0 + timedelta(minutes=m) for m in range(5)]


def test_save_draft_can_replace_the_story(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0", signature=[1])
    new, event = rules.source_changed(draft, replace(CONTENT, summary="m"), flags=(), now=T0)
    store.save_draft(new, event, expected_version=1, story=("https://canon/a0", None))
    assert store.recent_story_candidates(T0) == [(draft.id, "https://canon/a0", None)]
    # None is stored as SQL NULL (not JSON null), so "IS NULL" finds it
    with store._transaction("test") as conn:
        query = "SELECT count(*) FROM drafts WHERE proposed IS NULL AND signature IS NULL"
        assert conn.exec_driver_sql(query).scalar() == 1


def test_two_reviewers_cannot_overwrite_each_other(store: Store, database_url: str) -> None:
    ids = _world(store)
    created = _create(store, ids, "a0")
    with Store(database_url) as other:
        mine = store.get_draft(created.id)
        theirs = other.get_draft(created.id)
        approved, event = rules.approve(mine, by="ana", now=T0, expected_version=mine.version)
        store.save_draft(approved, event, expected_version=mine.version)
        edited, event = rules.edit(
            theirs,
            replace(theirs.content, headline="mine!"),
            flags=(),
            by="ben",
            now=T0,
            expected_version=theirs.version,
        )
        with pytest.raises(StaleVersionError, match="it is at version 2, not 1") as info:
            other.save_draft(edited, event, expected_version=theirs.version)
        assert info.value.draft_id == created.id
        assert info.value.current == approved  # a face shows the newer version
        assert other.get_draft(created.id) == approved
    assert [e.action for e in store.draft_history(created.id)] == ["created", "approved"]


def test_save_draft_refusals(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    new, event = rules.approve(draft, by="ana", now=T0, expected_version=1)
    with pytest.raises(ValueError, match="does not match"):
        store.save_draft(new, replace(event, version=3), expected_version=1)
    with pytest.raises(ValueError, match="not after"):
        store.save_draft(new, event, expected_version=2)
    ghost, ghost_event = rules.approve(replace(draft, id=999), by="a", now=T0, expected_version=1)
    with pytest.raises(NotFoundError, match="no draft with id 999"):
        store.save_draft(ghost, ghost_event, expected_version=1)
    assert store.get_draft(draft.id) == draft


def test_list_drafts_filters(store: Store) -> None:
    ids = _world(store)
    drafts = {
        key: _create(store, ids, key, now=T0 + timedelta(hours=hour))
        for hour, key in enumerate(["a0", "b0", "a1", "b1"])
    }
    rejected, event = rules.reject(drafts["a1"], by="ana", now=T0, expected_version=1)
    store.save_draft(rejected, event, expected_version=1)

    def keys(found: list[Draft]) -> list[str]:
        by_id = {d.id: key for key, d in drafts.items()}
        return [by_id[d.id] for d in found]

    assert keys(store.list_drafts()) == ["b1", "a1", "b0", "a0"]
    assert keys(store.list_drafts(limit=2)) == ["b1", "a1"]
    assert keys(store.list_drafts(states=[DraftState.NEW])) == ["b1", "b0", "a0"]
    assert keys(store.list_drafts(states=[DraftState.REJECTED, DraftState.APPROVED])) == ["a1"]
    assert keys(store.list_drafts(source_ids=["a"])) == ["a1", "a0"]
    assert keys(store.list_drafts(since=T0 + timedelta(hours=1))) == ["b1", "a1", "b0"]
    assert keys(store.list_drafts(states=[DraftState.NEW], source_ids=["b"], limit=1)) == ["b1"]
    assert store.list_drafts(states=[DraftState.PUBLISHED]) == []
    candidates = store.recent_story_candidates(T0 + timedelta(hours=2))
    assert [c[0] for c in candidates] == [drafts["b1"].id, drafts["a1"].id]


# -- also reported, tombstones, dropped, work to do --------------------------------------


def test_also_reported(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    other = _create(store, ids, "a1")
    store.add_also_reported(draft.id, "b", ids["b0"], "B News", "https://b.example/b0")
    store.add_also_reported(draft.id, "b", ids["b0"], "B News", "https://b.example/b0")
    store.add_also_reported(draft.id, "a", ids["a2"], "Avis Ålesund", "https://a.example/a2")
    assert store.list_also_reported(draft.id) == [
        Credit(outlet="B News", url="https://b.example/b0"),
        Credit(outlet="Avis Ålesund", url="https://a.example/a2"),
    ]
    assert store.list_also_reported(other.id) == []
    with pytest.raises(DraftError, match=f"already belongs to draft {draft.id}"):
        store.add_also_reported(other.id, "b", ids["b0"], "B News", "https://b.example/b0")
    with pytest.raises(DraftError, match=f"primary entry of draft {other.id}"):
        store.add_also_reported(draft.id, "a", ids["a1"], "A", "https://a.example/a1")
    with pytest.raises(NotFoundError, match="no draft with id 999"):
        store.add_also_reported(999, "b", ids["b1"], "B News", "https://b.example/b1")
    assert [t.entry_id for t in store.entries_needing_drafts()] == [ids["b1"]]


def test_tombstones(store: Store) -> None:
    ids = _world(store)
    assert not store.is_tombstoned("a", "a0", "https://a.example/a0")
    store.add_tombstone(source_id="a", key="a0", reason="rejected", now=T0)
    store.add_tombstone(url="https://canon/b0", reason="deleted by the outlet", now=T0)
    store.add_tombstone(source_id="b", url="https://b.example/b1", reason="rejected", now=T0)
    assert store.is_tombstoned("a", "a0", None)
    assert store.is_tombstoned("a", "a0", "https://elsewhere")
    assert not store.is_tombstoned("b", "a0", None)  # keys are per source
    assert store.is_tombstoned("a", "zz", "https://canon/b0")  # URLs match in any source
    assert not store.is_tombstoned("a", None, None)
    assert [t.entry_id for t in store.entries_needing_drafts()] == [ids["a1"], ids["a2"]]
    with pytest.raises(ValueError, match="needs the source_id"):
        store.add_tombstone(key="a0", reason="x", now=T0)
    with pytest.raises(ValueError, match="an entry key or a URL"):
        store.add_tombstone(source_id="a", reason="x", now=T0)


def test_dropped_entries(store: Store) -> None:
    ids = _world(store)
    store.record_dropped(ids["a0"], "a", "blocked: title matches 'sport'", T0)
    store.record_dropped(ids["b0"], "b", "too short (12 words)", T0 + timedelta(minutes=1))
    store.record_dropped(ids["a0"], "a", "older than 7 days", T0 + timedelta(minutes=2))
    dropped = store.list_dropped()
    assert [(d.entry_id, d.source_id, d.reason, d.at) for d in dropped] == [
        (ids["a0"], "a", "older than 7 days", T0 + timedelta(minutes=2)),
        (ids["b0"], "b", "too short (12 words)", T0 + timedelta(minutes=1)),
    ]
    assert dropped[0].url == "https://a.example/a0"
    assert [d.entry_id for d in store.list_dropped(source_ids=["b"])] == [ids["b0"]]
    assert len(store.list_dropped(limit=1)) == 1
    assert [t.entry_id for t in store.entries_needing_drafts()] == [
        ids["a1"],
        ids["a2"],
        ids["b1"],
    ]


def test_entries_needing_drafts(store: Store) -> None:
    ids = _world(store)
    todo = store.entries_needing_drafts()
    # first seen first; a3's extraction failed
    assert [(t.entry_id, t.source_id, t.article_id) for t in todo] == [
        (ids[key], key[0], ids[f"art:{key}"]) for key in ["a0", "a1", "b0", "a2", "b1"]
    ]
    assert [t.entry_id for t in store.entries_needing_drafts(limit=2)] == [ids["a0"], ids["a1"]]
    assert [t.entry_id for t in store.entries_needing_drafts(source_ids=["b"])] == [
        ids["b0"],
        ids["b1"],
    ]
    _create(store, ids, "a1")
    assert ids["a1"] not in [t.entry_id for t in store.entries_needing_drafts()]


def test_errors_are_store_errors_without_a_schema(empty_store: Store) -> None:
    with pytest.raises(StoreError, match="could not read draft 1: .*curator db upgrade"):
        empty_store.get_draft(1)
    with pytest.raises(StoreError, match="could not find the entries needing drafts"):
        empty_store.entries_needing_drafts()


# -- curating one entry: one transaction, unique keys decide races (#11) -----------------


def _new_draft(ids: dict[str, int], key: str, story_url: str) -> NewDraft:
    return NewDraft(
        entry_id=ids[key],
        source_id=key[0],
        article_id=ids[f"art:{key}"],
        content=replace(CONTENT, headline=f"Story {key}"),
        flags=(DraftFlag.THIN,),
        story_url=story_url,
        outlet=f"Outlet {key[0]}",
        url=f"https://{key[0]}.example/{key}",
        extraction_version="a1+q1",
        signature={"k": key},
    )


def test_apply_curation_new_draft_drop_and_credit(store: Store) -> None:
    ids = _world(store)
    draft = store.apply_curation(_new_draft(ids, "a0", "https://story/1"), now=T0)
    assert draft is not None and draft.entry_id == ids["a0"] and draft.flags == (DraftFlag.THIN,)
    assert [e.action for e in store.draft_history(draft.id)] == ["created"]
    credit = CreditEntry(
        draft_id=draft.id, entry_id=ids["b0"], source_id="b", outlet="B News", url="https://b/0"
    )
    assert store.apply_curation(credit, now=T0) is None
    assert store.list_also_reported(draft.id) == [Credit(outlet="B News", url="https://b/0")]
    drop = DropEntry(entry_id=ids["a1"], source_id="a", reason="too short")
    assert store.apply_curation(drop, now=T0) is None
    assert [d.reason for d in store.list_dropped()] == ["too short"]
    assert {e.entry_id for e in store.entries_needing_drafts()} == {ids["a2"], ids["b1"]}


def test_a_second_process_curating_the_same_entry_is_a_skip(store: Store) -> None:
    ids = _world(store)
    first = store.apply_curation(_new_draft(ids, "a0", "https://story/1"), now=T0)
    again = store.apply_curation(_new_draft(ids, "a0", "https://story/1"), now=T0)
    assert first is not None and again is None
    assert len(store.list_drafts()) == 1


def test_the_same_story_from_another_entry_is_credited_not_drafted_twice(store: Store) -> None:
    """Two processes both decided "new draft" for one story URL: the second insert loses
    on the unique key and becomes an "also reported by" of the first draft."""
    ids = _world(store)
    first = store.apply_curation(_new_draft(ids, "a0", "https://story/1"), now=T0)
    second = store.apply_curation(_new_draft(ids, "b0", "https://story/1"), now=T0)
    assert first is not None and second is None
    assert [d.id for d in store.list_drafts()] == [first.id]
    assert store.list_also_reported(first.id) == [
        Credit(outlet="Outlet b", url="https://b.example/b0")
    ]


def test_stories_without_a_url_are_not_forced_together(store: Store) -> None:
    ids = _world(store)
    assert store.apply_curation(_new_draft(ids, "a0", ""), now=T0) is not None
    assert store.apply_curation(_new_draft(ids, "b0", ""), now=T0) is not None
    assert len(store.list_drafts()) == 2


def test_the_unique_story_key_holds_without_the_check(store: Store) -> None:
    """The database refuses a second draft of one story URL even when the code's own
    check is skipped (create_draft does not look)."""
    ids = _world(store)
    _create(store, ids, "a0", story_url="https://story/1")
    with pytest.raises(StoreError):
        _create(store, ids, "b0", story_url="https://story/1")


def test_a_rejection_and_its_tombstone_are_one_transaction(store: Store) -> None:
    ids = _world(store)
    draft = _create(store, ids, "a0")
    rejected, event = rules.reject(draft, by="ana", now=T0, expected_version=1)
    broken = Tombstone(reason="x", key="a0")  # a key without its source: refused
    with pytest.raises(ValueError):
        store.save_draft(rejected, event, expected_version=1, tombstone=broken)
    assert store.get_draft(draft.id) == draft  # nothing of the rejection was kept
    assert [e.action for e in store.draft_history(draft.id)] == ["created"]
    tombstone = Tombstone(reason="rejected", source_id="a", key="a0", url="https://story/0")
    store.save_draft(rejected, event, expected_version=1, tombstone=tombstone)
    assert store.get_draft(draft.id).state is DraftState.REJECTED
    assert store.is_tombstoned("a", "a0", None) and store.is_tombstoned(
        "b", None, "https://story/0"
    )
