"""Milliseconds per feed: the lxml fast path vs feedparser, in curator.fetch.parse.

Run: .venv/bin/python bench/parse_feeds.py [--repeat N]
Uses ../shared/bench/feed_farm.py (a generated 20-entry, ~21 KB RSS 2.0 feed) and the
feed corpus in ../shared/corpora/feeds when present. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

from curator.errors import FeedParseError
from curator.fetch import parse as parse_module
from curator.fetch.parse import parse_feed

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
URL = "http://127.0.0.1:8765/feeds/0.xml"


def per_call_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1000


def bench_generated(repeat: int) -> None:
    sys.path.insert(0, str(SHARED / "bench"))
    feed_farm = importlib.import_module("feed_farm")

    body: bytes = feed_farm.make_feed(0, 20, 0, "http://127.0.0.1:8765")
    ctype = "application/rss+xml"
    chosen = parse_feed(body, url=URL, content_type=ctype).parser
    fast = per_call_ms(lambda: parse_module._parse_fast(body, url=URL, content_type=ctype), repeat)
    slow = per_call_ms(
        lambda: parse_module._parse_feedparser(body, url=URL, content_type=ctype), repeat
    )
    full = per_call_ms(lambda: parse_feed(body, url=URL, content_type=ctype), repeat)
    print(f"generated feed: {len(body)} bytes, 20 entries, parse_feed chose {chosen}")
    print(f"  fast path (lxml) {fast:7.2f} ms/feed")
    print(f"  feedparser       {slow:7.2f} ms/feed   ({slow / fast:.1f}x the fast path)")
    print(f"  parse_feed       {full:7.2f} ms/feed   (fast path + identity + hashing)")


def bench_corpus(repeat: int) -> None:
    root = SHARED / "corpora" / "feeds"
    manifest = root / "MANIFEST.tsv"
    if not manifest.exists():
        print(f"corpus: {root} is absent, skipped")
        return
    with manifest.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    docs: list[tuple[bytes, str | None, str]] = []
    for row in rows:
        name, _, value = row["http_headers"].partition(":")
        ctype = value.strip() if name.strip().lower() == "content-type" else None
        body = (root / row["path"]).read_bytes()
        try:
            parser = parse_feed(body, url=URL, content_type=ctype).parser
        except FeedParseError:
            parser = "error"
        docs.append((body, ctype, parser))
    counts = {p: sum(1 for d in docs if d[2] == p) for p in ("lxml", "feedparser", "json", "error")}
    print(f"corpus: {len(docs)} files, parse_feed used {counts}")

    accepted = [(b, c) for b, c, p in docs if p == "lxml"]

    def run_fast() -> None:
        for body, ctype in accepted:
            parse_module._parse_fast(body, url=URL, content_type=ctype)

    def run_slow_on_accepted() -> None:
        for body, ctype in accepted:
            parse_module._parse_feedparser(body, url=URL, content_type=ctype)

    def run_all() -> None:
        for body, ctype, _ in docs:
            try:
                parse_feed(body, url=URL, content_type=ctype)
            except FeedParseError:
                pass

    def run_all_feedparser() -> None:
        for body, ctype, parser in docs:
            if parser == "json":
                continue
            try:
                parse_module._parse_feedparser(body, url=URL, content_type=ctype)
            except FeedParseError:
                pass

    n = max(len(accepted), 1)
    fast = per_call_ms(run_fast, repeat) / n
    slow = per_call_ms(run_slow_on_accepted, repeat) / n
    print(f"  {len(accepted)} files the fast path accepts:")
    print(f"    fast path (lxml) {fast:7.2f} ms/feed")
    print(f"    feedparser       {slow:7.2f} ms/feed")
    every = per_call_ms(run_all, repeat) / len(docs)
    every_fp = per_call_ms(run_all_feedparser, repeat) / (len(docs) - counts["json"])
    print(f"  all files: parse_feed {every:.2f} ms/feed, feedparser only {every_fp:.2f} ms/feed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bench_generated(args.repeat)
    bench_corpus(max(1, args.repeat // 10))


if __name__ == "__main__":
    main()
