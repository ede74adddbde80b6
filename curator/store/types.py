"""Column types shared by the tables and the migrations."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy import Dialect
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator
from sqlalchemy.types import TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores it as ``TIMESTAMP WITH TIME ZONE``. SQLite has no datetime
    type, so it is stored as fixed-width ISO 8601 text in UTC
    (``2024-05-01T12:00:00.000000+00:00``), which sorts and compares correctly as
    text. Values always come back aware, in UTC. Naive datetimes are refused with
    ``ValueError`` (like apscheduler's ``EmulatedTimestampTZ``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime refused (use an aware UTC datetime): {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.isoformat(timespec="microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            # Written by something other than this type: it is UTC by convention.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
