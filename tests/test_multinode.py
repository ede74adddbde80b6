"""Several task workers on one PostgreSQL share the pipeline and never do an item twice
(#11): real processes (tests/support/curator_node.py → Curator.run_worker) against the
feed farm of ../shared/bench, whose counters count every request it served."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from testsupport import fresh_postgres_schema
from testsupport import shared_path

from curator import make_curator
from curator.store import Store

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NODE = Path(__file__).parent / "support" / "curator_node.py"
FEEDS = 24
ENTRIES = 3
INTERVAL = 8  # seconds: a round of 24 feeds (304s) takes well under one
DEADLINE = 60.0  # seconds to wait for any one condition; only a hung test hits it


@dataclass
class Farm:
    url: str
    proc: subprocess.Popen[str]

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/_stats", timeout=5) as response:
            data: dict[str, int] = json.load(response)
        return data

    def feed_requests(self) -> int:
        return sum(n for key, n in self.stats().items() if not key.startswith("article_"))

    def page_requests(self) -> int:
        return sum(n for key, n in self.stats().items() if key.startswith("article_"))


@dataclass
class Cluster:
    sources: Path
    database_url: str
    logs: Path
    nodes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, *, concurrency: int = 4) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(NODE),
                    "--sources",
                    str(self.sources),
                    "--database-url",
                    self.database_url,
                    "--node",
                    name,
                    "--concurrency",
                    str(concurrency),
                    "--tick",
                    "1",
                    "--heartbeat",
                    "0.5",
                    "--stalled-after",
                    "3",
                ],
                stdout=log,
                stderr=log,
            )
        self.nodes.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.nodes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.nodes:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log_text(self) -> str:
        return "".join(path.read_text() for path in sorted(self.logs.glob("*.log")))


@pytest.fixture
def farm() -> Iterator[Farm]:
    script = shared_path("bench", "feed_farm.py")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "serve",
            "--feeds",
            str(FEEDS),
            "--entries",
            str(ENTRIES),
            "--latency-ms",
            "100",
            "--port",
            "0",
            "--max-seconds",
            "300",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        assert url.startswith("http://127.0.0.1:"), url
        yield Farm(url=url, proc=proc)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def make_cluster(
    tmp_path: Path, postgres_url: str, farm: Farm
) -> Iterator[Callable[[int], Cluster]]:
    """Nodes on a fresh database whose sources are the farm's feeds, due every
    ``interval`` seconds."""
    database = fresh_postgres_schema(postgres_url)
    database_url = next(database)
    made: list[Cluster] = []

    def make(interval: int) -> Cluster:
        sources = tmp_path / "sources.yaml"
        lines = [
            "fetch:",
            "  allow_private_networks: true",  # the farm's article links are on loopback
            "  per_host_concurrency: 16",
            f"defaults: {{interval: {interval}s}}",
            "sources:",
        ]
        for i in range(FEEDS):
            lines += [
                f"  - id: farm-{i}",
                f"    url: {farm.url}/feeds/{i}.xml",
                "    robots: false",
            ]
        sources.write_text("\n".join(lines) + "\n")
        with make_curator(sources_path=str(sources), database_url=database_url) as facade:
            facade.upgrade()
            facade.upgrade()  # idempotent, the task queue's tables included
            facade.sync_sources()
        logs = tmp_path / "logs"
        logs.mkdir()
        made.append(Cluster(sources=sources, database_url=database_url, logs=logs))
        return made[-1]

    try:
        yield make
    finally:
        for cluster in made:
            cluster.stop()
        database.close()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def pipeline_counts(cluster: Cluster) -> tuple[int, int, set[int]]:
    """Entries, drafts, and the entries that have a draft (each once)."""
    with make_curator(sources_path=str(cluster.sources), database_url=cluster.database_url) as f:
        drafts = f.list_drafts(limit=10_000)
        entry_ids = [draft.entry_id for draft in drafts]
        assert len(entry_ids) == len(set(entry_ids)), "an entry has two drafts"
        return f.count_entries(), len(drafts), set(entry_ids)


def all_drafted(cluster: Cluster) -> bool:
    _, drafts, _ = pipeline_counts(cluster)
    return drafts == FEEDS * ENTRIES


def test_three_nodes_fetch_each_feed_once_per_interval(
    make_cluster: Callable[[int], Cluster], farm: Farm
) -> None:
    cluster = make_cluster(INTERVAL)
    for name in ("a", "b", "c"):
        cluster.start(name)
    # Three rounds: every feed fetched at least three times.
    wait_for(lambda: farm.feed_requests() >= 3 * FEEDS, "three rounds")
    wait_for(lambda: all_drafted(cluster), "every entry drafted")
    cluster.stop()
    # Each request the farm served is one recorded attempt of one node, and no feed was
    # fetched twice within an interval: a source's next fetch is due an interval (plus
    # jitter) after its previous one started, whichever node made it. Gaps, not counts
    # per time window: a loaded machine may stretch a round past the next one's start.
    attempts = fetch_attempts(cluster)
    assert sum(len(times) for times in attempts.values()) == farm.feed_requests()
    assert set(attempts) == {f"farm-{i}" for i in range(FEEDS)}
    for source_id, times in attempts.items():
        assert len(times) >= 3, source_id
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert min(gaps) >= INTERVAL - 0.01, (source_id, gaps)
    assert farm.page_requests() == FEEDS * ENTRIES  # each article page once
    entries, drafts, _ = pipeline_counts(cluster)
    assert (entries, drafts) == (FEEDS * ENTRIES, FEEDS * ENTRIES)
    logs = cluster.log_text()
    assert "Traceback" not in logs


def fetch_attempts(cluster: Cluster) -> dict[str, list[float]]:
    """Per source, the start times (epoch seconds) of its fetch attempts, oldest first."""
    with Store(cluster.database_url) as store:
        return {
            source.id: sorted(
                attempt.started_at.timestamp()
                for attempt in store.list_attempts(source.id, limit=1000)
            )
            for source in store.list_sources()
        }


def test_killed_node_work_is_finished_by_the_others(
    make_cluster: Callable[[int], Cluster], farm: Farm
) -> None:
    cluster = make_cluster(3600)  # one round: each feed is due once
    # The farm answers each request after 100 ms: 72 pages keep the nodes busy a while.
    victim = cluster.start("victim", concurrency=8)
    wait_for(lambda: farm.page_requests() > 0, "the victim fetching pages")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    fetched_by_victim = farm.page_requests()
    cluster.start("b")
    cluster.start("c")
    wait_for(lambda: all_drafted(cluster), "every entry drafted")
    cluster.stop()

    entries, drafts, _ = pipeline_counts(cluster)
    assert (entries, drafts) == (FEEDS * ENTRIES, FEEDS * ENTRIES)
    logs = cluster.log_text()
    retried = logs.count("retrying stalled job")
    assert retried > 0, "the victim's running jobs were taken over"
    # A feed or page in flight when the victim died is fetched again by its retried
    # job, and only then: every extra request is one retried job.
    assert fetched_by_victim < FEEDS * ENTRIES
    assert farm.feed_requests() >= FEEDS
    assert farm.page_requests() >= FEEDS * ENTRIES
    extra = farm.feed_requests() + farm.page_requests() - FEEDS * (1 + ENTRIES)
    assert extra <= retried
