"""`curator --help` stays light: the CLI imports the heavy libraries only when a command
needs them (#11). A behaviour test on sys.modules, not a timing one (see
bench/cli_startup.py for the figures)."""

from __future__ import annotations

import json
import subprocess
import sys

from curator.store._migrations import head_revision
from curator.store._store import SCHEMA_HEAD

HEAVY = ("sqlalchemy", "alembic", "trafilatura", "lxml", "httpx", "yaml")

# main() ends the process with os._exit after running the exit handlers (no teardown):
# the probe reports from one of them.
PROBE = """
import atexit, json, sys
heavy = {heavy!r}
atexit.register(
    lambda: print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
)
sys.argv = ["curator", *sys.argv[1:]]
from curator.cli import main
main()
"""


def loaded_after(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


def test_help_and_version_import_no_heavy_library() -> None:
    assert loaded_after("--help") == []
    assert loaded_after("--version") == []
    assert loaded_after("drafts", "--help") == []


def test_importing_the_cli_imports_no_heavy_library() -> None:
    code = f"import sys, curator.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_schema_head_read_from_file_names_is_alembics() -> None:
    # `check_schema` reads the newest revision from the file names, not through Alembic.
    assert SCHEMA_HEAD == head_revision()
