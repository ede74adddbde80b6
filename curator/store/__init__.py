"""Storage: SQLAlchemy Core tables, the Store, and Alembic migrations.

The only package that imports SQLAlchemy and Alembic. Every database error
leaves it as :class:`curator.errors.StoreError`.
"""

from __future__ import annotations

from curator.store._store import DEFAULT_BUSY_TIMEOUT as DEFAULT_BUSY_TIMEOUT
from curator.store._store import Store as Store

__all__ = ["DEFAULT_BUSY_TIMEOUT", "Store"]
