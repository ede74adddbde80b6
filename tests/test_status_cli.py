"""`curator status` (#11): the running nodes above the sources, in the table and in
`--json`, read from the database alone, without writing to it."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import curator
from curator import Curator
from curator.cli import app

CURATOR_BIN = Path(sys.executable).parent / "curator"
SOURCE_KEYS = {
    "source",
    "name",
    "enabled",
    "url",
    "entries",
    "last_success",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_due",
    "gone",
    "failed_pages",
}
NODE_KEYS = {"id", "host", "pid", "started_at", "heartbeat_at", "work"}


def write_sources(folder: Path, ids: list[str]) -> Path:
    path = folder / "sources.yaml"
    lines = ["sources:"]
    lines += [f"  - {{id: {id_}, url: 'https://{id_}.example/feed.xml'}}" for id_ in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[list[str], Curator]]:
    """Two synced sources; the CLI flags and a facade on the same database."""
    sources = write_sources(tmp_path, ["alpha", "beta"])
    database = tmp_path / "curator.db"
    flags = ["--sources", str(sources), "--database-url", f"sqlite:///{database}"]
    flags += ["--data-dir", str(tmp_path / "data")]
    settings = curator.load_settings(
        sources, database_url=f"sqlite:///{database}", data_dir=str(tmp_path / "data"), env={}
    )
    with curator.make_curator(settings) as facade:
        facade.upgrade()
        yield flags, facade


def status_json(flags: list[str]) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, [*flags, "status", "--json"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_lists_the_running_nodes_then_the_sources(
    project: tuple[list[str], Curator],
) -> None:
    flags, facade = project
    assert [line["source"] for line in status_json(flags)] == ["alpha", "beta"]

    node = facade.register_node("refreshing 2 sources")
    first, *sources = status_json(flags)
    assert set(first) == {"node"}
    assert set(first["node"]) == NODE_KEYS
    shown = first["node"]
    assert (shown["id"], shown["host"], shown["pid"]) == (
        node.id,
        socket.gethostname(),
        os.getpid(),
    )
    assert shown["work"] == "refreshing 2 sources"
    assert datetime.fromisoformat(shown["started_at"]) == node.started_at
    assert datetime.fromisoformat(shown["heartbeat_at"]) == node.heartbeat_at
    assert [line["source"] for line in sources] == ["alpha", "beta"]
    assert all(set(line) == SOURCE_KEYS for line in sources)

    table = CliRunner().invoke(app, [*flags, "status"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "nodes" in table.stdout and "refreshing 2 sources" in table.stdout
    assert str(os.getpid()) in table.stdout

    facade.unregister_node(node)
    assert [line["source"] for line in status_json(flags)] == ["alpha", "beta"]


def _fingerprint(database: Path) -> dict[str, str]:
    """The bytes of the database and of its write-ahead log (an empty log, which the
    last connection to close deletes, counts as none)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists() and path.stat().st_size
    }


def test_status_writes_nothing_and_syncs_nothing(
    project: tuple[list[str], Curator], tmp_path: Path
) -> None:
    """As a fresh process, both forms: the database's bytes are the same afterwards, a
    source added to the file is not synced, and no node is registered."""
    flags, facade = project
    node = facade.register_node("idle")
    write_sources(tmp_path, ["alpha", "beta", "gamma"])
    database = tmp_path / "curator.db"
    with sqlite3.connect(database) as conn:  # what earlier writers left in the log
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _fingerprint(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    for extra in ([], ["--json"]):
        done = subprocess.run(
            [str(CURATOR_BIN), *flags, "status", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "alpha" in done.stdout and "gamma" not in done.stdout
    assert _fingerprint(database) == before
    assert facade.running_nodes() == [node]


def test_a_long_table_lines_up_wide_and_escaped_cells(tmp_path: Path) -> None:
    """The plain table (more than 500 sources) pads by terminal columns: a wide
    character takes two, an escaped control character its four visible ones."""
    ids = [f"s{n:03d}" for n in range(501)]
    sources = write_sources(tmp_path, ids)
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    settings = curator.load_settings(sources, database_url=url, env={})
    with curator.make_curator(settings) as facade:
        facade.upgrade()
    flags = ["--sources", str(sources), "--database-url", url]
    result = CliRunner().invoke(app, [*flags, "status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert len(rows) == 501
    column = header.index("failures")
    # Every row has "—" (one column wide, three bytes) before this column.
    assert all(row[column - 2 : column] == "  " and row[column] == "0" for row in rows)


def test_the_plain_table_pads_by_terminal_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """A wide character takes two columns, "—" one; the last column is not padded."""
    from curator.cli.fetching import _print_plain_table

    _print_plain_table(("a", "b", "c"), [("日本", "x", "end"), ("ab", "—", "last")])
    assert capsys.readouterr().out.splitlines() == [
        "a     b  c",
        "日本  x  end",
        "ab    —  last",
    ]
