"""A large install: `curator status` and `sources check` on 10,000 sources (#11).

Generates a sources.yaml with N sources and a SQLite database holding them (each
source with a fetch state and a few entries; one in ten failing) in a temp
folder, then times each command as users run it: a fresh `curator` process with
PYTHONDONTWRITEBYTECODE=1, start-up included, stdout to a file. Prints figures;
asserts nothing.

    .venv/bin/python bench/large_install.py [--sources 10000] [--runs 3] [--folder DIR]

With ``--folder`` the install is built there once and reused by later runs (for
profiling one command: ``CURATOR_SOURCES=DIR/sources.yaml
CURATOR_DATABASE_URL=sqlite:///DIR/curator.db curator status``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from curator.config import load_settings
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import SourceState
from curator.store import Store

CURATOR = Path(sys.executable).with_name("curator")
COMMANDS = (
    ("status", ["status"]),
    ("status --json", ["status", "--json"]),
    ("sources check", ["sources", "check"]),
    ("sources sync (no change)", ["sources", "sync"]),
)


def write_sources(path: Path, count: int) -> None:
    lines = ["defaults:", "  interval: 30m", "sources:"]
    for i in range(count):
        lines += [
            f"  - id: source-{i:05d}",
            f"    url: https://feeds{i % 500}.example.com/feed/{i}.xml",
            f"    name: Example source {i}",
            f"    outlet: Outlet {i % 300}",
            "    tags: [news, world]",
        ]
        if i % 10 == 0:
            lines.append("    interval: 1h")
        if i % 50 == 0:
            lines.append("    enabled: false")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fill_database(sources_path: Path, url: str) -> None:
    """Each source synced, fetched once (three entries), one in ten failing."""
    settings = load_settings(sources_path, database_url=url, env={})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Store(url) as store:
        store.upgrade()
        store.sync_sources(settings.sources, now=now)
        for n, source in enumerate(settings.sources):
            failing = n % 10 == 3
            state = SourceState(
                source_id=source.id,
                url=source.url,
                last_attempt_at=now,
                last_success_at=None if failing else now,
                last_error="HTTP 503" if failing else None,
                last_error_at=now if failing else None,
                consecutive_failures=1 if failing else 0,
                next_due_at=now + timedelta(minutes=30),
            )
            entries = (
                ()
                if failing
                else tuple(
                    FeedEntry(key=f"{source.id}-{k}", title=f"Story {k}", content_hash=str(k))
                    for k in range(3)
                )
            )
            attempt = FetchAttempt(
                source_id=source.id,
                started_at=now,
                duration=timedelta(milliseconds=120),
                outcome=FetchOutcome.ERROR if failing else FetchOutcome.OK,
                http_status=503 if failing else 200,
                error="HTTP 503" if failing else None,
            )
            store.apply_fetch(state, attempt, entries, now=now)


def time_command(args: list[str], env: dict[str, str], folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with (folder / "out.txt").open("wb") as out:
        done = subprocess.run(
            [str(CURATOR), *args], env=env, stdout=out, stderr=subprocess.PIPE, check=False
        )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"  {' '.join(args)}: exit {done.returncode}: {done.stderr.decode()[-300:]}")
    return seconds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--folder", type=Path, help="build the install here, or reuse the one already there"
    )
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if options.folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="curator-large-")))
        else:
            folder = options.folder
            folder.mkdir(parents=True, exist_ok=True)
        sources_path = folder / "sources.yaml"
        url = f"sqlite:///{folder / 'curator.db'}"
        if (folder / "curator.db").is_file():
            print(f"reusing the install in {folder}")
        else:
            started = time.perf_counter()
            write_sources(sources_path, options.sources)
            fill_database(sources_path, url)
            elapsed = time.perf_counter() - started
            print(f"{options.sources:,} sources, database filled in {elapsed:.1f} s")
        env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "CURATOR_SOURCES": str(sources_path),
            "CURATOR_DATABASE_URL": url,
            "CURATOR_DATA_DIR": str(folder / "data"),
            "COLUMNS": "120",
        }
        startup = [time_command(["--version"], env, folder)[0] for _ in range(options.runs)]
        print(f"{'curator --version (start-up)':28} median {statistics.median(startup):6.2f} s")
        for label, args in COMMANDS:
            times = [time_command(args, env, folder)[0] for _ in range(options.runs)]
            figures = ", ".join(f"{t:.2f}" for t in times)
            print(f"{label:28} median {statistics.median(times):6.2f} s  ({figures})")


if __name__ == "__main__":
    main()
