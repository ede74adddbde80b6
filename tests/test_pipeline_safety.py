"""The fetch pipeline end to end (issue #3), continued from test_pipeline.py: crash safety,
source selection and the process pool."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import Seen
from fetch.servers import rss
from test_pipeline import CURATOR_BIN
from test_pipeline import FakeClock
from test_pipeline import assert_no_duplicates
from test_pipeline import by_source
from test_pipeline import entry_counts
from test_pipeline import feed
from test_pipeline import open_curator
from test_pipeline import write_sources

import curator
from curator import FetchOutcome
from curator import NotFoundError
from curator import SourceReport
from curator.config import load_settings

# --- crash safety ---------------------------------------------------------------------------


def test_a_store_failure_mid_run_keeps_what_was_committed(
    tmp_path: Path, database_url: str
) -> None:
    clock = FakeClock()
    routes = {
        f"/s{i}.xml": Reply(body=feed([(f"s{i}-{j}", "T", "d") for j in range(i)]))
        for i in (2, 3, 4)
    }
    with FeedServer(routes) as server:
        sources = {f"s{i}": server.url(f"/s{i}.xml") for i in (2, 3, 4)}
        with open_curator(tmp_path, database_url, sources, clock=clock) as facade:
            committed: list[str] = []

            def break_after_first(report: SourceReport) -> None:
                committed.append(report.source_id)
                clock.fail = True  # the next source's store step raises

            with pytest.raises(RuntimeError, match="the clock broke"):
                facade.fetch(on_report=break_after_first)
            clock.fail = False
            assert len(committed) == 1
            (first,) = committed
            expected = int(first[1:])
            counts = entry_counts(facade)
            assert counts == {sid: (expected if sid == first else 0) for sid in sources}

            rerun = by_source(facade.fetch())
            assert (rerun[first].counts.new, rerun[first].counts.unchanged) == (0, expected)
            for sid in sources:
                if sid != first:
                    assert rerun[sid].counts.new == int(sid[1:])
            assert entry_counts(facade) == {"s2": 2, "s3": 3, "s4": 4}
            assert_no_duplicates(facade)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[tuple[int, str]] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            fields = _stat(child)
            if fields is not None:
                found.append((child, fields[19]))
                todo.append(child)
    return found


def still_running(processes: Iterable[tuple[int, str]]) -> list[int]:
    """The pids of `processes` still running (same start time: not a reused pid)."""
    running = []
    for pid, started in processes:
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] not in ("Z", "X"):
            running.append(pid)
    return running


def kill_leftovers(processes: Iterable[tuple[int, str]]) -> None:
    for pid in still_running(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def fetch_killed_mid_run(
    tmp_path: Path, database_url: str
) -> Iterator[tuple[Path, list[tuple[int, str]]]]:
    """Run `curator fetch` as a subprocess and SIGKILL it once source `quick` is committed
    while source `slow` is still in flight. Yields the sources.yaml and the pids that were
    below the killed process; the ones still running are killed on exit."""
    release = threading.Event()

    def slow(seen: Seen) -> Reply:
        release.wait(30)
        return Reply(body=feed([("w1", "W1", "a"), ("w2", "W2", "b")]))

    quick = Reply(body=feed([(f"q{j}", "Q", "d") for j in range(3)]))
    below: list[tuple[int, str]] = []
    with FeedServer({"/quick.xml": quick, "/slow.xml": slow}) as server:
        path = write_sources(
            tmp_path, {"quick": server.url("/quick.xml"), "slow": server.url("/slow.xml")}
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        argv = [str(CURATOR_BIN), "--sources", str(path), "--database-url", database_url]
        argv += ["--data-dir", str(tmp_path / "data")]
        # only `db upgrade` creates a database (and applies sources.yaml to it)
        subprocess.run([*argv, "db", "upgrade"], env=env, cwd=tmp_path, check=True)
        argv += ["fetch", "--json"]
        with (tmp_path / "out.txt").open("wb") as output:
            process = subprocess.Popen(
                argv, env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            settings = load_settings(path, database_url=database_url, env={})
            deadline = time.monotonic() + 30
            with curator.make_curator(settings, parse_workers=0) as watcher:
                while True:
                    assert process.poll() is None, (tmp_path / "out.txt").read_text()
                    assert time.monotonic() < deadline, "source quick was never committed"
                    try:
                        if watcher.count_entries("quick") == 3:
                            break
                    except curator.StoreError:
                        pass  # the schema is still being created
                    time.sleep(0.05)
            assert "/slow.xml" in server.paths()  # in flight: its server is holding it
            below = descendants(process.pid)
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=10) == -signal.SIGKILL
            release.set()
            yield path, below
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            release.set()
            kill_leftovers(below)


def test_killed_fetch_process_keeps_committed_sources(tmp_path: Path, database_url: str) -> None:
    """SIGKILL `curator fetch` while a slow source is in flight; a re-run duplicates nothing."""
    with fetch_killed_mid_run(tmp_path, database_url) as (path, _):
        settings = load_settings(path, database_url=database_url, env={})
        with curator.make_curator(settings, parse_workers=0) as facade:
            assert entry_counts(facade) == {"quick": 3, "slow": 0}
            rerun = by_source(facade.fetch())
            assert (rerun["quick"].counts.new, rerun["quick"].counts.unchanged) == (0, 3)
            assert rerun["slow"].counts.new == 2
            assert entry_counts(facade) == {"quick": 3, "slow": 2}
            assert_no_duplicates(facade)


def test_killed_fetch_process_leaves_no_parse_processes(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'curator.db'}"
    with fetch_killed_mid_run(tmp_path, database_url) as (_, below):
        assert below, "the parse pool was not running"
        deadline = time.monotonic() + 2
        while still_running(below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert still_running(below) == []


# --- selection and the process pool ----------------------------------------------------------


def test_unknown_source_id_raises_not_found_and_fetches_nothing(tmp_path: Path) -> None:
    with FeedServer({"/a.xml": Reply(body=rss(entries=2))}) as server:
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(tmp_path, database_url, {"a": server.url("/a.xml")}) as facade:
            with pytest.raises(NotFoundError, match="no source with id 'unknown'") as info:
                facade.fetch(["a", "unknown"])
            assert info.value.object_id == "unknown"
            assert isinstance(info.value, LookupError)
            assert server.requests == []
            assert facade.count_entries() == 0


def test_source_ids_limit_the_run(tmp_path: Path) -> None:
    routes = {f"/{n}.xml": Reply(body=rss(entries=1, base=f"http://{n}.example")) for n in "abc"}
    with FeedServer(routes) as server:
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        sources = {n: server.url(f"/{n}.xml") for n in "abc"}
        with open_curator(tmp_path, database_url, sources) as facade:
            reports = facade.fetch(["c", "a"])
            assert sorted(r.source_id for r in reports) == ["a", "c"]
            assert sorted(server.paths()) == ["/a.xml", "/c.xml"]
            assert entry_counts(facade) == {"a": 1, "b": 0, "c": 1}


def test_a_repeated_source_id_is_fetched_once(tmp_path: Path) -> None:
    with FeedServer({"/a.xml": Reply(body=rss(entries=2))}) as server:
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(tmp_path, database_url, {"a": server.url("/a.xml")}) as facade:
            reports = facade.fetch(["a", "a"])
            assert [r.source_id for r in reports] == ["a"]
            assert server.paths() == ["/a.xml"]


def test_parsing_in_the_process_pool_stores_every_source(tmp_path: Path) -> None:
    count = 12
    routes = {
        f"/p{i}.xml": Reply(body=rss(f"P{i}", entries=i % 5 + 1, base=f"http://p{i}.example"))
        for i in range(count)
    }
    routes["/bad.xml"] = Reply(body=b"<?xml version='1.0'?>\n<rss><channel><title>x</titl")
    with FeedServer(routes) as server:
        sources = {f"p{i}": server.url(f"/p{i}.xml") for i in range(count)}
        sources["bad"] = server.url("/bad.xml")
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(tmp_path, database_url, sources, parse_workers=2) as facade:
            reports = by_source(facade.fetch())
            assert reports["bad"].outcome is FetchOutcome.ERROR
            assert reports["bad"].error is not None and "malformed" in reports["bad"].error
            expected = {f"p{i}": i % 5 + 1 for i in range(count)}
            assert {s: r.counts.new for s, r in reports.items() if s != "bad"} == expected
            assert entry_counts(facade) == {**expected, "bad": 0}
            titles = {e.title for e in facade.list_entries(source_id="p7")}
            assert titles == {"Entry 0", "Entry 1", "Entry 2"}
