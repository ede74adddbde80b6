"""The CLI (issue #3 on), continued from test_cli.py: settings from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from test_cli import Project
from test_cli import invoke
from test_cli import json_lines
from typer.testing import Result

import curator
from curator.cli import app

# --- settings from the environment ------------------------------------------------------------


def test_environment_variables_are_honoured_and_flags_override_them(tmp_path: Path) -> None:
    env_project, flag_project = Project(tmp_path / "env"), Project(tmp_path / "flag")
    for p, sid in ((env_project, "from-env"), (flag_project, "from-flag")):
        p.root.mkdir()
        p.write({sid: f"https://{sid}.example/feed"})
    env = {
        "CURATOR_SOURCES": str(env_project.sources),
        "CURATOR_DATABASE_URL": env_project.database_url,
        "CURATOR_DATA_DIR": str(env_project.data_dir),
    }

    def ids(result: Result) -> list[str]:
        assert result.exit_code == 0, result.output
        return [row["id"] for row in json_lines(result.stdout)]

    assert ids(invoke(["sources", "list", "--json"], env)) == ["from-env"]
    assert ids(
        invoke(["--sources", str(flag_project.sources), "sources", "list", "--json"], env)
    ) == ["from-flag"]

    # CURATOR_DATABASE_URL, then --database-url over it.
    assert invoke(["db", "upgrade"], env).exit_code == 0
    assert (env_project.root / "curator.db").exists()
    assert not (env_project.data_dir / "curator.db").exists()
    result = invoke(["--database-url", flag_project.database_url, "db", "upgrade"], env)
    assert result.exit_code == 0, result.output
    assert (flag_project.root / "curator.db").exists()

    # Without a database URL the database lives in CURATOR_DATA_DIR, or in --data-dir.
    no_url = {**env, "CURATOR_DATABASE_URL": None}
    assert invoke(["db", "upgrade"], no_url).exit_code == 0
    assert (env_project.data_dir / "curator.db").exists()
    result = invoke(["--data-dir", str(flag_project.data_dir), "db", "upgrade"], no_url)
    assert result.exit_code == 0, result.output
    assert (flag_project.data_dir / "curator.db").exists()


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(group: Any, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            paths.append([*prefix, name])
            if hasattr(command, "commands"):
                walk(command, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "curator")
def test_every_command_has_help(path: list[str]) -> None:
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout


def test_command_tree_is_the_documented_one() -> None:
    assert sorted(" ".join(p) for p in _command_paths() if p) == [
        "articles",
        "articles retry",
        "curate",
        "daemon",
        "db",
        "db upgrade",
        "drafts",
        "drafts accept-source",
        "drafts approve",
        "drafts edit",
        "drafts history",
        "drafts list",
        "drafts reject",
        "drafts reopen",
        "drafts show",
        "entries",
        "entries list",
        "extract",
        "fetch",
        "publish",
        "quotes",
        "quotes list",
        "reextract",
        "republish",
        "sources",
        "sources check",
        "sources export",
        "sources import",
        "sources list",
        "sources sync",
        "status",
        "unpublish",
        "users",
        "users add",
        "users list",
        "users passwd",
        "users remove",
        "web",
    ]


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"curator {curator.__version__}"
