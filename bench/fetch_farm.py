"""Fetch benchmark: curator against ../shared/bench/feed_farm.py on loopback.

Pass 1 cold (every feed 200), pass 2 unchanged (every feed 304), pass 3 after
`POST /_bump?fraction=0.1` (50 × 200 + 450 × 304 with 500 feeds). Prints wall
time, CPU time (this process + reaped parse workers), peak RSS and the farm's
/_stats per pass. When `reader` is importable (`make bench` installs the
`bench` dependency group), runs reader's update_feeds(workers=16) on a farm of
the same shape in the same run and prints the ratios.

    .venv/bin/python bench/fetch_farm.py [--feeds 500] [--entries 20] [--latency-ms 50]

Figures, not assertions: the targets are checked by reading the output.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FARM = REPO.parent / "shared" / "bench" / "feed_farm.py"
sys.path.insert(0, str(REPO))


def _http(method: str, url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        data: dict[str, Any] = json.loads(response.read() or b"{}")
        return data


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def farm_sources_yaml(base: str, feeds: int, concurrency: int) -> str:
    """sources.yaml for the farm's feeds: the feed pipeline only (article pages are
    another stage, and another bench)."""
    lines = [
        "fetch:",
        f"  concurrency: {concurrency}",
        f"  per_host_concurrency: {concurrency}",
        "defaults:",
        "  fetch_articles: false",
        "sources:",
    ]
    for i in range(feeds):
        lines += [f"  - id: feed-{i}", f"    url: {base}/feeds/{i}.xml"]
    return "\n".join(lines) + "\n"


def bench_curator(args: argparse.Namespace, farm: Any) -> dict[str, Any]:
    from curator import make_curator
    from curator.config import load_settings

    base, stop = farm.start_farm_process(args.feeds, args.entries, args.latency_ms)
    # The farm is a child process too: leave it out of the CPU and RSS figures
    # by measuring deltas only around our own passes (its CPU is reaped at stop).
    try:
        workdir = Path(tempfile.mkdtemp(prefix="curator-bench-"))
        sources = workdir / "sources.yaml"
        sources.write_text(farm_sources_yaml(base, args.feeds, args.concurrency))
        settings = load_settings(sources, database_url=f"sqlite:///{workdir / 'bench.db'}")
        settings = replace(settings, data_dir=workdir)
        results: dict[str, Any] = {"client": "curator", "concurrency": args.concurrency}
        with make_curator(settings) as facade:
            facade.upgrade()

            def one(name: str) -> None:
                _http("POST", base + "/_reset_stats")
                wall0, cpu0 = time.perf_counter(), _cpu()
                reports = facade.fetch()
                wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
                errors = [r for r in reports if r.error]
                results[name] = {
                    "wall_s": round(wall, 3),
                    "cpu_s": round(cpu, 3),
                    "server": _http("GET", base + "/_stats"),
                    "entries_total": facade.count_entries(),
                    "errors": len(errors),
                    "first_error": errors[0].error if errors else None,
                }
                print(f"  curator {name}: {json.dumps(results[name])}", flush=True)

            one("pass1_cold")
            one("pass2_unchanged_304")
            _http("POST", f"{base}/_bump?fraction={args.change_fraction}")
            one("pass3_some_changed")
        own, children = _peak_rss_mb()
        results["peak_rss_mb"] = round(own, 1)
        results["peak_rss_children_mb"] = round(children, 1)
        return results
    finally:
        stop()


def bench_reader(args: argparse.Namespace, farm: Any) -> dict[str, Any] | None:
    try:
        import reader  # noqa: F401
    except ImportError:
        print("reader is not installed: skipping the comparison (make bench installs it)")
        return None
    reader_args = argparse.Namespace(
        feeds=args.feeds,
        entries=args.entries,
        latency_ms=args.latency_ms,
        workers=[16],
        repeat=1,
        change_fraction=args.change_fraction,
        tmpdir=tempfile.mkdtemp(prefix="reader-bench-"),
    )
    result: dict[str, Any] = farm.bench_reader(reader_args)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--change-fraction", type=float, default=0.1)
    parser.add_argument("--no-reader", action="store_true", help="skip the reader comparison")
    args = parser.parse_args()
    if not FARM.exists():
        sys.exit(f"needs {FARM} (the shared feed farm)")
    sys.path.insert(0, str(FARM.parent))
    import feed_farm

    print(f"curator on {args.feeds} feeds × {args.entries} entries, {args.latency_ms} ms latency")
    ours = bench_curator(args, feed_farm)
    theirs = None if args.no_reader else bench_reader(args, feed_farm)

    ideal_304 = args.feeds / args.concurrency * args.latency_ms / 1000
    print()
    print("pass                    curator wall   cpu     reader wall   ratio")
    for name in ("pass1_cold", "pass2_unchanged_304", "pass3_some_changed"):
        mine = ours[name]
        line = f"{name:22}  {mine['wall_s']:8.3f} s  {mine['cpu_s']:6.3f} s"
        if theirs:
            other = theirs["runs"][0][name]
            ratio = other["wall_s"] / mine["wall_s"]
            line += f"   {other['wall_s']:8.3f} s   {ratio:5.2f}×"
        print(line)
        print(f"{'':22}  farm stats: {json.dumps(mine['server'])}")
    print(
        f"304 pass: {ours['pass2_unchanged_304']['wall_s']:.3f} s vs ideal "
        f"{ideal_304:.3f} s (500/concurrency × latency): "
        f"{ours['pass2_unchanged_304']['wall_s'] / ideal_304:.2f}× (target ≤ 1.25×)"
    )
    print(
        f"peak RSS: {ours['peak_rss_mb']} MB (this process), "
        f"{ours['peak_rss_children_mb']} MB (largest child) — target ≤ 300 MB"
    )
    if theirs:
        cold = theirs["runs"][0]["pass1_cold"]["wall_s"] / ours["pass1_cold"]["wall_s"]
        print(f"cold pass: curator is {cold:.2f}× faster than reader workers=16 (target ≥ 3×)")


if __name__ == "__main__":
    main()
