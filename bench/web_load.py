"""The web desk under load (#12): the queue page, the draft page and search with
10,000 drafts, served by `curator web` (uvicorn on loopback) to 8 concurrent clients.

The drafts are made the way an install makes them: invented article pages (each a
different story, with three quotes by people from a pool of 400) are written to
disk under file: sources, and `Curator.fetch()` stores the entries, extracts the
pages and curates a draft of each. Each source is fetched on its own day of a fake
clock (8 days apart, past the 7-day dedup window), so the drafts span a year and
dedup compares each story with its batch only. The database is kept (default
/tmp/curator-web-bench/) and reused by later runs.

Then `curator web` runs as a subprocess; 8 clients, each logged in with its own
session, request the pages concurrently; the script prints p50/p95/p99 per page.
Prints figures; asserts nothing but that every answer is 200.

    .venv/bin/python bench/web_load.py [--drafts 10000] [--requests 400] [--clients 8]
    .venv/bin/python bench/web_load.py --fresh     # regenerate the database
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import httpx

from curator import make_curator
from curator.config import load_settings

CURATOR = Path(sys.executable).with_name("curator")
DEFAULT_DIR = Path("/tmp/curator-web-bench")
PER_SOURCE = 250
USER, PASSWORD = "bench", "bench-password-1"
T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

FIRST = (
    "Ada Bruno Carla Dmitri Elena Farid Greta Hugo Ines Jonas Kemal Lena Marek Nadia Oskar"
    " Priya Quentin Rosa Samir Tamsin"
).split()
LAST = (
    "Abbott Brandt Castell Dalton Ekwueme Feld Garrow Holm Ilves Jansen Kowal Lund Moreau"
    " Nandakumar Okafor Petrov Quist Reyes Sato Tamm"
).split()
ROLES = (
    "the harbour master",
    "a councillor",
    "the union's secretary",
    "a ferry captain",
    "the port's engineer",
    "a fishmonger",
    "the mayor's spokesperson",
    "a shop owner",
)
PLACES = (
    "Calder Bay",
    "Wrenna",
    "Quay Street",
    "Northgate",
    "Marsh End",
    "Saltcote",
    "Fenwick",
    "Brackley",
    "Old Harbour",
    "Lantern Hill",
    "Gull Point",
    "Tidewater",
    "Eastmoor",
    "Kelp Row",
    "Ashby Dock",
)
TOPICS = (
    "ferry timetable",
    "harbour wall",
    "fish market",
    "night shift",
    "storm repairs",
    "school bus route",
    "library hours",
    "parking charges",
    "lighthouse museum",
    "flood barrier",
    "crane drivers' pay",
    "allotment rents",
)
VERBS = ("delays", "approves", "rejects", "reviews", "defends", "questions", "doubles", "cuts")
BODIES = ("council", "port board", "ferry operator", "union", "trust", "committee", "agency")
WORDS = (
    "after weeks of talks residents said the plan would change how the district works at night"
    " and the cost of the project rose again while engineers warned that the old stones needed"
    " care before winter storms reached the coast and traders asked for a clear answer from"
    " the board about rents fares timetables repairs grants budgets staff boats cranes"
    " schools gardens markets bridges roads meetings letters reports figures votes"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def speakers(count: int = 400) -> list[str]:
    """The pool of people quoted, in a fixed shuffled order (the first are quoted most)."""
    people = [f"{first} {last}" for first in FIRST for last in LAST][:count]
    random.Random(4).shuffle(people)
    return people


def article(rng: random.Random, number: int, people: list[str]) -> tuple[str, str]:
    """An invented story: (headline, HTML page) with three attributed quotes."""
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    body = rng.choice(BODIES)
    headline = f"{place} {body} {rng.choice(VERBS)} {topic} plan, story {number}".title()
    # Zipf-like: a few people are quoted often, most rarely (as in real coverage).
    voices = [people[min(int(rng.paretovariate(1.2)) - 1, len(people) - 1)] for _ in range(3)]
    paragraphs = [
        f"The {body} in {place} met on Tuesday to discuss the {topic}. {sentence(rng, 24)}",
        f"“{sentence(rng, 14)[:-1]},” said {voices[0]}, {rng.choice(ROLES)}.",
        f"{sentence(rng, 30)} {sentence(rng, 20)}",
        f"“{sentence(rng, 12)[:-1]},” {voices[1]} said. {sentence(rng, 18)}",
        f"{sentence(rng, 26)} {sentence(rng, 22)}",
        f"{voices[2]} told reporters that the plan was “{sentence(rng, 8)[:-1].lower()}”.",
        f"“{sentence(rng, 11)[:-1]},” said {voices[0]}. {sentence(rng, 14)}",
        f"{sentence(rng, 28)} {sentence(rng, 16)}",
    ]
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(headline)}</title></head><body><article><h1>{escape(headline)}</h1>"
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    return headline, html


def write_site(folder: Path, drafts: int) -> list[str]:
    """Article pages and one feed per PER_SOURCE of them; returns the source ids."""
    rng = random.Random(12)
    people = speakers()
    pages = folder / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    source_ids: list[str] = []
    lines = ["fetch:", "  timeout: 30s", "defaults:", "  interval: 30m", "sources:"]
    for batch in range(0, drafts, PER_SOURCE):
        source_id = f"outlet-{batch // PER_SOURCE:02d}"
        items = []
        for number in range(batch, min(batch + PER_SOURCE, drafts)):
            headline, html = article(rng, number, people)
            path = pages / f"story-{number:05d}.html"
            path.write_text(html, encoding="utf-8")
            published = format_datetime(T0 + timedelta(hours=number), usegmt=True)
            items.append(
                f"<item><guid isPermaLink='false'>story-{number}</guid>"
                f"<title>{escape(headline)}</title><link>pages/{path.name}</link>"
                f"<pubDate>{published}</pubDate></item>"
            )
        feed = folder / f"{source_id}.xml"
        feed.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Outlet {batch // PER_SOURCE}</title><link>https://outlet.example/</link>"
            + "".join(items)
            + "</channel></rss>",
            encoding="utf-8",
        )
        source_ids.append(source_id)
        lines += [
            f"  - id: {source_id}",
            f"    url: {feed.as_uri()}",
            f"    outlet: Outlet {batch // PER_SOURCE}",
        ]
    (folder / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source_ids


class StepClock:
    """A fake clock moved forward by hand (one source per 'day')."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def generate(folder: Path, drafts: int) -> None:
    """Write the pages, fetch every source through the facade, add the bench user."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    source_ids = write_site(folder, drafts)
    settings = load_settings(
        folder / "sources.yaml",
        database_url=database_url(folder),
        data_dir=folder / "data",
        env={},
    )
    clock = StepClock(T0)
    with make_curator(settings, clock=clock) as facade:
        facade.upgrade()
        made = 0
        for source_id in source_ids:
            (report,) = facade.fetch([source_id])
            made = len(facade.list_drafts(limit=drafts + 1))
            print(
                f"  {source_id}: {report.counts.new} entries, {report.articles} pages,"
                f" {report.quotes} quotes; {made} drafts"
                f" ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            clock.now += timedelta(days=8)
    print(f"generated {made} drafts in {time.perf_counter() - started:.0f} s", flush=True)


def upgrade(folder: Path) -> None:
    """`curator db upgrade`: a database kept from an older version gets the new schema."""
    subprocess.run([str(CURATOR), *curator_flags(folder), "db", "upgrade"], check=True)


def curator_flags(folder: Path) -> list[str]:
    return [
        "--sources",
        str(folder / "sources.yaml"),
        "--database-url",
        database_url(folder),
        "--data-dir",
        str(folder / "data"),
    ]


def add_user(folder: Path) -> None:
    """The bench's reviewer, once."""
    settings = load_settings(
        folder / "sources.yaml", database_url=database_url(folder), data_dir=folder / "data"
    )
    with make_curator(settings) as facade:
        if USER not in {user.name for user in facade.list_users()}:
            facade.add_user(USER, PASSWORD)


def database_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'curator.db'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def web_server(folder: Path) -> Iterator[tuple[str, int]]:
    """`curator web` on a free loopback port, until the block ends: (URL, pid)."""
    port = free_port()
    command = [str(CURATOR), *curator_flags(folder), "web", "--port", str(port)]
    log = (folder / "web.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"curator web did not start; see {folder / 'web.log'}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


async def logged_in_client(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/login")
    match = CSRF.search(page.text)
    form = {"name": USER, "password": PASSWORD}
    if match:
        form["csrf_token"] = match.group(1) or match.group(2)
    answer = await client.post("/login", data=form)
    if answer.status_code != 303:  # a redirect to where the login was going
        raise SystemExit(f"login failed: {answer.status_code} {answer.text[:200]}")
    return client


async def timed_load(base: str, urls: list[str], clients: int) -> list[float]:
    """Every URL once, by `clients` concurrent logged-in clients; seconds per answer."""
    sessions = [await logged_in_client(base) for _ in range(clients)]
    pending = list(reversed(urls))
    times: list[float] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while pending:
            url = pending.pop()
            started = time.perf_counter()
            answer = await client.get(url)
            times.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise SystemExit(f"{url}: {answer.status_code}")

    try:
        await asyncio.gather(*(worker(client) for client in sessions))
    finally:
        for client in sessions:
            await client.aclose()
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def page_urls(rng: random.Random, folder: Path, requests: int) -> dict[str, list[str]]:
    settings = load_settings(
        folder / "sources.yaml", database_url=database_url(folder), data_dir=folder / "data"
    )
    with make_curator(settings) as facade:
        ids = [d.id for d in facade.list_drafts(limit=100_000)]
    people = speakers()
    terms = [*PLACES, *(p.split()[1] for p in people[:40]), "harbour wall", "ferry"]
    # The queue: the first page, and later pages by keyset (?after=).
    queue = ["/" if i % 2 == 0 else f"/?after={rng.choice(ids)}" for i in range(requests)]
    return {
        "queue": queue,
        "draft": [f"/drafts/{rng.choice(ids)}" for _ in range(requests)],
        "search": [f"/?q={rng.choice(terms)}" for _ in range(requests)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400, help="per page kind")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--fresh", action="store_true", help="regenerate the database")
    args = parser.parse_args()
    if args.fresh or not (args.dir / "curator.db").exists():
        print(f"generating {args.drafts} drafts into {args.dir} …", flush=True)
        generate(args.dir, args.drafts)
    upgrade(args.dir)
    add_user(args.dir)
    urls = page_urls(random.Random(7), args.dir, args.requests)
    print(f"{len(urls['draft'])} requests per page, {args.clients} clients, {os.cpu_count()} CPUs")
    with web_server(args.dir) as (base, pid):
        # Warm-up: one client, then all (what a fresh process loads at its first
        # pages is not measured).
        warm = [urls[kind][0] for kind in urls]
        asyncio.run(timed_load(base, warm, 1))
        asyncio.run(timed_load(base, warm * args.clients, args.clients))
        print(
            f"| page | server CPU ms/request | 1 client p50 ms | {args.clients} clients: p50 ms"
            " | p95 ms | p99 ms | req/s | target p95 |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for kind, target in (("queue", 100), ("draft", 100), ("search", 300)):
            # One client alone: the time a page takes to serve (no waiting in line).
            alone = asyncio.run(timed_load(base, urls[kind][: args.requests // 4], 1))
            started, cpu = time.perf_counter(), cpu_seconds(pid)
            times = asyncio.run(timed_load(base, urls[kind], args.clients))
            rate = len(times) / (time.perf_counter() - started)
            # CPU per answer, from the server's own counters: what a page costs,
            # whatever else the machine is doing (wall times here depend on that).
            cpu_each = (cpu_seconds(pid) - cpu) / len(times) * 1000
            p50, p95, p99 = (percentile(times, f) * 1000 for f in (0.5, 0.95, 0.99))
            print(
                f"| {kind} | {cpu_each:.1f} | {percentile(alone, 0.5) * 1000:.1f} | {p50:.1f}"
                f" | {p95:.1f}"
                f" | {p99:.1f} | {rate:.0f} | ≤ {target} ms"
                f" ({'met' if p95 <= target else 'missed'}) |",
                flush=True,
            )
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"load average after the run: {load}")


if __name__ == "__main__":
    main()
