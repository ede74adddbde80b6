"""Read models (#12): the draft queue (keyset paging, filters, full-text search), the
draft page, source health and who gets quoted — through the facade, on SQLite and on
PostgreSQL, with the data written by the store as the pipeline writes it.

The world (`_world`): sources a and b; drafts made in this order, an hour apart:

- a0 (new): article A, whose quotes are Ana Ruiz's “will open in May”, Ben Ode's
  indirect speech and an unattributed “We will see”; the draft also quotes words that
  are not in the article (verbatim) and shows Ode's indirect speech in quotation marks
  (misquote); tags transport, city; b2 reported the story too;
- a1 (approved, published to "site"): two quotes by Ana Ruiz; tag city;
- b0 (rejected): “Élection à Genève”, a quote by Ben Ode;
- b1 (new): a quote by Ben Ode.

Entry a2's article page failed (HTTP 503, permanently) and a3 was dropped by a filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from curator import Curator
from curator import NotFoundError
from curator import StoreError
from curator.config import default_settings
from curator.curate import check_draft
from curator.model import Article
from curator.model import Credit
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import Extraction
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import LedgerRow
from curator.model import PageFetch
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind
from curator.readmodels import DraftQuery
from curator.readmodels import QueuePage
from curator.store import Store

T0 = datetime(2031, 5, 2, 9, 0, tzinfo=UTC)

TEXT_A = (
    "Mayor Ana Ruiz said the bridge “will open in May”.\n\n"
    "Councillor Ben Ode said the council had no money left.\n\n"
    "“We will see,” a resident said."
)


def _quote(text: str, body: str, speaker: str | None, kind: QuoteKind) -> Quote:
    start = body.index(text)
    return Quote(
        text=text,
        speaker=speaker,
        speaker_kind=SpeakerKind.PERSON if speaker else SpeakerKind.UNKNOWN,
        cue="said",
        kind=kind,
        start=start,
        end=start + len(text),
        confidence=0.9 if speaker else 0.2,
    )


QUOTES_A = (
    _quote("will open in May", TEXT_A, "Ana Ruiz", QuoteKind.PARTIAL),
    _quote("the council had no money left", TEXT_A, "Ben Ode", QuoteKind.INDIRECT),
    _quote("We will see,", TEXT_A, None, QuoteKind.DIRECT),
)


@dataclass
class World:
    facade: Curator
    store: Store
    ids: dict[str, int]  # draft ids by entry key, and entry ids under "entry:<key>"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    with Store(database_url) as store:
        store.upgrade()
        settings = default_settings(database_url=database_url, data_dir=tmp_path, env={})
        facade = Curator(settings, store, clock=lambda: T0 + timedelta(days=1))
        yield World(facade=facade, store=store, ids=_world(facade, store))


def _world(facade: Curator, store: Store) -> dict[str, int]:
    sources = [
        Source(id="a", url="https://a.example/feed", name="Alpha", outlet="Alpha Post"),
        Source(id="b", url="https://b.example/feed", name="Beta", outlet="Beta News"),
    ]
    store.sync_sources(sources, now=T0)
    ids: dict[str, int] = {}
    for source_id, keys in (("a", ["a0", "a1", "a2", "a3"]), ("b", ["b0", "b1", "b2"])):
        entries = [
            FeedEntry(key=k, link=f"https://{source_id}.example/{k}", title=f"Entry {k}")
            for k in keys
        ]
        attempt = FetchAttempt(
            source_id=source_id, started_at=T0, duration=timedelta(0), outcome=FetchOutcome.OK
        )
        store.apply_fetch(store.get_source_state(source_id), attempt, entries, now=T0)
        for entry in store.list_entries(source_id=source_id):
            ids[f"entry:{entry.key}"] = entry.id

    def article(key: str, text: str, quotes: tuple[Quote, ...]) -> int:
        page = PageFetch(
            url=f"https://{key[0]}.example/{key}",
            entry_id=ids[f"entry:{key}"],
            body=text.encode(),
        )
        extraction = Extraction(article=Article(text=text), quotes=quotes, version="t")
        return store.save_article(page, extraction, now=T0)

    text_a1 = "Ana Ruiz said “the budget is approved” and “work starts now”."
    text_b0 = "Ben Ode said “the count goes on” in Genève."
    text_b1 = "Ben Ode said “nothing to report” today."
    made = [
        (
            "a0",
            DraftContent(
                headline="Bridge to open in May, mayor says",
                summary="The harbour bridge is nearly finished.",
                attribution="Mayor Ana Ruiz said the bridge “will open in May”.",
                excerpt="Councillor Ben Ode said the council had no money left.",
                quotes=(
                    DraftQuote(text="will open in May", speaker="Ana Ruiz"),
                    DraftQuote(text="the council had no money left", speaker="Ben Ode"),
                    DraftQuote(text="invented words", speaker="Nobody"),
                ),
                tags=("transport", "city"),
            ),
            TEXT_A,
            QUOTES_A,
        ),
        (
            "a1",
            DraftContent(
                headline="Harbour budget approved",
                summary="The council approved the harbour budget.",
                attribution="",
                excerpt="",
                quotes=(DraftQuote(text="the budget is approved", speaker="Ana Ruiz"),),
                tags=("city",),
            ),
            text_a1,
            (
                _quote("the budget is approved", text_a1, "Ana Ruiz", QuoteKind.PARTIAL),
                _quote("work starts now", text_a1, "Ana Ruiz", QuoteKind.PARTIAL),
            ),
        ),
        (
            "b0",
            DraftContent(
                headline="Élection à Genève",
                summary="Les bureaux de vote ont fermé.",
                attribution="",
                excerpt="",
                quotes=(DraftQuote(text="the count goes on", speaker="Ben Ode"),),
            ),
            text_b0,
            (_quote("the count goes on", text_b0, "Ben Ode", QuoteKind.PARTIAL),),
        ),
        (
            "b1",
            DraftContent(
                headline="Quiet day at the port",
                summary="Nothing happened.",
                attribution="",
                excerpt="",
                quotes=(DraftQuote(text="nothing to report", speaker="Ben Ode"),),
            ),
            text_b1,
            (_quote("nothing to report", text_b1, "Ben Ode", QuoteKind.PARTIAL),),
        ),
    ]
    for hour, (key, content, text, quotes) in enumerate(made):
        article_id = article(key, text, quotes)
        flags = check_draft(content, Article(text=text), facade.settings.curate, quotes=quotes)
        draft = store.create_draft(
            content=content,
            source_id=key[0],
            entry_id=ids[f"entry:{key}"],
            article_id=article_id,
            story_url=f"https://{key[0]}.example/{key}",
            flags=flags,
            now=T0 + timedelta(hours=hour),
        )
        ids[key] = draft.id
    _set_state(store, ids["a1"], DraftState.APPROVED)
    _set_state(store, ids["b0"], DraftState.REJECTED)
    store.record_publication(
        LedgerRow(
            draft_id=ids["a1"],
            target="site",
            remote_id="harbour-budget-approved",
            remote_url="https://site.example/harbour-budget-approved",
            content_hash="c1",
            outcome="created",
            error=None,
            published_at=T0 + timedelta(hours=5),
            updated_at=T0 + timedelta(hours=5),
        )
    )
    store.add_also_reported(ids["a0"], "b", ids["entry:b2"], "Beta News", "https://b.example/b2")
    failed = PageFetch(
        url="https://a.example/a2", entry_id=ids["entry:a2"], http_status=503, error="HTTP 503"
    )
    store.save_article(failed, None, now=T0)
    store.record_dropped(ids["entry:a3"], "a", "blocked: title matches 'sport'", T0)
    return ids


def _set_state(store: Store, draft_id: int, state: DraftState) -> None:
    draft = store.get_draft(draft_id)
    at = draft.updated_at + timedelta(minutes=1)
    changed = replace(draft, state=state, version=draft.version + 1, updated_at=at)
    event = DraftEvent(
        draft_id=draft_id, at=at, by="editor", action=str(state), version=changed.version
    )
    store.save_draft(changed, event, expected_version=draft.version)


def _counts(**counts: int) -> dict[str, int]:
    """Drafts per state: every state is there, most with none."""
    return {state.value: counts.get(state.value, 0) for state in DraftState}


def _keys(world: World, page: QueuePage) -> list[str]:
    by_id = {v: k for k, v in world.ids.items() if not k.startswith("entry:")}
    return [by_id[item.draft.id] for item in page.items]


# -- the queue ------------------------------------------------------------------------


def test_queue_is_newest_first_with_counts_and_queue_items(world: World) -> None:
    page = world.facade.draft_queue()
    assert _keys(world, page) == ["b1", "b0", "a1", "a0"]
    assert page.next_after is None
    assert page.counts == _counts(new=2, approved=1, rejected=1)
    a0 = page.items[-1]
    assert (a0.source_name, a0.quote_count, a0.speakers) == ("Alpha", 3, ("Ana Ruiz", "Ben Ode"))
    assert a0.draft.flags == (DraftFlag.VERBATIM, DraftFlag.MISQUOTE, DraftFlag.BUDGET)
    assert a0.draft.checks == ()  # why: on the draft page, or asked for
    assert a0.draft.content.also_reported_by == (
        Credit(outlet="Beta News", url="https://b.example/b2"),
    )
    checked = world.facade.draft_queue(with_checks=True).items[-1].draft
    assert [(c.flag, c.where) for c in checked.checks] == [
        (DraftFlag.VERBATIM, "quote 3"),
        (DraftFlag.MISQUOTE, "quote 2"),
        (DraftFlag.BUDGET, ""),
    ]
    assert a0.draft.content.tags == ("transport", "city")


def test_keyset_paging_walks_every_draft_once(world: World) -> None:
    seen: list[str] = []
    after: int | None = None
    pages = 0
    while True:
        page = world.facade.draft_queue(starting_after=after, limit=3)
        seen += _keys(world, page)
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert (seen, pages) == (["b1", "b0", "a1", "a0"], 2)
    # A full last page says so: no empty page after it.
    assert world.facade.draft_queue(limit=4).next_after is None
    assert world.facade.draft_queue(limit=2).next_after == world.ids["b0"]


def test_counts_leave_out_the_state_filter_only(world: World) -> None:
    page = world.facade.draft_queue(DraftQuery(states=(DraftState.NEW,), source_ids=("a",)))
    assert _keys(world, page) == ["a0"]
    assert page.counts["new"] == 1 and page.counts["approved"] == 1
    assert page.counts["rejected"] == 0  # b0 is of source b


FILTERS = [
    (DraftQuery(states=(DraftState.APPROVED, DraftState.REJECTED)), ["b0", "a1"]),
    (DraftQuery(source_ids=("b",)), ["b1", "b0"]),
    (DraftQuery(flags=(DraftFlag.MISQUOTE,)), ["a0"]),
    (DraftQuery(flags=(DraftFlag.THIN,)), ["b1", "b0", "a1"]),  # no excerpt
    (DraftQuery(flags=(DraftFlag.MISQUOTE, DraftFlag.THIN)), ["b1", "b0", "a1", "a0"]),
    (DraftQuery(flags=(DraftFlag.NO_QUOTES,)), []),
    (DraftQuery(tags=("city",)), ["a1", "a0"]),
    (DraftQuery(tags=("transport", "nope")), ["a0"]),
    (DraftQuery(speaker="Ben Ode"), ["b1", "b0", "a0"]),
    (DraftQuery(speaker="ben ode"), []),  # a speaker is a name, as the voices list it
    (DraftQuery(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)), ["b0", "a1"]),
    (DraftQuery(speaker="Ben Ode", source_ids=("a",), tags=("city",)), ["a0"]),
]


def test_queue_filters(world: World) -> None:
    found = [(query, _keys(world, world.facade.draft_queue(query))) for query, _ in FILTERS]
    assert found == FILTERS


SEARCHES = [
    ("bridge", ["a0"]),  # headline
    ("BRID", ["a0"]),  # a word prefix, any case
    ("harbour", ["a1", "a0"]),  # summary (a0) and headline (a1)
    ("harbour nearly", ["a0"]),  # every word
    ("invented", ["a0"]),  # a quote's words
    ("ruiz", ["a1", "a0"]),  # a quote's speaker
    ("genève", ["b0"]),
    ("count goes", ["b0"]),
    ("“budget” — approved!", ["a1"]),  # punctuation is not searched for
    ("zebra", []),
    ("?!", ["b1", "b0", "a1", "a0"]),  # no words: no search
]


def test_full_text_search(world: World) -> None:
    found = [
        (search, _keys(world, world.facade.draft_queue(DraftQuery(search=search))))
        for search, _ in SEARCHES
    ]
    assert found == SEARCHES


def test_search_counts_and_paging(world: World) -> None:
    page = world.facade.draft_queue(DraftQuery(search="harbour"), limit=1)
    assert _keys(world, page) == ["a1"]
    assert page.counts == _counts(new=1, approved=1)
    rest = world.facade.draft_queue(DraftQuery(search="harbour"), starting_after=page.next_after)
    assert _keys(world, rest) == ["a0"]


def test_search_follows_edits_in_the_same_transaction(world: World) -> None:
    """The index is the database's: a saved draft is found by its new words at once,
    and no longer by its old ones."""
    draft = world.store.get_draft(world.ids["b1"])
    content = replace(draft.content, headline="Storm closes the ferry")
    at = draft.updated_at + timedelta(minutes=1)
    edited = replace(draft, content=content, version=draft.version + 1, updated_at=at)
    event = DraftEvent(draft_id=draft.id, at=at, by="ed", action="edited", version=edited.version)
    world.store.save_draft(edited, event, expected_version=draft.version)
    assert _keys(world, world.facade.draft_queue(DraftQuery(search="ferry"))) == ["b1"]
    assert _keys(world, world.facade.draft_queue(DraftQuery(search="quiet"))) == []


def test_postgresql_search_uses_its_index(world: World) -> None:
    """The queue's search expression is the one migration 0010 indexed."""
    from sqlalchemy import text

    from curator.store._reading import PG_SEARCH_DOCUMENT

    if world.store.path is not None:
        pytest.skip("PostgreSQL only (SQLite searches its FTS5 table)")
    with world.store._transaction("explain") as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                text(
                    f"EXPLAIN SELECT id FROM drafts WHERE {PG_SEARCH_DOCUMENT}"
                    " @@ to_tsquery('simple', 'bridge:*')"
                )
            )
        )
    assert "ix_drafts_search" in plan


# -- the draft page --------------------------------------------------------------------


def test_draft_page(world: World) -> None:
    page = world.facade.draft_page(world.ids["a0"])
    assert page.draft.id == world.ids["a0"]
    assert page.article_text == TEXT_A
    assert page.quotes == QUOTES_A
    for quote in page.quotes:
        assert TEXT_A[quote.start : quote.end] == quote.text
    assert page.source is not None and (page.source.id, page.source.name) == ("a", "Alpha")
    assert page.entry_url == "https://a.example/a0"
    # The misquote is Ode's indirect speech (extracted quote 1); "invented words" match
    # no extracted quote: its check is the draft's only.
    assert {i: [(c.flag, c.where) for c in cs] for i, cs in page.quote_checks.items()} == {
        1: [(DraftFlag.MISQUOTE, "quote 2")]
    }
    assert [(c.flag, c.where) for c in page.draft.checks] == [
        (DraftFlag.VERBATIM, "quote 3"),
        (DraftFlag.MISQUOTE, "quote 2"),
        (DraftFlag.BUDGET, ""),
    ]
    assert [e.action for e in page.history] == ["created"]
    assert page.ledger == ()
    assert page.also_reported == (Credit(outlet="Beta News", url="https://b.example/b2"),)
    assert page.draft.content.also_reported_by == page.also_reported
    # 26 words; 25 % of them is 6. Copied: the attribution sentence (10 words, as it
    # stands in the article), the excerpt sentence (10), Ruiz's quote (inside the
    # attribution: counted once) and the invented words (2: not in the article).
    assert (page.budget_used, page.budget_allowed) == (22, 6)


def test_draft_page_history_and_ledger(world: World) -> None:
    page = world.facade.draft_page(world.ids["a1"])
    assert [(e.action, e.by, e.version) for e in page.history] == [
        ("created", "curator", 1),
        ("approved", "editor", 2),
    ]
    assert [(r.target, r.remote_url) for r in page.ledger] == [
        ("site", "https://site.example/harbour-budget-approved")
    ]
    assert page.quote_checks == {}


def test_draft_page_of_an_unknown_draft(world: World) -> None:
    with pytest.raises(NotFoundError, match="no draft with id 999"):
        world.facade.draft_page(999)


# -- sources -----------------------------------------------------------------------------


def test_source_health(world: World) -> None:
    health = {h.status.source_id: h for h in world.facade.source_health()}
    assert set(health) == {"a", "b"}
    a = health["a"]
    assert [(p.url, p.error, p.http_status, p.next_try_at) for p in a.failed_pages] == [
        ("https://a.example/a2", "HTTP 503", 503, None)
    ]
    assert a.failed_pages[0].entry_id == world.ids["entry:a2"]
    assert a.status.failed_pages == 1
    assert [(d.entry_id, d.reason, d.title) for d in a.dropped] == [
        (world.ids["entry:a3"], "blocked: title matches 'sport'", "Entry a3")
    ]
    assert health["b"].failed_pages == () and health["b"].dropped == ()
    (only_b,) = world.facade.source_health("b")
    assert only_b.status.source_id == "b"
    assert world.facade.source_health("nope") == []


# -- voices --------------------------------------------------------------------------------


def test_voices(world: World) -> None:
    report = world.facade.voices()
    # b0 is rejected: Ode's quote there does not count.
    assert [(v.speaker, v.quotes, v.drafts, v.sources) for v in report.voices] == [
        ("Ana Ruiz", 3, 2, ("a",)),
        ("Ben Ode", 2, 2, ("a", "b")),
    ]
    assert (report.total_quotes, report.unknown_quotes) == (6, 1)
    assert report.unknown_share == pytest.approx(1 / 6)


def test_voices_of_a_period_and_a_source(world: World) -> None:
    later = world.facade.voices(since=T0 + timedelta(hours=1))
    assert [(v.speaker, v.quotes) for v in later.voices] == [("Ana Ruiz", 2), ("Ben Ode", 1)]
    assert (later.total_quotes, later.unknown_quotes) == (3, 0)
    b = world.facade.voices(source_id="b")
    assert [(v.speaker, v.quotes, v.sources) for v in b.voices] == [("Ben Ode", 1, ("b",))]
    none = world.facade.voices(until=T0)
    assert (none.voices, none.total_quotes, none.unknown_share) == ((), 0, 0.0)
    assert [v.speaker for v in world.facade.voices(limit=1).voices] == ["Ana Ruiz"]


def test_speaker_quotes(world: World) -> None:
    rows = world.facade.speaker_quotes("Ben Ode")
    assert [(r.draft_id, r.quote.text, r.headline, r.source_id) for r in rows] == [
        (world.ids["b1"], "nothing to report", "Quiet day at the port", "b"),
        (world.ids["b0"], "the count goes on", "Élection à Genève", "b"),
        (
            world.ids["a0"],
            "the council had no money left",
            "Bridge to open in May, mayor says",
            "a",
        ),
    ]
    assert rows[0].at == T0 + timedelta(hours=3)
    assert world.facade.speaker_quotes("Ben Ode", limit=1)[0].draft_id == world.ids["b1"]
    assert world.facade.speaker_quotes("Nobody at all") == []


# -- no writes -------------------------------------------------------------------------------


def test_read_models_and_status_do_not_write(world: World, database_url: str) -> None:
    """On a read-only connection (SQLite mode=ro; PostgreSQL read-only transactions)
    every read model and `status` still answer: none of them writes."""
    if world.store.path is not None:
        url = f"sqlite:///file:{world.store.path}?mode=ro&uri=true"
    else:
        separator = "&" if "?" in database_url else "?"
        url = database_url + separator + "options=-c%20default_transaction_read_only%3Don"
    with Store(url) as read_only:
        facade = Curator(world.facade.settings, read_only)
        with pytest.raises(StoreError, match="read-only|readonly"):  # the connection is
            read_only.record_dropped(world.ids["entry:b2"], "b", "x", T0)
        assert len(facade.draft_queue(DraftQuery(search="harbour", tags=("city",))).items) == 2
        assert facade.draft_page(world.ids["a0"]).quotes == QUOTES_A
        assert len(facade.source_health()) == 2
        assert facade.voices().total_quotes == 6
        assert facade.speaker_quotes("Ana Ruiz")
        assert [s.source_id for s in facade.status()] == ["a", "b"]


def test_drafts_made_before_0010_are_searchable(database_url: str) -> None:
    """0010 fills the search with the drafts already there (and triggers keep it)."""
    from alembic import command
    from sqlalchemy import create_engine

    from curator.store._migrations import alembic_config

    at = "'2026-11-25T00:00:00.000000+00:00'"
    content = (
        '{"headline": "Tram line reopens", "summary": "Service resumed.", "attribution": "",'
        ' "excerpt": "", "quotes": [{"text": "finally", "speaker": "Ida Berg"}]}'
    )
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0009")
            connection.exec_driver_sql(
                "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
                " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures,"
                " gone, redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
                " 'https://s.example/feed', true, false, 60, true, true, '[]',"
                f" 'https://s.example/feed', 0, false, 0, {at}, {at})"
            )
            connection.exec_driver_sql(
                "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
                f" last_seen_at) VALUES (7, 's', 'k', 'https://s.example/1', 'h', {at}, {at})"
            )
            connection.exec_driver_sql(
                "INSERT INTO drafts (id, state, version, content, flags, source_id, entry_id,"
                " extraction_version, edited, story_url, created_at, updated_at)"
                f" VALUES (5, 'new', 1, '{content}', '[]', 's', 7, '', false,"
                f" 'https://s.example/1', {at}, {at})"
            )
    finally:
        engine.dispose()
    with Store(database_url) as store:
        store.upgrade()
        facade = Curator(default_settings(database_url=database_url, env={}), store)
        for search in ("tram", "resumed", "finally", "ida berg"):
            found = facade.draft_queue(DraftQuery(search=search)).items
            assert [item.draft.id for item in found] == [5], search
        assert facade.draft_queue(DraftQuery(search="bus")).items == ()
