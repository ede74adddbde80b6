"""Memory of `curator daemon` nodes over a compressed schedule on one PostgreSQL (#11).

    .venv/bin/python bench/daemon_memory.py [--duration 1800] [--feeds 500] [--nodes 3]
        [--interval 60 120] [--bump-every 60 --bump-fraction 0.02] [--database-url …]

N processes of `curator daemon` (procrastinate workers on one PostgreSQL) run the whole
pipeline against ../shared/bench/feed_farm.py for ``--duration`` seconds. Each source is
due every 60–120 s (spread over the feeds), so in 30 minutes each feed is fetched ~20
times (mostly 304s); every ``--bump-every`` seconds the farm adds one entry to a share
of its feeds, whose article pages are then fetched, extracted and curated. Every
``--sample-every`` seconds each node's RSS (VmRSS) and peak (VmHWM) are read from /proc,
for its main process and for its process tree (parse workers included).

Printed: one JSON line per sample, then a summary: RSS per node after warm-up (the
first sample once one longest interval has passed and at most one bump's entries wait), at
the end, the peak, and the slope (least squares over the samples after warm-up, MB per
10 min); the farm's request counts; duplicates, which must be 0:

- feeds: two fetch attempts of one source less than half its interval apart
  (curator's fetch_attempts rows), and farm feed requests beyond those attempts;
- pages: farm page requests beyond the stored pages (one per entry);
- stories: drafts sharing a story URL.

After the last bump the nodes get ``--drain`` seconds to finish what is queued.
Without --database-url a throwaway PostgreSQL is started (tests/support/pgserver.py).
CURATOR_FEED_FARM names the farm script when this runs from a copy of the tree.
Set CURATOR_TRACEMALLOC in the environment to have each node log its top allocation
growth (see curator/daemon.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FARM = Path(os.environ.get("CURATOR_FEED_FARM", REPO.parent / "shared/bench/feed_farm.py"))
sys.path[:0] = [str(REPO), str(REPO / "tests" / "support")]  # this checkout's curator

from multinode import fresh_database  # noqa: E402  (after the path)
from multinode import http_json  # noqa: E402
from multinode import plain_url  # noqa: E402
from multinode import postgres_and_farm  # noqa: E402
from multinode import status_mb  # noqa: E402


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (parse workers, the forkserver)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        # Each thread lists the children it started (the pool starts from a thread).
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:  # ended meanwhile
                continue
    return found


def _interval(i: int, low: int, high: int) -> int:
    return low + i % (high - low + 1)


def _scalar(database_url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(plain_url(database_url)) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _backlog(database_url: str) -> int:
    """Entries neither drafted (alone or with others) nor dropped yet: their page is
    still to fetch, or their curation still to run."""
    return _scalar(
        database_url,
        """
        SELECT count(*) FROM entries e
        WHERE NOT EXISTS (SELECT 1 FROM drafts d WHERE d.entry_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM draft_sources s WHERE s.entry_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM dropped_entries x WHERE x.entry_id = e.id)
        """,
    )


def _close_fetches(database_url: str, low: int, high: int) -> int:
    """Fetch attempts of one source less than half its interval after the previous one."""
    import psycopg

    with psycopg.connect(plain_url(database_url)) as conn:
        rows = conn.execute(
            "SELECT source_id, started_at - lag(started_at) OVER"
            " (PARTITION BY source_id ORDER BY started_at) FROM fetch_attempts"
        ).fetchall()
    close = 0
    for source_id, gap in rows:
        if gap is None:
            continue
        interval = _interval(int(source_id.removeprefix("feed-")), low, high)
        close += gap < timedelta(seconds=interval / 2)
    return close


def _slope_mb_per_10min(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return round(cov / var * 600, 2) if var else 0.0


def write_sources(path: Path, farm: str, args: argparse.Namespace) -> None:
    low, high = args.interval
    lines = [
        "fetch:",
        "  allow_private_networks: true",
        f"  concurrency: {args.concurrency}",
        f"  per_host_concurrency: {args.concurrency}",  # the farm is one host
        "defaults: {fetch_articles: true}",
        "sources:",
    ]
    for i in range(args.feeds):
        lines += [f"  - id: feed-{i}", f"    url: {farm}/feeds/{i}.xml", "    robots: false"]
        lines.append(f"    interval: {_interval(i, low, high)}s")
    path.write_text("\n".join(lines) + "\n")


def run(args: argparse.Namespace, base_db: str, farm: str) -> dict[str, Any]:
    from curator import make_curator

    workdir = Path(tempfile.mkdtemp(prefix="curator-daemon-memory-"))
    sources = workdir / "sources.yaml"
    write_sources(sources, farm, args)
    database_url = fresh_database(base_db)
    with make_curator(sources_path=str(sources), database_url=database_url) as facade:
        facade.upgrade()
        facade.sync_sources()
    http_json("POST", farm + "/_reset_stats")

    procs: list[subprocess.Popen[bytes]] = []
    for n in range(args.nodes):
        log = (workdir / f"node{n}.log").open("wb")
        argv = [sys.executable, "-m", "curator", "--sources", str(sources)]
        argv += ["--database-url", database_url, "daemon", "--tick", args.tick]
        # This checkout first (the bench may run from a copy of the tree).
        env = os.environ | {"PYTHONPATH": str(REPO)}
        procs.append(subprocess.Popen(argv, stdout=log, stderr=log, env=env, cwd=REPO))
        log.close()

    try:
        return _observe(args, farm, database_url, procs, workdir)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _observe(
    args: argparse.Namespace,
    farm: str,
    database_url: str,
    procs: list[subprocess.Popen[bytes]],
    workdir: Path,
) -> dict[str, Any]:
    t0 = time.monotonic()
    samples: list[dict[str, Any]] = []
    warm_at: float | None = None
    next_bump = t0 + args.bump_every
    bumps_until = t0 + args.duration - args.drain
    low, high = args.interval
    bump_size = round(args.feeds * args.bump_fraction)
    while (now := time.monotonic()) < t0 + args.duration:
        if any(proc.poll() is not None for proc in procs):
            raise SystemExit(f"a node exited early; logs in {workdir}")
        if now >= next_bump and now < bumps_until:
            http_json("POST", f"{farm}/_bump?fraction={args.bump_fraction}")
            next_bump += args.bump_every
        backlog = _backlog(database_url)
        elapsed = round(now - t0, 1)
        # Warm: one longest interval has passed and the first backlog is done (what is
        # left is at most one bump's entries).
        if warm_at is None and elapsed >= high and backlog <= bump_size:
            warm_at = elapsed
        sample = {
            "t": elapsed,
            "backlog": backlog,
            "rss_mb": [round(status_mb(p.pid, "VmRSS"), 1) for p in procs],
            "hwm_mb": [round(status_mb(p.pid, "VmHWM"), 1) for p in procs],
            "tree_rss_mb": [
                round(sum(status_mb(pid, "VmRSS") for pid in _tree(p.pid)), 1) for p in procs
            ],
        }
        samples.append(sample)
        print(json.dumps(sample), flush=True)
        time.sleep(max(0.0, t0 + len(samples) * args.sample_every - time.monotonic()))

    last = samples[-1]
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    codes = [proc.wait(120) for proc in procs]
    stats = http_json("GET", farm + "/_stats")
    feed_requests = sum(n for k, n in stats.items() if not k.startswith("article_"))
    page_requests = sum(n for k, n in stats.items() if k.startswith("article_"))
    attempts = _scalar(database_url, "SELECT count(*) FROM fetch_attempts")
    pages = _scalar(database_url, "SELECT count(*) FROM articles")
    warm = next((s for s in samples if warm_at is not None and s["t"] >= warm_at), samples[0])
    after = [s for s in samples if s["t"] >= warm["t"]]
    return {
        "nodes": args.nodes,
        "feeds": args.feeds,
        "seconds": args.duration,
        "exit_codes": codes,
        "warm_up_s": warm["t"],
        "rss_after_warm_up_mb": warm["rss_mb"],
        "rss_at_end_mb": last["rss_mb"],
        "peak_rss_at_end_mb": last["hwm_mb"],
        "tree_rss_after_warm_up_mb": warm["tree_rss_mb"],
        "tree_rss_at_end_mb": last["tree_rss_mb"],
        "slope_mb_per_10min": [
            _slope_mb_per_10min([(s["t"], s["rss_mb"][n]) for s in after])
            for n in range(args.nodes)
        ],
        "farm": stats,
        "fetch_attempts": attempts,
        "feed_fetches_per_feed": round(attempts / args.feeds, 1),
        "entries": _scalar(database_url, "SELECT count(*) FROM entries"),
        "pages": pages,
        "drafts": _scalar(database_url, "SELECT count(*) FROM drafts"),
        "backlog_at_end": last["backlog"],
        "duplicates": {
            "feeds_close_together": _close_fetches(database_url, low, high),
            "feed_requests_beyond_attempts": feed_requests - attempts,
            "page_requests_beyond_pages": page_requests - pages,
            "stories_drafted_twice": _scalar(
                database_url,
                "SELECT count(*) FROM (SELECT story_url FROM drafts"
                " GROUP BY story_url HAVING count(*) > 1) AS twice",
            ),
        },
        "logs": str(workdir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=1800, help="seconds")
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=1, help="entries per feed at start")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument(
        "--interval", type=int, nargs=2, default=[60, 120], metavar=("LOW", "HIGH"), help="s"
    )
    parser.add_argument("--tick", default="10s", help="the daemons' --tick")
    parser.add_argument("--concurrency", type=int, default=16, help="fetch.concurrency")
    parser.add_argument("--bump-every", type=float, default=60, help="seconds")
    parser.add_argument("--bump-fraction", type=float, default=0.02)
    parser.add_argument("--drain", type=float, default=120, help="seconds without bumps")
    parser.add_argument("--sample-every", type=float, default=30, help="seconds")
    parser.add_argument("--database-url", help="PostgreSQL server (default: start one)")
    args = parser.parse_args()
    # SIGTERM (e.g. `kill` of a nohup run) unwinds like Ctrl-C: nodes, farm and server stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if not FARM.exists():
        raise SystemExit(f"needs ../shared ({FARM} is absent)")

    with postgres_and_farm(args.database_url, FARM, args, args.duration + 900) as (base_db, url):
        print(json.dumps(run(args, base_db, url)), flush=True)


if __name__ == "__main__":
    main()
