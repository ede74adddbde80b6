"""`curator daemon` as a real process against real loopback servers (#11): the feed farm
of ../shared/bench, and a local server for Retry-After. Sources on short intervals are
fetched on schedule, a 304 is not parsed, SIGTERM ends with exit 0 and nothing half
written, SIGHUP reloads sources.yaml (a broken one keeps the old configuration)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import rss

REPO = Path(__file__).resolve().parent.parent
FARM = REPO.parent / "shared" / "bench" / "feed_farm.py"
CURATOR = Path(sys.executable).parent / "curator"
#: A guard against a hung daemon (pytest-timeout is the outer one), not a measurement.
PATIENCE = 120.0

Event = dict[str, Any]


@pytest.fixture
def farm() -> Iterator[str]:
    """The feed farm of ../shared/bench on a free loopback port: 3 feeds of 2 entries."""
    if not FARM.is_file():
        pytest.skip(f"the feed farm is not there ({FARM}: ../shared is absent)")
    process = subprocess.Popen(
        [sys.executable, str(FARM), "serve", "--feeds", "3", "--entries", "2"]
        + ["--latency-ms", "0", "--port", "0", "--max-seconds", "600"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), base_url
        yield base_url
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def farm_stats(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/_stats", timeout=30) as answer:
        stats: dict[str, int] = json.loads(answer.read())
        return stats


def write_sources(
    path: Path, sources: list[tuple[str, str]], *, interval: str = "2s", extra: str = ""
) -> None:
    lines = [
        "fetch: {allow_private_networks: true}",  # the farm's article pages are on loopback
        f"defaults: {{interval: {interval}}}",
        *([extra] if extra else []),
        "sources:",
    ]
    lines += [f"  - {{id: {source_id}, url: '{url}', robots: false}}" for source_id, url in sources]
    path.write_text("\n".join(lines) + "\n")


class Daemon:
    """`curator daemon --log-format json` in a child process; its log lines as events."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.flags = [
            "--sources",
            str(tmp_path / "sources.yaml"),
            "--database-url",
            f"sqlite:///{tmp_path / 'curator.db'}",
            "--data-dir",
            str(tmp_path / "data"),
        ]
        self.database = tmp_path / "curator.db"
        self.events: list[Event] = []
        self.other: list[str] = []
        self._changed = threading.Condition()
        run = subprocess.run([str(CURATOR), *self.flags, "db", "upgrade"], capture_output=True)
        assert run.returncode == 0, run.stderr
        self.process = subprocess.Popen(
            [str(CURATOR), *self.flags, "daemon", "--tick", "1s", "--log-format", "json", *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    self.other.append(line)
                self._changed.notify_all()

    def wait_for(self, what: str, check: Callable[[list[Event]], bool]) -> None:
        deadline = time.monotonic() + PATIENCE
        with self._changed:
            while not check(self.events):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"never saw {what}: {self.events} {self.other}")
                self._changed.wait(min(left, 1.0))

    def source_runs(self, source_id: str) -> list[Event]:
        with self._changed:
            return [
                e for e in self.events if e.get("event") == "source" and e["source"] == source_id
            ]

    def status(self) -> str:
        """What `curator status` prints."""
        run = subprocess.run(
            [str(CURATOR), *self.flags, "status"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(PATIENCE)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.kill()


def ticks(events: list[Event]) -> list[Event]:
    return [e for e in events if e.get("event") == "tick"]


def test_sources_fetched_on_schedule_and_a_304_is_not_parsed(
    tmp_path: Path, farm: str, daemons: list[Daemon]
) -> None:
    ids = ["farm-0", "farm-1", "farm-2"]
    write_sources(tmp_path / "sources.yaml", [(i, f"{farm}/feeds/{i[-1]}.xml") for i in ids])
    daemon = Daemon(tmp_path)
    daemons.append(daemon)
    daemon.wait_for(
        "each source run three times", lambda _: all(len(daemon.source_runs(i)) >= 3 for i in ids)
    )
    shown = daemon.status()
    assert "nodes" in shown and str(daemon.process.pid) in shown  # its heartbeat row
    assert daemon.stop() == 0
    assert "nodes" not in daemon.status()  # a stopped daemon removes its row
    for source_id in ids:
        first, *later = daemon.source_runs(source_id)
        assert (first["outcome"], first["new"], first["http_status"]) == ("ok", 2, 200)
        # Unchanged feed: a conditional GET answered 304, nothing parsed or stored.
        assert {(e["outcome"], e["new"], e["http_status"]) for e in later} == {
            ("not_modified", 0, 304)
        }
    stats = farm_stats(farm)
    assert stats["200"] == 3 and stats["304"] >= 6
    assert stats["article_200"] == 6  # each page once
    done = ticks(daemon.events)
    assert sum(t["pages"] for t in done) == 6 and sum(t["drafts"] for t in done) == 6
    assert sum(t["errors"] for t in done) == 0
    start = next(e for e in daemon.events if e.get("event") == "start")
    assert "daemon started" in start["message"] and start["sources"] == 3


def test_retry_after_is_honoured(tmp_path: Path, daemons: list[Daemon]) -> None:
    # Two servers: Retry-After pauses the whole host (its port included).
    with (
        FeedServer({"/busy.xml": Reply(429, b"slow down", {"Retry-After": "3600"})}) as busy,
        FeedServer({"/ok.xml": Reply(body=rss())}) as ok,
    ):
        write_sources(
            tmp_path / "sources.yaml",
            [("busy", busy.url("/busy.xml")), ("ok", ok.url("/ok.xml"))],
            interval="1s",
        )
        daemon = Daemon(tmp_path)
        daemons.append(daemon)
        daemon.wait_for(
            "the healthy source run three times", lambda _: len(daemon.source_runs("ok")) >= 3
        )
        assert daemon.stop() == 0
        (run,) = daemon.source_runs("busy")  # asked to wait an hour: not fetched again
        assert (run["outcome"], run["http_status"]) == ("error", 429)
        assert busy.paths() == ["/busy.xml"]


def slow_pages_server() -> FeedServer:
    """A feed of 4 entries whose article pages take 30 s: longer than any deadline here."""
    routes: dict[str, Reply] = {
        f"/a/{k}.html": Reply(body=b"<html><p>slow</p></html>", delay=30) for k in range(4)
    }
    items = "".join(
        f"<item><title>Story {k}</title><link>{{base}}/a/{k}.html</link><guid>{k}</guid></item>"
        for k in range(4)
    )
    server = FeedServer(routes)
    body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
    server.routes["/feed.xml"] = Reply(
        body=body.replace("{base}", server.base_url).encode(),
        headers={"Content-Type": "application/rss+xml"},
    )
    return server


def stop_with_pages_in_flight(daemon: Daemon, server: FeedServer) -> None:
    daemon.wait_for("the feed stored", lambda _: len(daemon.source_runs("slow")) >= 1)
    while not server.paths().count("/a/0.html"):
        time.sleep(0.05)  # a page is in flight
    assert daemon.stop() == 0


def test_sigterm_mid_run_exits_0_with_nothing_half_written(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    # Article pages that take longer than the shutdown deadline: SIGTERM arrives while
    # they are in flight, and the deadline cancels them.
    with slow_pages_server() as server:
        write_sources(tmp_path / "sources.yaml", [("slow", server.url("/feed.xml"))])
        daemon = Daemon(tmp_path, "--shutdown-deadline", "1s")
        daemons.append(daemon)
        stop_with_pages_in_flight(daemon, server)
    messages = [e["message"] for e in daemon.events]
    assert any("shutdown deadline" in m for m in messages), messages
    with sqlite3.connect(daemon.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (4,)
        # The pages in flight were cancelled: no article row, so the next run fetches them.
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM drafts").fetchone() == (0,)


def test_sighup_reloads_sources_and_a_broken_file_keeps_the_old_ones(
    tmp_path: Path, farm: str, daemons: list[Daemon]
) -> None:
    sources = tmp_path / "sources.yaml"
    write_sources(sources, [("farm-0", f"{farm}/feeds/0.xml")], interval="1h")
    daemon = Daemon(tmp_path)
    daemons.append(daemon)
    daemon.wait_for("the first source run", lambda _: len(daemon.source_runs("farm-0")) == 1)

    sources.write_text("sources:\n  - {id: farm-0, url: [not, a, url], interval: soon}\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(
        "the reload refused", lambda events: any("reload failed" in e["message"] for e in events)
    )
    daemon.wait_for(
        "both errors", lambda events: sum("reload failed" in e["message"] for e in events) == 2
    )
    url_error, interval_error = (e for e in daemon.events if "reload failed" in e["message"])
    assert url_error["level"] == interval_error["level"] == "error"
    assert "sources.yaml:2: sources[0].url" in url_error["message"]
    assert "sources.yaml:2: sources[0].interval" in interval_error["message"]

    write_sources(
        sources,
        [("farm-0", f"{farm}/feeds/0.xml"), ("farm-1", f"{farm}/feeds/1.xml")],
        interval="1h",
    )
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for("the added source run", lambda _: len(daemon.source_runs("farm-1")) == 1)
    assert daemon.stop() == 0
    assert len(daemon.source_runs("farm-0")) == 1  # not due for an hour, reload or not
    assert any(e["message"] == "configuration reloaded: 2 sources" for e in daemon.events)


@pytest.mark.parametrize(
    ("flag", "deadline"),
    [([], "2.0 s"), (["--shutdown-deadline", "1s"], "1.0 s")],
    ids=["setting", "flag-over-setting"],
)
def test_the_shutdown_deadline_setting_and_the_flag_over_it(
    tmp_path: Path, daemons: list[Daemon], flag: list[str], deadline: str
) -> None:
    with slow_pages_server() as server:
        write_sources(
            tmp_path / "sources.yaml",
            [("slow", server.url("/feed.xml"))],
            extra="daemon: {shutdown_deadline: 2s}",
        )
        daemon = Daemon(tmp_path, *flag)
        daemons.append(daemon)
        stop_with_pages_in_flight(daemon, server)
    messages = [e["message"] for e in daemon.events]
    assert f"SIGTERM: stopping (in-flight work has {deadline} to finish)" in messages, messages
    assert f"shutdown deadline ({deadline}) reached: cancelling the work in flight" in messages
