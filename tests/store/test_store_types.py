"""UTCDateTime: aware UTC in, aware UTC out, naive refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import Column
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import create_engine
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from curator.store.types import UTCDateTime

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
)


@pytest.fixture
def conn(database_url: str) -> Iterator[Connection]:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            yield conn
    finally:
        engine.dispose()


def test_round_trip_and_order(conn: Connection) -> None:
    plus2 = timezone(timedelta(hours=2))
    values = [
        datetime(2025, 1, 1, 12, 0, tzinfo=plus2),  # 10:00 UTC
        datetime(2025, 1, 1, 11, 0, 0, 1, tzinfo=UTC),
        datetime(2025, 1, 1, 10, 30, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    conn.execute(insert(things), [{"id": i, "at": at} for i, at in enumerate(values)])
    conn.execute(insert(things).values(id=99, at=None))
    got = conn.execute(select(things.c.id, things.c.at).order_by(things.c.at, things.c.id)).all()
    not_null = [(id_, at) for id_, at in got if at is not None]
    assert [id_ for id_, _ in not_null] == [3, 0, 2, 1]
    for id_, at in not_null:
        assert at.tzinfo is UTC
        assert at == values[id_]
    cutoff = datetime(2025, 1, 1, 10, 15, tzinfo=UTC)
    later = conn.execute(select(things.c.id).where(things.c.at > cutoff).order_by(things.c.id))
    assert list(later.scalars()) == [1, 2]


def test_naive_datetime_is_refused(conn: Connection) -> None:
    with pytest.raises(StatementError, match="naive datetime refused"):
        conn.execute(insert(things).values(id=1, at=datetime(2025, 1, 1)))


def test_non_datetime_is_refused(conn: Connection) -> None:
    with pytest.raises(StatementError, match="expected a datetime"):
        conn.execute(insert(things).values(id=1, at="2025-01-01"))
