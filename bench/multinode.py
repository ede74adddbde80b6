"""1 node vs 3 nodes on one PostgreSQL (#11): curator task workers against the feed farm.

    .venv/bin/python bench/multinode.py [--feeds 2000] [--entries 5] [--nodes 1 3]
        [--concurrency 16] [--articles] [--database-url postgresql+psycopg://…]

For each node count: a fresh database (`db upgrade` + sources sync), the farm's
counters zeroed, then N processes of tests/support/curator_node.py (each
`Curator.run_worker`); the round ends when every entry is stored (and, with
--articles, every page fetched and every entry drafted). Printed per run: wall time
from launch, feeds/s, the farm's request counts, duplicates (requests beyond one per
feed and one per page: must be 0), and each node's RSS once working and its peak at
the end (main process; its parse workers are separate processes). Without
--database-url a throwaway server is started (tests/support/pgserver.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FARM = REPO.parent / "shared" / "bench" / "feed_farm.py"
NODE = REPO / "tests" / "support" / "curator_node.py"
sys.path.insert(0, str(REPO / "tests" / "support"))


def http_json(method: str, url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.load(response)
    return data


def status_mb(pid: int, field: str) -> float:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM) in MB; 0 once the process ended."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def plain_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def fresh_database(base_url: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain_url(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def postgres_and_farm(
    database_url: str | None, farm: Path, args: argparse.Namespace, max_seconds: float
) -> Iterator[tuple[str, str]]:
    """(a PostgreSQL server URL, the farm's URL): ``database_url``, or a throwaway
    server; the farm serving ``args.feeds`` × ``args.entries`` for ``max_seconds``."""
    import pgserver

    pgdir = None
    if database_url is None:
        pgdir = Path(tempfile.mkdtemp(prefix="curator-bench-pg-")) / "pg"
        database_url = pgserver.start(pgdir)
    farm_argv = [sys.executable, str(farm), "serve", "--feeds", str(args.feeds)]
    farm_argv += ["--entries", str(args.entries), "--latency-ms", str(args.latency_ms)]
    farm_argv += ["--port", "0", "--max-seconds", str(max_seconds)]
    server = subprocess.Popen(farm_argv, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield database_url, server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(10)
        if pgdir is not None:
            pgserver.stop(pgdir)


def one_run(args: argparse.Namespace, base_db: str, farm: str, nodes: int) -> dict[str, Any]:
    from curator import make_curator

    workdir = Path(tempfile.mkdtemp(prefix="curator-multinode-"))
    sources = workdir / "sources.yaml"
    lines = [
        "fetch:",
        "  allow_private_networks: true",
        f"  concurrency: {args.concurrency}",
        f"  per_host_concurrency: {args.concurrency}",  # the farm is one host
        f"defaults: {{interval: 1h, fetch_articles: {str(args.articles).lower()}}}",
        "sources:",
    ]
    for i in range(args.feeds):
        lines += [f"  - id: feed-{i}", f"    url: {farm}/feeds/{i}.xml", "    robots: false"]
    sources.write_text("\n".join(lines) + "\n")
    database_url = fresh_database(base_db)
    with make_curator(sources_path=str(sources), database_url=database_url) as facade:
        facade.upgrade()
        facade.sync_sources()
    http_json("POST", farm + "/_reset_stats")
    want_entries = args.feeds * args.entries

    def done(facade: Any) -> bool:
        if facade.count_entries() < want_entries:
            return False
        if not args.articles:
            return True
        stats = http_json("GET", farm + "/_stats")
        pages = sum(n for k, n in stats.items() if k.startswith("article_"))
        return pages >= want_entries and len(facade.list_drafts(limit=want_entries)) >= (
            want_entries
        )

    procs: list[subprocess.Popen[bytes]] = []
    t0 = time.perf_counter()
    for n in range(nodes):
        log = (workdir / f"node{n}.log").open("wb")
        argv = [sys.executable, str(NODE), "--sources", str(sources)]
        argv += ["--database-url", database_url, "--node", f"n{n}", "--tick", "1"]
        argv += ["--concurrency", str(args.concurrency)]
        procs.append(subprocess.Popen(argv, stdout=log, stderr=log))
        log.close()
    rss_start: list[float] = []
    with make_curator(sources_path=str(sources), database_url=database_url) as facade:
        while not done(facade):
            if not rss_start and facade.count_entries() > 0:
                rss_start = [round(status_mb(p.pid, "VmRSS"), 1) for p in procs]
            if time.perf_counter() - t0 > args.max_seconds:
                raise SystemExit(f"not done after {args.max_seconds} s; logs in {workdir}")
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        entries = facade.count_entries()
    rss_end = [round(status_mb(p.pid, "VmHWM"), 1) for p in procs]
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(60)
    stats = http_json("GET", farm + "/_stats")
    feed_requests = sum(n for k, n in stats.items() if not k.startswith("article_"))
    page_requests = sum(n for k, n in stats.items() if k.startswith("article_"))
    expected = args.feeds + (want_entries if args.articles else 0)
    return {
        "nodes": nodes,
        "wall_s": round(wall, 2),
        "feeds_per_s": round(args.feeds / wall, 1),
        "entries": entries,
        "farm": stats,
        "duplicates": feed_requests + page_requests - expected,
        "rss_start_mb": rss_start,
        "peak_rss_end_mb": rss_end,
        "logs": str(workdir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--concurrency", type=int, default=16, help="jobs at once per node")
    parser.add_argument("--articles", action="store_true", help="fetch pages and draft too")
    parser.add_argument("--database-url", help="PostgreSQL server (default: start one)")
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    if not FARM.exists():
        raise SystemExit(f"needs ../shared ({FARM} is absent)")

    with postgres_and_farm(args.database_url, FARM, args, args.max_seconds * 3) as (base_db, url):
        for nodes in args.nodes:
            result = one_run(args, base_db, url, nodes)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
