"""How long `curator --help`, `--version` and `drafts list` take, as users run them.

Run: .venv/bin/python bench/cli_startup.py [--runs N] [--tree PATH]

Every run is a fresh process (`python -m curator ...`). Two modes:

- "bytecode": the .pyc files exist (an install made with `uv sync --compile-bytecode`,
  or any install after its first run).
- "no bytecode": PYTHONDONTWRITEBYTECODE=1 on an install without .pyc files (common
  in container images): every module is compiled from source on every start. Simulated
  with an empty PYTHONPYCACHEPREFIX, so the real __pycache__ folders are not read.

``--tree PATH`` runs another checkout of curator (e.g. `git archive` of an older commit)
with this interpreter and its installed dependencies. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "--version": ["--version"],
    "drafts list": ["drafts", "list"],
}
TARGETS = {"--help": 0.3, "--version": 0.3, "drafts list": 0.8}


def run_once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "curator", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (default 7)")
    parser.add_argument("--tree", type=Path, help="a curator checkout to measure instead")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="curator-startup-") as tmp:
        base = dict(os.environ)
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base.pop("PYTHONPYCACHEPREFIX", None)
        if options.tree is not None:
            base["PYTHONPATH"] = str(options.tree.resolve())
        sources = Path(tmp) / "sources.yaml"
        sources.write_text("sources: []\n", encoding="utf-8")
        base["CURATOR_SOURCES"] = str(sources)
        base["CURATOR_DATA_DIR"] = str(Path(tmp) / "data")
        base.pop("CURATOR_DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-m", "curator", "db", "upgrade"],
            env=base,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        no_bytecode = dict(base)
        no_bytecode["PYTHONDONTWRITEBYTECODE"] = "1"
        no_bytecode["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "no-pyc")
        print(f"{options.runs} fresh processes per figure; seconds: median (min)")
        print(f"{'command':<12} {'bytecode':>16} {'no bytecode':>16}  target")
        for name, args in COMMANDS.items():
            run_once(args, base)  # writes any missing .pyc, so "bytecode" means cached
            cells = []
            for env in (base, no_bytecode):
                times = [run_once(args, env) for _ in range(options.runs)]
                cells.append(f"{statistics.median(times):.3f} ({min(times):.3f})")
            print(f"{name:<12} {cells[0]:>16} {cells[1]:>16}  ≤ {TARGETS[name]} s")


if __name__ == "__main__":
    main()
