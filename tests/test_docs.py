"""The README documents every setting and every CLI command (datasette/sqlite-utils style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from curator.cli import app
from curator.config import SETTINGS_HELP

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, Any]]:
    """Every leaf command as (path, click command); typer vendors click, so duck-type groups."""
    found: list[tuple[str, Any]] = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):
                walk(command, path)
            else:
                found.append((path, command))

    walk(typer.main.get_command(app), "")
    assert found
    return found


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:400]
    assert "make run" in head and "make test" in head


@pytest.mark.parametrize("setting", sorted(SETTINGS_HELP))
def test_every_setting_is_documented(setting: str) -> None:
    assert f"`{setting}`" in README, f"{setting} is missing from README.md"


@pytest.mark.parametrize(("path", "command"), _commands(), ids=lambda v: str(v))
def test_every_command_has_help_and_is_documented(path: str, command: Any) -> None:
    assert command.help, f"`curator {path}` has no help text"
    assert f"`curator {path}" in README, f"`curator {path}` is missing from README.md"
