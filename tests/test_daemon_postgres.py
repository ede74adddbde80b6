"""`curator daemon` on PostgreSQL (#11): a task worker that fails ends the daemon with a
non-zero exit, and ``--max-ticks`` (ticks are shared by every node there) is refused."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from testsupport import fresh_postgres_schema
from typer.testing import CliRunner

from curator.cli import app

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parent.parent
CURATOR = Path(sys.executable).parent / "curator"
#: A guard against a hung daemon (pytest-timeout is the outer one), not a measurement.
PATIENCE = 180.0


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    yield from fresh_postgres_schema(postgres_url)


def flags(database_url: str, tmp_path: Path) -> list[str]:
    return [
        "--sources",
        str(REPO / "sources.yaml"),
        "--database-url",
        database_url,
        "--data-dir",
        str(tmp_path / "data"),
    ]


def test_max_ticks_is_refused_on_postgresql(database: str, tmp_path: Path) -> None:
    assert CliRunner().invoke(app, [*flags(database, tmp_path), "db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(app, [*flags(database, tmp_path), "daemon", "--max-ticks", "1"])
    assert result.exit_code == 2, result.output
    assert "--max-ticks: works on SQLite only" in result.output


def test_the_daemon_exits_non_zero_when_its_database_goes_away(
    database: str, tmp_path: Path
) -> None:
    assert CliRunner().invoke(app, [*flags(database, tmp_path), "db", "upgrade"]).exit_code == 0
    process = subprocess.Popen(
        [str(CURATOR), *flags(database, tmp_path), "daemon", "--tick", "1s"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "daemon started" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(PATIENCE), "".join(lines)
        # The database is dropped under the running worker: its connections are closed
        # and every reconnection fails.
        name = database.rsplit("/", 1)[1]
        plain = database.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        code = process.wait(PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(10)
        if process.stderr is not None:
            process.stderr.close()
    output = "".join(lines)
    assert code == 3, output  # a database error (README: Exit codes)
    assert "the task worker" in output
    assert "daemon stopped after" not in output
