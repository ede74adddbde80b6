"""Users of the web desk (#12): add, change password, remove, list, verify a login.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory
profile); the store keeps only the hash. A hash made with older parameters is
replaced at the next successful login. A login with an unknown name still checks a
hash, so the answer takes as long as a wrong password and does not tell which.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from curator.core._context import Context
from curator.errors import LoginError
from curator.errors import UserError
from curator.model import User

#: Shorter passwords are refused (NIST SP 800-63B asks for at least 8).
MIN_PASSWORD_LENGTH: Final = 8
#: Longer ones too: argon2 hashes anything, but a megabyte form field is not a password.
MAX_PASSWORD_LENGTH: Final = 1024

# A user name is shown in history and used as `by`: letters, digits and . _ @ -.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UserError(
            f"invalid user name {name!r}: 1-100 letters, digits, '.', '_', '@' or '-',"
            " starting with a letter or digit",
            name=name,
        )
    return name


def _hash_password(name: str, password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password of {name!r} is too short (at least {MIN_PASSWORD_LENGTH} characters)",
            name=name,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(
            f"the password of {name!r} is too long (at most {MAX_PASSWORD_LENGTH} characters)",
            name=name,
        )
    return _hasher().hash(password)


def add_user(ctx: Context, name: str, password: str) -> User:
    check_name(name)
    return ctx.store.add_user(name, _hash_password(name, password), now=ctx.clock())


def set_password(ctx: Context, name: str, password: str) -> None:
    if not ctx.store.set_password_hash(name, _hash_password(name, password), now=ctx.clock()):
        raise UserError(f"no user {name!r}", name=name)


def remove_user(ctx: Context, name: str) -> None:
    if not ctx.store.remove_user(name):
        raise UserError(f"no user {name!r}", name=name)


def list_users(ctx: Context) -> list[User]:
    return ctx.store.list_users()


def get_user(ctx: Context, name: str) -> User | None:
    found = ctx.store.find_user(name) if _NAME.fullmatch(name) else None
    return None if found is None else found[0]


def verify_login(ctx: Context, name: str, password: str) -> User:
    """The user ``name`` when ``password`` is theirs; `LoginError` otherwise."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise LoginError()
    found = ctx.store.find_user(name) if _NAME.fullmatch(name) else None
    stored = _dummy_hash() if found is None else found[1]
    hasher = _hasher()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError) as e:
        raise LoginError() from e
    if found is None:  # cannot happen: nobody knows the dummy's password
        raise LoginError()
    user = found[0]
    if hasher.check_needs_rehash(stored):
        now = ctx.clock()
        ctx.store.set_password_hash(name, hasher.hash(password), now=now)
        user = replace(user, password_changed_at=now)
    return user
