from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "support"))

import pgserver
import wpserver
from testsupport import fresh_postgres_schema


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server: CURATOR_TEST_POSTGRES_URL, or one started for this session."""
    url = os.environ.get("CURATOR_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if pgserver.find_bindir() is None:
        if os.environ.get("CURATOR_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (CURATOR_REQUIRE_POSTGRES) but not installed")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="curator-pg-")) / "pg"
    url = pgserver.start(base)
    try:
        yield url
    finally:
        pgserver.stop(base)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and on PostgreSQL (a fresh schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'curator.db'}"
        return
    base_url: str = request.getfixturevalue("postgres_url")
    yield from fresh_postgres_schema(base_url)


@pytest.fixture(scope="session")
def wordpress() -> Iterator[wpserver.WordPress]:
    """A real WordPress: CURATOR_TEST_WORDPRESS, or one started for this session."""
    given = os.environ.get("CURATOR_TEST_WORDPRESS")
    if given:
        url, user, password = given.split(maxsplit=2)
        yield wpserver.WordPress(url=url, user=user, app_password=password)
        return
    reason = wpserver.missing()
    if reason:
        if os.environ.get("CURATOR_REQUIRE_WORDPRESS"):
            pytest.fail(f"WordPress is required (CURATOR_REQUIRE_WORDPRESS) but {reason}")
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="curator-wp-"))
    base = folder / "wp"
    try:
        site = wpserver.start(base)
    except BaseException:
        wpserver.stop(base)
        raise
    try:
        yield site
    finally:
        wpserver.stop(base)
        shutil.rmtree(folder, ignore_errors=True)
