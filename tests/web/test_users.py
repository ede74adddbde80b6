"""Web desk users through the facade, on SQLite and PostgreSQL: add, verify, change the
password, remove; argon2 hashes only; clear errors for bad names and short passwords.
And the login throttle's schedule, on a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from curator import Curator
from curator import LoginError
from curator import UserError
from curator import default_settings
from curator import make_curator
from curator.web.security import FIRST_LOCKOUT
from curator.web.security import FREE_LOGIN_FAILURES
from curator.web.security import MAX_LOCKOUT
from curator.web.security import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def facade(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Curator]:
    settings = default_settings(database_url=database_url, data_dir=tmp_path)
    with make_curator(settings, clock=clock) as curator:
        curator.upgrade()
        yield curator


def test_add_verify_and_list(facade: Curator, clock: Clock) -> None:
    added = facade.add_user("mara", "a long password")
    assert (added.name, added.created_at) == ("mara", clock.now)
    assert facade.verify_login("mara", "a long password").name == "mara"
    with pytest.raises(LoginError, match="wrong user name or password"):
        facade.verify_login("mara", "a wrong password")
    with pytest.raises(LoginError, match="wrong user name or password"):
        facade.verify_login("nobody", "a long password")
    facade.add_user("ad.min@desk", "another password")
    assert [u.name for u in facade.list_users()] == ["ad.min@desk", "mara"]


def test_only_an_argon2_hash_is_stored(facade: Curator, database_url: str) -> None:
    facade.add_user("mara", "a long password")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    finally:
        engine.dispose()
    assert stored.startswith("$argon2id$")
    assert "a long password" not in stored


def test_a_new_password_replaces_the_old_one(facade: Curator, clock: Clock) -> None:
    facade.add_user("mara", "first password")
    clock.now += timedelta(hours=1)
    facade.set_password("mara", "second password")
    with pytest.raises(LoginError):
        facade.verify_login("mara", "first password")
    user = facade.verify_login("mara", "second password")
    assert user.password_changed_at == clock.now
    assert user.created_at == clock.now - timedelta(hours=1)


def test_remove(facade: Curator) -> None:
    facade.add_user("mara", "a long password")
    facade.remove_user("mara")
    assert facade.list_users() == []
    assert facade.get_user("mara") is None
    with pytest.raises(LoginError):
        facade.verify_login("mara", "a long password")


REFUSALS: tuple[tuple[Callable[[Curator], object], str], ...] = (
    (lambda f: f.add_user("mara", "password1"), "user 'mara' already exists"),
    (lambda f: f.add_user("bo b", "password1"), "invalid user name 'bo b'"),
    (lambda f: f.add_user("", "password1"), "invalid user name ''"),
    (lambda f: f.add_user("-x", "password1"), "invalid user name '-x'"),
    (lambda f: f.add_user("ben", "short"), "password of 'ben' is too short"),
    (lambda f: f.add_user("ben", "x" * 1025), "password of 'ben' is too long"),
    (lambda f: f.set_password("nobody", "password1"), "no user 'nobody'"),
    (lambda f: f.remove_user("nobody"), "no user 'nobody'"),
)


def test_refusals_name_the_user(facade: Curator) -> None:
    facade.add_user("mara", "a long password")
    for call, message in REFUSALS:
        with pytest.raises(UserError, match=message):
            call(facade)
    assert [u.name for u in facade.list_users()] == ["mara"]


def test_throttle_locks_after_the_free_failures_and_doubles() -> None:
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(FREE_LOGIN_FAILURES):
        assert throttle.wait("mara", "10.0.0.1") == 0
        throttle.failed("mara", "10.0.0.1")
    assert throttle.wait("mara", "10.0.0.1") == 0
    throttle.failed("mara", "10.0.0.1")
    assert throttle.wait("MARA", "10.0.0.1") == FIRST_LOCKOUT  # names in any case
    assert throttle.wait("mara", "10.0.0.2") == 0  # another address
    assert throttle.wait("ben", "10.0.0.1") == 0  # another user
    now[0] += FIRST_LOCKOUT
    throttle.failed("mara", "10.0.0.1")
    assert throttle.wait("mara", "10.0.0.1") == 2 * FIRST_LOCKOUT
    for _ in range(20):
        throttle.failed("mara", "10.0.0.1")
    assert throttle.wait("mara", "10.0.0.1") == MAX_LOCKOUT
    throttle.succeeded("mara", "10.0.0.1")
    assert throttle.wait("mara", "10.0.0.1") == 0
