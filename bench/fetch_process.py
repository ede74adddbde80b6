"""`curator fetch` as users run it: a fresh process, start-up included (#11).

The farm of bench/fetch_farm.py (500 feeds × 20 entries, 50 ms latency, one host on
127.0.0.1, curator concurrency 32, `fetch_articles: false`), a fresh farm and database
per client. `curator db upgrade` once (not timed: a user's one-time setup), then
`curator fetch --json` as a fresh process for the cold pass (500 × 200) and for the
304 pass (500 × 304), timed from process start to exit. reader 3.26 the same way: its
feeds added once (not timed), then `update_feeds(workers=16)` in a fresh `python -c`
process per pass. Every process runs with PYTHONDONTWRITEBYTECODE=1, in two modes:

- "bytecode": the .pyc files exist (compiled first, as `uv sync --compile-bytecode`);
- "no bytecode": an empty PYTHONPYCACHEPREFIX, so every module is compiled at every
  start (an install without .pyc), as bench/cli_startup.py does.

Peak RSS: os.wait4's ru_maxrss (the process and its reaped children, i.e. the parse
pool: the largest of them) and the main process alone (/proc VmHWM, polled). CPU is
the process tree's. Prints a table; asserts nothing.

    .venv/bin/python bench/fetch_process.py [--runs 1] [--feeds 500] [--no-reader]
        [--mode bytecode|"no bytecode"]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_farm import FARM
from fetch_farm import REPO
from fetch_farm import _http
from fetch_farm import farm_sources_yaml

CURATOR = Path(sys.executable).with_name("curator")
READER_SETUP = """
import sys
from reader import make_reader
r = make_reader(sys.argv[1])
for i in range(int(sys.argv[3])):
    r.add_feed(f"{sys.argv[2]}/feeds/{i}.xml")
r.close()
"""
READER_PASS = """
import sys
from reader import make_reader
r = make_reader(sys.argv[1])
r.update_feeds(workers=16, **({} if sys.argv[2] == "cold" else {"scheduled": False}))
r.close()
"""


def timed(argv: list[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """Run argv; wall clock from spawn to exit, tree CPU, peak RSS (tree and main)."""
    hwm = [0]
    with out.open("wb") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.STDOUT)
        done = threading.Event()

        def poll() -> None:  # the main process's own peak, read until it exits
            status = Path(f"/proc/{proc.pid}/status")
            while not done.wait(0.02):
                try:
                    for line in status.read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            hwm[0] = max(hwm[0], int(line.split()[1]))
                except (OSError, ValueError, IndexError):
                    return

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
    watcher.join()
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "rss_tree_mb": round(usage.ru_maxrss / 1024, 1),
        "rss_main_mb": round(hwm[0] / 1024, 1),
        "exit": proc.returncode,
    }


def run_client(client: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    sys.path.insert(0, str(FARM.parent))
    import feed_farm

    work = Path(tempfile.mkdtemp(prefix=f"{client}-process-"))
    base, stop = feed_farm.start_farm_process(args.feeds, args.entries, args.latency_ms)
    try:
        if client == "curator":
            sources_yaml = farm_sources_yaml(base, args.feeds, args.concurrency)
            (work / "sources.yaml").write_text(sources_yaml)
            env = dict(env, CURATOR_SOURCES=str(work / "sources.yaml"))
            env["CURATOR_DATA_DIR"] = str(work / "data")
            env["CURATOR_DATABASE_URL"] = f"sqlite:///{work / 'curator.db'}"
            subprocess.run(
                [str(CURATOR), "db", "upgrade"], env=env, check=True, capture_output=True
            )
            argv = {p: [str(CURATOR), "fetch", "--json"] for p in ("cold", "304")}
        else:
            db = str(work / "reader.sqlite")
            subprocess.run(
                [sys.executable, "-c", READER_SETUP, db, base, str(args.feeds)], env=env, check=True
            )
            argv = {p: [sys.executable, "-c", READER_PASS, db, p] for p in ("cold", "304")}
        result: dict[str, Any] = {}
        for name in ("cold", "304"):
            _http("POST", base + "/_reset_stats")
            result[name] = timed(argv[name], env, work / f"{name}.out")
            result[name]["farm"] = _http("GET", base + "/_stats")
            if client == "curator":
                lines = (work / f"{name}.out").read_text().splitlines()
                reports = [json.loads(x) for x in lines if x.startswith("{")]
                result[name]["reports"] = len(reports)
                result[name]["errors"] = sum(1 for r in reports if r.get("error"))
                # Anything else is an error message (stderr shares the file): show it.
                result[name]["other"] = next((x for x in lines if not x.startswith("{")), None)
        return result
    finally:
        stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-reader", action="store_true", help="skip the reader comparison")
    parser.add_argument(
        "--mode",
        choices=("bytecode", "no bytecode"),
        action="append",
        help="run only this mode (repeatable; default: both)",
    )
    args = parser.parse_args()
    if not FARM.exists():
        sys.exit(f"needs {FARM} (the shared feed farm)")
    clients = ["curator"]
    try:
        import reader  # noqa: F401

        if not args.no_reader:
            clients.append("reader")
    except ImportError:
        print("reader is not installed: skipping the comparison (make bench installs it)")

    # "bytecode" means every .pyc exists: compile what is missing (new packages, edits).
    for folder in (REPO / "curator", Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(folder, quiet=2, workers=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CURATOR_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    nopyc = tempfile.mkdtemp(prefix="no-pyc-")
    modes = {"bytecode": env, "no bytecode": dict(env, PYTHONPYCACHEPREFIX=nopyc)}
    modes = {name: mode_env for name, mode_env in modes.items() if name in (args.mode or modes)}

    floor = args.feeds / args.concurrency * args.latency_ms / 1000
    print(
        f"{args.feeds} feeds × {args.entries} entries, {args.latency_ms} ms; load {os.getloadavg()}"
    )
    print(
        f"{'run':>3} {'mode':<12} {'client':<8} {'cold s':>7} {'cpu s':>6} {'304 s':>6} "
        f"{'cpu s':>6} {'RSS tree/main MB':>17}  farm cold | 304"
    )
    for run in range(1, args.runs + 1):
        figures: dict[tuple[str, str], dict[str, Any]] = {}
        for mode, mode_env in modes.items():
            for client in clients:
                r = figures[mode, client] = run_client(client, args, mode_env)
                c, n = r["cold"], r["304"]
                bad = [f"{p} exit {r[p]['exit']}" for p in ("cold", "304") if r[p]["exit"]]
                bad += [
                    f"{p} {r[p]['errors']} errors" for p in ("cold", "304") if r[p].get("errors")
                ]
                bad += [f"{p}: {r[p]['other']}" for p in ("cold", "304") if r[p].get("other")]
                print(
                    f"{run:>3} {mode:<12} {client:<8} {c['wall_s']:7.3f} {c['cpu_s']:6.2f} "
                    f"{n['wall_s']:6.3f} {n['cpu_s']:6.2f} "
                    f"{max(c['rss_tree_mb'], n['rss_tree_mb']):>8}/{max(c['rss_main_mb'], n['rss_main_mb']):<8} "
                    f"{json.dumps(c['farm'])} | {json.dumps(n['farm'])} {' '.join(bad)}",
                    flush=True,
                )
        for mode in modes:
            if (mode, "reader") in figures:
                ours, theirs = figures[mode, "curator"], figures[mode, "reader"]
                print(
                    f"    {mode}: cold ratio {theirs['cold']['wall_s'] / ours['cold']['wall_s']:.2f}× "
                    f"(target ≥ 3×); 304 pass {ours['304']['wall_s']:.3f} s vs reader "
                    f"{theirs['304']['wall_s']:.3f} s (target ≤ reader); "
                    f"floor {floor:.3f} s"
                )
        print(f"    load {os.getloadavg()}", flush=True)
    shutil.rmtree(nopyc, ignore_errors=True)


if __name__ == "__main__":
    main()
