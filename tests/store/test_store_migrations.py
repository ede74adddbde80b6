"""Migrations: empty → head, idempotent upgrade, schema == tables.metadata."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy import create_engine
from sqlalchemy import inspect

from curator.errors import StoreError
from curator.store import Store
from curator.store import tables
from curator.store._migrations import alembic_config
from curator.store._migrations import head_revision


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def test_head_is_0012() -> None:
    assert head_revision() == "0012"


def test_upgrade_from_0001_keeps_data(empty_store: Store, connection: Connection) -> None:
    """previous → head: a database made by 0001 keeps its rows; new columns get defaults."""
    with connection.begin():
        command.upgrade(alembic_config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
            " interval_seconds, fetch_articles, tags, url, consecutive_failures, gone,"
            " redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
            " 'https://s.example/feed', true, false, 60, true, '[]',"
            " 'https://s.example/feed', 0, false, 0,"
            " '2026-11-25T00:00:00.000000+00:00', '2026-11-25T00:00:00.000000+00:00')"
        )
    assert empty_store.current_revision() == "0001"
    empty_store.upgrade()
    assert empty_store.current_revision() == head_revision()
    (source,) = empty_store.list_sources()
    assert (source.id, source.url, source.robots) == ("s", "https://s.example/feed", True)


def test_upgrade_from_0002_keeps_data(empty_store: Store, connection: Connection) -> None:
    """0002 → head: sources, entries and articles stay; the extracted entry needs a draft."""
    at = "'2026-11-25T00:00:00.000000+00:00'"
    with connection.begin():
        command.upgrade(alembic_config(connection), "0002")
        connection.exec_driver_sql(
            "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
            " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures, gone,"
            " redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
            " 'https://s.example/feed', true, false, 60, true, true, '[]',"
            f" 'https://s.example/feed', 0, false, 0, {at}, {at})"
        )
        connection.exec_driver_sql(
            "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
            f" last_seen_at) VALUES (7, 's', 'k', 'https://s.example/1', 'h', {at}, {at})"
        )
        connection.exec_driver_sql(
            "INSERT INTO articles (id, entry_id, source_id, url, fetched_at, text)"
            f" VALUES (3, 7, 's', 'https://s.example/1', {at}, 'Body.')"
        )
    assert empty_store.current_revision() == "0002"
    empty_store.upgrade()
    assert empty_store.current_revision() == head_revision()
    assert [source.id for source in empty_store.list_sources()] == ["s"]
    assert [entry.id for entry in empty_store.list_entries()] == [7]
    article, _ = empty_store.get_article(3)
    assert article is not None and article.text == "Body."
    (todo,) = empty_store.entries_needing_drafts()
    assert (todo.entry_id, todo.source_id, todo.article_id) == (7, "s", 3)
    assert empty_store.list_drafts() == []


def test_upgrade_from_0006_keeps_articles(empty_store: Store, connection: Connection) -> None:
    """0006 → 0007: articles stay, count one attempt; a page that had failed stays failed
    for good (it was never retried before) and shows in the status."""
    at = "'2026-11-25T00:00:00.000000+00:00'"
    with connection.begin():
        command.upgrade(alembic_config(connection), "0006")
        connection.exec_driver_sql(
            "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
            " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures, gone,"
            " redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
            " 'https://s.example/feed', true, false, 60, true, true, '[]',"
            f" 'https://s.example/feed', 0, false, 0, {at}, {at})"
        )
        for entry_id in (7, 8):
            connection.exec_driver_sql(
                "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
                f" last_seen_at) VALUES ({entry_id}, 's', 'k{entry_id}',"
                f" 'https://s.example/{entry_id}', 'h', {at}, {at})"
            )
        connection.exec_driver_sql(
            "INSERT INTO articles (id, entry_id, source_id, url, fetched_at, text)"
            f" VALUES (3, 7, 's', 'https://s.example/7', {at}, 'Body.')"
        )
        connection.exec_driver_sql(
            "INSERT INTO articles (id, entry_id, source_id, url, fetched_at, fetch_error)"
            f" VALUES (4, 8, 's', 'https://s.example/8', {at}, 'HTTP 503')"
        )
    empty_store.upgrade()
    assert empty_store.current_revision() == head_revision()
    article, _ = empty_store.get_article(3)
    assert article is not None and article.text == "Body."
    with connection.begin():
        rows = connection.exec_driver_sql(
            "SELECT id, attempts, next_try_at FROM articles ORDER BY id"
        ).all()
    assert [tuple(row) for row in rows] == [(3, 1, None), (4, 1, None)]
    (status,) = empty_store.source_statuses()
    assert status.failed_pages == 1
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert empty_store.articles_to_fetch(now=far) == []


def test_upgrade_from_empty(empty_store: Store, connection: Connection) -> None:
    assert empty_store.current_revision() is None
    empty_store.upgrade()
    assert empty_store.current_revision() == head_revision()
    names = set(inspect(connection).get_table_names())
    searched = {name for name in names if tables.is_search_object(name)}
    assert names - searched == {"alembic_version", *tables.metadata.tables}


def test_upgrade_twice_is_a_noop(empty_store: Store, connection: Connection) -> None:
    empty_store.upgrade()
    empty_store.upgrade()
    assert empty_store.current_revision() == head_revision()
    assert empty_store.count_entries() == 0


def test_migrated_schema_matches_metadata(store: Store, connection: Connection) -> None:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            # The full-text search (0010) is outside the metadata: FTS5 on SQLite.
            "include_name": lambda name, type_, parents: not tables.is_search_object(name),
        },
    )
    assert compare_metadata(context, tables.metadata) == []


def test_downgrade_to_base_and_up_again(store: Store, connection: Connection) -> None:
    with connection.begin():
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    assert store.current_revision() is None
    store.upgrade()
    assert store.current_revision() == head_revision()


def test_unknown_revision_is_a_store_error(store: Store, connection: Connection) -> None:
    with connection.begin():
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="could not upgrade the database schema: .*9999"):
        store.upgrade()


def test_upgrade_to_0005_keeps_duplicate_drafts_of_a_story(
    empty_store: Store, connection: Connection
) -> None:
    """Two drafts of one URL (made before the unique key) both survive 0005: the later
    one's story_url is marked as a duplicate so the index can be built."""
    at = "'2026-11-25T00:00:00.000000+00:00'"
    with connection.begin():
        command.upgrade(alembic_config(connection), "0004")
        connection.exec_driver_sql(
            "INSERT INTO sources (id, name, outlet, configured_url, enabled, removed,"
            " interval_seconds, fetch_articles, robots, tags, url, consecutive_failures, gone,"
            " redirect_count, created_at, updated_at) VALUES ('s', 'S', 'S',"
            " 'https://s.example/feed', true, false, 60, true, true, '[]',"
            f" 'https://s.example/feed', 0, false, 0, {at}, {at})"
        )
        for entry_id in (1, 2):
            connection.exec_driver_sql(
                "INSERT INTO entries (id, source_id, key, link, content_hash, first_seen_at,"
                f" last_seen_at) VALUES ({entry_id}, 's', 'k{entry_id}', 'https://s/1', 'h',"
                f" {at}, {at})"
            )
            connection.exec_driver_sql(
                "INSERT INTO drafts (id, state, version, content, flags, source_id, entry_id,"
                " extraction_version, edited, story_url, created_at, updated_at) VALUES"
                f" ({entry_id}, 'new', 1, '{{}}', '[]', 's', {entry_id}, 'v', false,"
                f" 'https://story/1', {at}, {at})"
            )
    empty_store.upgrade()
    urls: dict[int, str] = dict(
        connection.exec_driver_sql("SELECT id, story_url FROM drafts").all()
    )
    assert urls == {1: "https://story/1", 2: "https://story/1#duplicate-of-1"}
    indexes = {i["name"]: i for i in inspect(connection).get_indexes("drafts")}
    assert indexes["uq_drafts_story_url"]["unique"]
