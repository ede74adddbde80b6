"""Users of the web desk: the Store's methods for #12 (name and argon2 hash).

A mixin of :class:`curator.store.Store`, like the node and draft stores. Hashing and
verifying are the facade's (curator.core.users): the store only keeps the hash.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from curator.errors import UserError
from curator.model import User
from curator.store import tables


class UserStore:
    """User rows; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    def add_user(self, name: str, password_hash: str, *, now: datetime) -> User:
        """Add a user; `UserError` when the name is taken."""
        u = tables.users
        with self._transaction("could not add the user", write=True) as conn:
            taken = conn.execute(select(u.c.name).where(u.c.name == name)).first()
            if taken is not None:
                raise UserError(f"user {name!r} already exists", name=name)
            conn.execute(
                insert(u).values(
                    name=name, password_hash=password_hash, created_at=now, password_changed_at=now
                )
            )
        return User(name=name, created_at=now, password_changed_at=now)

    def find_user(self, name: str) -> tuple[User, str] | None:
        """The user ``name`` and their password hash, or None when there is no such user."""
        u = tables.users
        with self._transaction("could not read the user") as conn:
            row = conn.execute(select(u).where(u.c.name == name)).first()
        if row is None:
            return None
        user = User(
            name=row.name, created_at=row.created_at, password_changed_at=row.password_changed_at
        )
        return user, str(row.password_hash)

    def set_password_hash(self, name: str, password_hash: str, *, now: datetime) -> bool:
        """Replace the hash of ``name``; False when there is no such user."""
        u = tables.users
        with self._transaction("could not change the password", write=True) as conn:
            done = conn.execute(
                update(u)
                .where(u.c.name == name)
                .values(password_hash=password_hash, password_changed_at=now)
            )
            return bool(done.rowcount)

    def remove_user(self, name: str) -> bool:
        """Delete ``name``; False when there was no such user."""
        u = tables.users
        with self._transaction("could not remove the user", write=True) as conn:
            return bool(conn.execute(delete(u).where(u.c.name == name)).rowcount)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        u = tables.users
        query = select(u.c.name, u.c.created_at, u.c.password_changed_at).order_by(u.c.name)
        with self._transaction("could not read the users") as conn:
            return [User(**row._mapping) for row in conn.execute(query)]
