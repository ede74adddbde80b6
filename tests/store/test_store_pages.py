"""One stored page per article URL (#11), on both backends: entries that link to one
page share it, a second save of a stored page is a skip, and racing writers (two
Store instances) leave one row and no error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy
from alembic import command
from sqlalchemy import Engine
from store_helpers import T0
from store_helpers import make_attempt
from store_helpers import make_entry
from store_helpers import make_source

from curator.model import Article
from curator.model import Extraction
from curator.model import PageFetch
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind
from curator.store import Store
from curator.store import tables
from curator.store._articles import url_key
from curator.store._migrations import alembic_config

SHARED = "https://news.example/story"
BODY = "“We will reopen the pier,” the mayor said."


def _quote(speaker: str) -> Quote:
    return Quote(
        text="We will reopen the pier",
        speaker=speaker,
        speaker_kind=SpeakerKind.ROLE,
        cue="said",
        kind=QuoteKind.DIRECT,
        start=1,
        end=24,
        confidence=0.9,
    )


def _extraction(speaker: str = "the mayor") -> Extraction:
    return Extraction(article=Article(text=BODY), quotes=(_quote(speaker),), version="a1+q1")


def _page(url: str = SHARED, body: bytes = b"<p>page</p>") -> PageFetch:
    return PageFetch(url=url, http_status=200, content_type="text/html", body=body, started_at=T0)


def _two_sources_one_link(store: Store) -> dict[str, int]:
    """Sources a and b each carry an entry linking to SHARED; a has one more entry."""
    store.sync_sources([make_source("a"), make_source("b")], now=T0)
    feeds = {
        "a": [make_entry("a-shared", link=SHARED), make_entry("a-own")],
        "b": [make_entry("b-shared", link=SHARED)],
    }
    for source_id, entries in feeds.items():
        state = store.get_source_state(source_id)
        store.apply_fetch(state, make_attempt(source_id), entries, now=T0)
    return {e.key: e.id for e in store.list_entries(limit=10)}


def _rows(store: Store) -> list[sqlalchemy.Row[tuple[int, str]]]:
    a = tables.articles
    engine = sqlalchemy.create_engine(store.url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sqlalchemy.select(a.c.id, a.c.url).order_by(a.c.id)))
    finally:
        engine.dispose()


def test_a_link_two_entries_share_is_one_page_to_fetch(store: Store) -> None:
    ids = _two_sources_one_link(store)
    todo = store.articles_to_fetch()
    assert {item.url for item in todo} == {SHARED, "https://example.com/a-own"}
    (shared,) = [item for item in todo if item.url == SHARED]
    assert shared.entry_id == min(ids["a-shared"], ids["b-shared"])  # the first seen

    article_id = store.save_article(_page(), _extraction(), now=T0)
    assert [item.url for item in store.articles_to_fetch()] == ["https://example.com/a-own"]
    assert store.articles_to_fetch(source_ids=["b"]) == []
    assert store.articles_to_fetch(entry_ids=[ids["b-shared"]]) == []

    # Both entries see the one page: drafting, quotes per source, counts, re-extraction.
    needing = {item.entry_id: item.article_id for item in store.entries_needing_drafts()}
    assert needing == {ids["a-shared"]: article_id, ids["b-shared"]: article_id}
    assert store.count_articles() == 1
    assert store.count_articles("a") == store.count_articles("b") == 1
    (quote,) = store.list_quotes(source_ids=["b"])
    assert (quote.entry_id, quote.source_id) == (ids["b-shared"], "b")
    assert store.raw_page_ids(source_ids=["b"]) == [article_id]
    raw = store.get_raw_page(article_id)
    assert raw.entry_ids == (ids["a-shared"], ids["b-shared"])
    assert (raw.entry_id, raw.source_id) == (ids["a-shared"], "a")


def test_saving_a_stored_page_again_is_a_skip(store: Store) -> None:
    _two_sources_one_link(store)
    first = store.save_article(_page(), _extraction("the mayor"), now=T0)
    again = store.save_article(_page(body=b"<p>other</p>"), _extraction("someone"), now=T0)
    assert again == first
    assert [row.url for row in _rows(store)] == [SHARED]
    _, quotes = store.get_article(first)
    assert [q.speaker for q in quotes] == ["the mayor"]  # the first copy stays
    assert store.get_raw_page(first).body == b"<p>page</p>"


def test_a_failed_page_shared_by_two_sources_counts_for_both(store: Store) -> None:
    ids = _two_sources_one_link(store)
    failed = PageFetch(url=SHARED, http_status=404, error="HTTP 404")
    store.save_article(failed, None, now=T0)  # no next try: failed for good
    statuses = {row.source_id: row.failed_pages for row in store.source_statuses()}
    assert statuses == {"a": 1, "b": 1}
    assert store.retry_articles(now=T0, entry_ids=[ids["b-shared"]]) == 1
    (item,) = store.articles_to_fetch(source_ids=["b"], now=T0)
    assert (item.url, item.attempts) == (SHARED, 0)
    # The retry succeeds: the failed row is replaced, one row still.
    store.save_article(_page(), _extraction(), now=T0 + timedelta(minutes=1))
    assert len(_rows(store)) == 1
    later = T0 + timedelta(days=1)
    assert [item.url for item in store.articles_to_fetch(now=later)] == [
        "https://example.com/a-own"
    ]


def test_two_stores_racing_to_save_one_page_leave_one_row(database_url: str) -> None:
    """Two Store instances (two processes' worth of connections) save the same pages
    at the same moment: one row per URL, both get its id, neither gets an error."""
    urls = [f"https://news.example/{n}" for n in range(20)]
    with Store(database_url) as first, Store(database_url) as second:
        first.upgrade()
        barrier = threading.Barrier(2)

        def save_all(store: Store, speaker: str) -> list[int]:
            ids = []
            for url in urls:
                barrier.wait()
                ids.append(store.save_article(_page(url), _extraction(speaker), now=T0))
            return ids

        with ThreadPoolExecutor(2) as pool:
            one = pool.submit(save_all, first, "one")
            two = pool.submit(save_all, second, "two")
            assert one.result() == two.result()
        rows = _rows(first)
        assert sorted(row.url for row in rows) == sorted(urls)
        for article_id in one.result():
            _, quotes = first.get_article(article_id)
            assert len(quotes) == 1  # the winner's, never both


@pytest.fixture
def other_engine(database_url: str) -> Iterator[Engine]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_a_lost_insert_on_postgresql_is_a_skip(
    store: Store, database_url: str, other_engine: Engine
) -> None:
    """The interleaving SQLite's write lock rules out: another transaction inserts the
    page after this one looked for it. The insert waits for it, then does nothing, and
    save_article returns the other one's row."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers take the write lock first: no interleaving")
    a = tables.articles
    with other_engine.connect() as rival:
        rival.begin()
        winner = rival.execute(
            sqlalchemy.insert(a)
            .values(url=SHARED, url_key=url_key(SHARED), fetched_at=T0, text="the winner's")
            .returning(a.c.id)
        ).scalar_one()
        with ThreadPoolExecutor(1) as pool:
            saving = pool.submit(store.save_article, _page(), _extraction(), now=T0)
            with other_engine.connect() as watcher:
                while not saving.done():  # until the insert waits for the rival's row
                    waiting = watcher.execute(
                        sqlalchemy.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
                            " 'Lock' AND datname = current_database()"
                        )
                    ).scalar_one()
                    watcher.rollback()
                    if waiting:
                        break
            assert not saving.done()
            rival.commit()
            assert saving.result(timeout=60) == winner
    assert [row.id for row in _rows(store)] == [winner]
    article, quotes = store.get_article(winner)
    assert article is not None and article.text == "the winner's" and quotes == ()


# --- migration 0012: existing copies of one page -------------------------------------

AT = "'2026-11-25T00:00:00.000000+00:00'"
LATER = "'2026-11-26T00:00:00.000000+00:00'"


def _at_0011_with_copies(conn: sqlalchemy.Connection) -> None:
    """Page L stored three times (3: extracted and drafted, 4: extracted later, 6:
    failed) and page M twice (5: failed but drafted, 11: extracted)."""
    command.upgrade(alembic_config(conn), "0011")
    for source_id in ("s", "t"):
        conn.exec_driver_sql(
            "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
            " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures, gone,"
            f" redirect_count, created_at, updated_at) VALUES ('{source_id}', 'S', 'S',"
            f" 'https://{source_id}.example/feed', true, false, 60, true, true, '[]',"
            f" 'https://{source_id}.example/feed', 0, false, 0, {AT}, {AT})"
        )
    entries = [(7, "s", "L"), (8, "t", "L"), (10, "t", "L"), (9, "s", "M"), (12, "t", "M")]
    for entry_id, source_id, link in entries:
        conn.exec_driver_sql(
            "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
            f" last_seen_at) VALUES ({entry_id}, '{source_id}', 'k{entry_id}',"
            f" 'https://news.example/{link}', 'h', {AT}, {AT})"
        )
    articles = [
        (3, 7, "s", "L", AT, "'Old.'", "NULL"),
        (4, 8, "t", "L", LATER, "'New.'", "NULL"),
        (6, 10, "t", "L", LATER, "NULL", "'HTTP 503'"),
        (5, 9, "s", "M", AT, "NULL", "'HTTP 503'"),
        (11, 12, "t", "M", AT, "'Body.'", "NULL"),
    ]
    for article_id, entry_id, source_id, link, at, text, error in articles:
        conn.exec_driver_sql(
            "INSERT INTO articles (id, entry_id, source_id, url, fetched_at, text, fetch_error)"
            f" VALUES ({article_id}, {entry_id}, '{source_id}', 'https://news.example/{link}',"
            f" {at}, {text}, {error})"
        )
    for quote_id, article_id in ((1, 3), (2, 4)):
        conn.exec_driver_sql(
            "INSERT INTO quotes (id, article_id, position, text, speaker_kind, kind, start,"
            f" \"end\", confidence) VALUES ({quote_id}, {article_id}, 0, 'q', 'unknown',"
            " 'direct', 0, 1, 0.5)"
        )
    for draft_id, entry_id, article_id in ((1, 7, 3), (2, 9, 5)):
        conn.exec_driver_sql(
            "INSERT INTO drafts (id, state, version, content, flags, source_id, entry_id,"
            " article_id, extraction_version, edited, story_url, created_at, updated_at)"
            f" VALUES ({draft_id}, 'new', 1, '{{}}', '[]', 's', {entry_id}, {article_id},"
            f" 'v', false, 'https://story/{draft_id}', {AT}, {AT})"
        )


def test_0012_keeps_the_best_copy_of_each_page(empty_store: Store, other_engine: Engine) -> None:
    with other_engine.begin() as conn:
        _at_0011_with_copies(conn)
    empty_store.upgrade()
    with other_engine.connect() as conn:
        articles = conn.execute(
            sqlalchemy.text("SELECT id, url, url_key FROM articles ORDER BY id")
        ).all()
        quotes = conn.execute(sqlalchemy.text("SELECT id, article_id FROM quotes")).all()
        drafts = conn.execute(sqlalchemy.text("SELECT id, article_id FROM drafts")).all()
    assert [(row.id, row.url) for row in articles] == [
        (3, "https://news.example/L"),  # extracted and drafted beats extracted later
        (11, "https://news.example/M"),  # extracted beats failed, drafted or not
    ]
    assert all(row.url_key == url_key(row.url) for row in articles)
    assert [tuple(row) for row in quotes] == [(1, 3)]
    assert sorted(tuple(row) for row in drafts) == [(1, 3), (2, 11)]
    needing = {item.entry_id: item.article_id for item in empty_store.entries_needing_drafts()}
    assert needing == {8: 3, 10: 3, 12: 11}
    # The unique key holds from now on.
    assert empty_store.save_article(_page("https://news.example/L"), None, now=T0) == 3
    assert len(_rows(empty_store)) == 2


def test_0012_downgrade_gives_each_page_to_its_first_entry(
    empty_store: Store, other_engine: Engine
) -> None:
    with other_engine.begin() as conn:
        _at_0011_with_copies(conn)
    empty_store.upgrade()
    with other_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0011")
    with other_engine.connect() as conn:
        rows = conn.execute(
            sqlalchemy.text("SELECT id, entry_id, source_id FROM articles ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(3, 7, "s"), (11, 9, "s")]
