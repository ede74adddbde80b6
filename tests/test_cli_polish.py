"""CLI polish (#12): flags show as flags in --help, tables stay whole when piped, and
`curator fetch` ends with what to do next. Piping is tested as it happens: a real
`curator` process whose stdout is a pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from curator.cli import app

REPO = Path(__file__).resolve().parent.parent
CURATOR = [sys.executable, "-m", "curator"]
LONG_URL = "https://a-long-hostname.example.org/a/long/path/to/the/feed/of/this/source/feed.xml"


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's path, groups included (typer's own click has no public Group)."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_flags_show_no_value_type_in_any_help() -> None:
    """`--json`, `--force`, `--help`, `-v`… take no value: no `<bool>`/`<int>` beside
    them. Options that take one keep their type."""
    runner = CliRunner()
    paths = list(_commands(typer.main.get_command(app)))
    assert ("drafts", "list") in paths and ("fetch",) in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
        assert "--help" in result.output, path
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    verbose = next(line for line in top.splitlines() if "--verbose" in line)
    assert "<int>" not in verbose and "default" not in verbose
    listing = runner.invoke(app, ["drafts", "list", "--help"], env={"COLUMNS": "200"}).output
    assert "<int>" in next(line for line in listing.splitlines() if "--limit" in line)


def _sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: a-rather-long-source-identifier-for-testing\n"
        f"    url: {LONG_URL}\n"
        "    name: A Source With A Long Name That Goes On And On\n"
        "    outlet: Outlet\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("columns", [None, "80"])
def test_a_piped_table_is_not_cut(tmp_path: Path, columns: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    result = subprocess.run(
        [*CURATOR, "--sources", str(_sources_file(tmp_path)), "sources", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    row = next(line for line in result.stdout.splitlines() if "a-rather-long" in line)
    for cell in (
        "a-rather-long-source-identifier-for-testing",
        "A Source With A Long Name That Goes On And On",
        LONG_URL,
    ):
        assert cell in row
    assert "…" not in result.stdout


def test_fetch_ends_with_what_to_do_next(tmp_path: Path) -> None:
    """The offline sample makes three drafts: fetch says so and points at the review;
    a second fetch makes none, and the three are still waiting."""
    shutil.copytree(REPO / "curator" / "samples", tmp_path / "curator" / "samples")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        "  - id: sample\n"
        "    url: file:curator/samples/feed.xml\n"
        "    name: The Harbour Ledger\n"
        "    outlet: The Harbour Ledger\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    options = ["--sources", "sources.yaml", "--data-dir", str(tmp_path / "data")]

    def run(*args: str) -> str:
        return process(*args).stdout

    def process(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CURATOR, *options, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=True,
        )

    run("db", "upgrade")
    first = run("fetch").splitlines()
    assert first[-2:] == [
        "3 new drafts; 3 waiting for review",
        "next: curator drafts list --state new",
    ]
    second = run("fetch").splitlines()
    assert second[-2:] == [
        "0 new drafts; 3 waiting for review",
        "next: curator drafts list --state new",
    ]
    # --json stays JSON Lines: one object per source, nothing else.
    assert run("fetch", "--json").count("\n") == 1

    # `drafts list` searches, filters and pages with the queue's read model.
    def ids(*args: str) -> list[int]:
        return [
            json.loads(line)["id"] for line in run("drafts", "list", "--json", *args).splitlines()
        ]

    assert ids() == [3, 2, 1]
    assert ids("-q", "LIGHTHOUSE restor") == [3]
    assert ids("--speaker", "Margaret Shaw") == [3]
    assert ids("--state", "new", "--limit", "2", "--after", "2") == [1]
    first = process("drafts", "list", "--limit", "2")
    assert first.stderr == "more: add --after 2\n"
