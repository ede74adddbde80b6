"""The database holds the sources (#11): sources.yaml is applied to it explicitly."""

from __future__ import annotations

from pathlib import Path

import pytest

import curator
from curator.config import load_settings
from curator.errors import NotFoundError
from curator.model import SourceChanges


def facade(tmp_path: Path, sources: str) -> curator.Curator:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + sources, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    return curator.make_curator(load_settings(path, database_url=url, env={}), parse_workers=0)


A = "  - {id: a, url: 'https://a.example/feed'}\n"
B = "  - {id: b, url: 'https://b.example/feed', enabled: false}\n"


def test_sync_says_what_changed_and_upgrade_syncs(tmp_path: Path) -> None:
    with facade(tmp_path, A + B) as first:
        assert first.upgrade() == SourceChanges(added=("a", "b"))
        assert not first.sync_sources()
    edited = "  - {id: a, url: 'https://a.example/feed', name: Renamed}\n"
    with facade(tmp_path, edited + "  - {id: c, url: 'https://c.example/feed'}\n") as second:
        assert second.sync_sources() == SourceChanges(added=("c",), changed=("a",), removed=("b",))


def test_status_and_fetch_use_the_database_not_the_file(tmp_path: Path) -> None:
    with facade(tmp_path, A + B) as first:
        first.upgrade()
    # Another node's file: a disabled, b enabled, c new. Nothing changes until a sync.
    other = (
        "  - {id: a, url: 'https://a.example/feed', enabled: false}\n"
        "  - {id: b, url: 'https://b.example/feed'}\n"
        "  - {id: c, url: 'https://c.example/feed'}\n"
    )
    with facade(tmp_path, other) as second:
        rows = second.status()
        assert [(row.source_id, row.enabled) for row in rows] == [("a", True), ("b", False)]
        with pytest.raises(NotFoundError, match="run `curator sources sync`"):
            second.fetch(["c"])
        with pytest.raises(NotFoundError, match="no source with id 'zzz'"):
            second.fetch(["zzz"])
        assert [(row.source_id, row.enabled) for row in second.status()] == [
            ("a", True),
            ("b", False),
        ]
        second.sync_sources()
        assert [(row.source_id, row.enabled) for row in second.status()] == [
            ("a", False),
            ("b", True),
            ("c", True),
        ]


def test_a_source_removed_from_the_file_leaves_status_but_keeps_its_row(tmp_path: Path) -> None:
    with facade(tmp_path, A + B) as first:
        first.upgrade()
    with facade(tmp_path, A) as second:
        assert second.sync_sources().removed == ("b",)
        assert [row.source_id for row in second.status()] == ["a"]
    with facade(tmp_path, A + B) as third:
        assert third.sync_sources().changed == ("b",)  # back, as the file says
        assert [row.source_id for row in third.status()] == ["a", "b"]


def test_status_reads_no_sources_file_and_prints_a_long_table_plainly(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from curator.cli import app

    count = 501  # past the rows Rich lays out (slow: 10,000 rows took 10 s)
    many = "".join(
        f"  - {{id: s{n:03d}, url: 'https://e{n}.example/feed', enabled: {n % 2 == 0}}}\n"
        for n in range(count)
    )
    with facade(tmp_path, many) as first:
        first.upgrade()
    (tmp_path / "sources.yaml").write_text("sources: [broken\n")  # status does not read it
    flags = ["--sources", str(tmp_path / "sources.yaml")]
    flags += ["--database-url", f"sqlite:///{tmp_path / 'curator.db'}"]
    result = CliRunner().invoke(app, [*flags, "status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "source", "enabled", "entries", "last", "success", "failures", "next", "due", "failed",
        "pages", "last", "error",
    ]  # fmt: skip
    assert [line.split()[:3] for line in lines[1:3]] == [["s000", "yes", "0"], ["s001", "no", "0"]]
    assert len(lines) == 1 + count
    check = CliRunner().invoke(app, [*flags, "sources", "check"])
    assert check.exit_code == 2 and "invalid YAML" in check.stderr
