from __future__ import annotations

from collections.abc import Iterator

import pytest

from curator.store import Store


@pytest.fixture
def empty_store(database_url: str) -> Iterator[Store]:
    """A Store on a fresh database, not yet upgraded."""
    with Store(database_url) as store:
        yield store


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A Store on a fresh database, upgraded to the newest schema."""
    empty_store.upgrade()
    return empty_store
