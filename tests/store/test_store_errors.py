"""Database errors leave the store as StoreError; connection setup."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError
from store_helpers import T0
from store_helpers import make_attempt
from store_helpers import make_entry
from store_helpers import make_source

from curator.errors import CuratorError
from curator.errors import StoreError
from curator.store import Store


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "invalid database URL 'not a url'"),
        ("mysql://u@localhost/db", "unsupported database 'mysql'"),
        ("nosuchdb://u@localhost/db", "unsupported database 'nosuchdb'"),
    ],
)
def test_bad_url(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as info:
        Store(url)
    assert isinstance(info.value, CuratorError)


def test_unreachable_postgresql() -> None:
    with Store("postgresql://curator:secret@127.0.0.1:1/nowhere") as store:
        with pytest.raises(StoreError) as info:
            store.upgrade()
    message = info.value.message
    assert message.startswith(
        "could not upgrade the database schema: cannot connect to the database "
        "postgresql+psycopg://curator:***@127.0.0.1:1/nowhere: OperationalError:"
    )
    assert "secret" not in message
    assert isinstance(info.value.__cause__, SQLAlchemyError)


def test_sqlite_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with Store(f"sqlite:///{tmp_path / 'file' / 'sub' / 'curator.db'}") as store:
        with pytest.raises(StoreError, match="cannot create the folder of the database"):
            store.upgrade()


def test_sqlite_folder_is_made_on_first_use_not_before(tmp_path: Path) -> None:
    path = tmp_path / "later" / "curator.db"
    with Store(f"sqlite:///{path}") as store:
        assert not path.parent.exists()
        store.upgrade()
    assert path.exists()


def test_sqlite_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "curator.db"
    with Store(f"sqlite:///{path}") as store:
        store.upgrade()
    assert path.exists()


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "curator.db"
    with Store(f"sqlite:///{path}") as store:
        store.upgrade()
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_sqlite_in_memory() -> None:
    with Store("sqlite://") as store:
        store.upgrade()
        store.sync_sources([make_source("a")], now=T0)
        assert [s.id for s in store.list_sources()] == ["a"]


def test_database_not_upgraded(empty_store: Store) -> None:
    with pytest.raises(StoreError, match="could not read the entries: .*curator db upgrade"):
        empty_store.list_entries()


def test_database_errors_are_chained(store: Store, tmp_path: Path) -> None:
    store.sync_sources([make_source("src")], now=T0)
    state = store.get_source_state("src")
    with pytest.raises(StoreError) as info:
        store.apply_fetch(state, make_attempt(), [make_entry("a", content_hash=None)], now=T0)
    assert isinstance(info.value.__cause__, SQLAlchemyError)
    assert "INSERT" not in info.value.message  # no SQL in the message


def test_concurrent_writers(database_url: str) -> None:
    with Store(database_url) as store:
        store.upgrade()
        store.sync_sources([make_source(f"s{i}") for i in range(4)], now=T0)
    errors: list[BaseException] = []

    def work(source_id: str) -> None:
        try:
            with Store(database_url) as mine:
                state = mine.get_source_state(source_id)
                for round_ in range(10):
                    entries = [make_entry(f"e{n}", content_hash=f"h{round_}") for n in range(20)]
                    mine.apply_fetch(state, make_attempt(source_id), entries, now=T0)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store(database_url) as store:
        assert store.entry_counts_by_source() == {f"s{i}": 20 for i in range(4)}
        assert all(len(store.list_attempts(f"s{i}")) == 10 for i in range(4))
