"""One-off commands next to a daemon (#11), as real processes on one SQLite database.

A second fetch or daemon is kept out by a lock beside the database (stale-proof: the
kernel drops it when its holder dies); a source that asked to wait is skipped unless
--force; no command but `db upgrade` creates a database.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import Seen
from fetch.servers import rss

from curator import BusyError
from curator import make_curator
from curator.config import load_settings

CURATOR_BIN = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "curator"
SLOW = 30.0  # at most this long the held feed waits for the test to release it


class Project:
    def __init__(self, root: Path, urls: dict[str, str]) -> None:
        self.root = root
        self.db = root / "curator.db"
        lines = ["fetch:\n  timeout: 20s\nsources:\n"]
        for sid, url in urls.items():
            lines.append(f"  - id: {sid}\n    url: {url}\n    fetch_articles: false\n")
        (root / "sources.yaml").write_text("".join(lines), encoding="utf-8")

    def args(self, *args: str) -> list[str]:
        return [
            str(CURATOR_BIN),
            "--sources",
            str(self.root / "sources.yaml"),
            "--database-url",
            f"sqlite:///{self.db}",
            "--data-dir",
            str(self.root / "data"),
            *args,
        ]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        return {**env, "COLUMNS": "200"}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.args(*args), env=self.env(), capture_output=True, text=True, timeout=120
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.args(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def entries(self) -> int:
        with sqlite3.connect(self.db) as conn:
            (count,) = conn.execute("SELECT count(*) FROM entries").fetchone()
        return int(count)


def wait_until(condition: object, what: str, timeout: float = 60) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def release() -> threading.Event:
    """Set to let the held feed answer; until then (or SLOW seconds) its fetch goes on."""
    return threading.Event()


@pytest.fixture
def slow_server(release: threading.Event) -> Iterator[FeedServer]:
    def held(seen: Seen) -> Reply:
        release.wait(SLOW)
        return Reply(body=rss(entries=3))

    with FeedServer({"/slow.xml": held}) as server:
        yield server
        release.set()  # no request left waiting


@pytest.fixture
def project(tmp_path: Path, slow_server: FeedServer) -> Project:
    project = Project(tmp_path, {"slow": slow_server.url("/slow.xml")})
    upgraded = project.run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return project


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=60)


# --- two fetches ---------------------------------------------------------------------------


def test_a_second_fetch_says_another_is_running_and_with_wait_takes_its_turn(
    project: Project, slow_server: FeedServer, release: threading.Event
) -> None:
    first = project.start("fetch", "--json")
    try:
        wait_until(lambda: slow_server.paths(), "the first fetch to ask for the feed")
        second = project.run("fetch", "--json")
        assert second.returncode == 4, second.stderr
        assert f"another fetch is running (pid {first.pid})" in second.stderr
        assert second.stdout == ""  # nothing done, nothing reported

        waiting = project.start("fetch", "--json", "--wait")
        assert waiting.stderr is not None
        said = waiting.stderr.readline()  # the first fetch is held until it says so
        assert f"another fetch is running (pid {first.pid}): waiting" in said
        release.set()
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, err
        # It ran after the first one had finished: the feed was unchanged by then.
        (line,) = (json.loads(text) for text in out.splitlines())
        assert (line["outcome"], line["new"], line["unchanged"]) == ("ok", 0, 3)
    finally:
        out, err = stop(first)
    assert first.returncode == 0, err
    (line,) = (json.loads(text) for text in out.splitlines())
    assert (line["outcome"], line["new"]) == ("ok", 3)
    assert slow_server.paths() == ["/slow.xml", "/slow.xml"]  # never two at once
    assert project.entries() == 3  # nothing duplicated


def test_a_fetch_killed_with_sigkill_does_not_block_the_next(
    project: Project, slow_server: FeedServer, release: threading.Event
) -> None:
    first = subprocess.Popen(
        project.args("fetch"),
        env=project.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: slow_server.paths(), "the first fetch to ask for the feed")
    lock = project.db.with_name("curator.db.fetch.lock")
    assert lock.read_text().strip() == str(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    release.set()

    again = project.run("fetch", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new"] == 3
    assert project.entries() == 3


# --- two daemons ---------------------------------------------------------------------------


def test_a_second_daemon_on_the_same_database_is_refused(
    project: Project, release: threading.Event
) -> None:
    first = project.start("daemon", "--tick", "1h")
    try:
        lock = project.db.with_name("curator.db.daemon.lock")
        wait_until(
            lambda: lock.exists() and lock.read_text().strip() == str(first.pid),
            "the daemon to take its lock",
        )
        second = project.run("daemon", "--tick", "1h", "--max-ticks", "1")
        assert second.returncode == 4, second.stderr
        assert f"another daemon is running (pid {first.pid})" in second.stderr
        assert first.poll() is None  # the first one is untouched
    finally:
        release.set()
        stop(first)


def test_the_lock_is_a_facade_helper_the_daemon_calls(tmp_path: Path) -> None:
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'curator.db'}", env={})
    with make_curator(settings) as facade, make_curator(settings) as other:
        facade.upgrade()
        with facade.single_node_lock("fetch"):
            with pytest.raises(BusyError) as raised, other.single_node_lock("fetch"):
                pass
            assert raised.value.pid == os.getpid()
            with other.single_node_lock("daemon"):  # another kind: another lock
                pass
        with other.single_node_lock("fetch"):  # released on exit
            pass


# --- Retry-After ----------------------------------------------------------------------------


def test_a_source_paused_by_retry_after_is_skipped_until_forced(tmp_path: Path) -> None:
    busy = Reply(status=503, headers={"Retry-After": "3600"})
    with FeedServer({"/busy.xml": busy, "/ok.xml": Reply(body=rss(entries=2))}) as server:
        project = Project(tmp_path, {"busy": server.url("/busy.xml"), "ok": server.url("/ok.xml")})
        assert project.run("db", "upgrade").returncode == 0

        first = project.run("fetch")
        assert first.returncode == 1, first.stderr  # the 503 is a failure
        assert sorted(server.paths()) == ["/busy.xml", "/ok.xml"]

        again = project.run("fetch", "--json")
        assert again.returncode == 0, again.stderr  # paused is not a failure
        lines = {line["source"]: line for line in map(json.loads, again.stdout.splitlines())}
        assert lines["busy"]["outcome"] == "paused"
        assert lines["busy"]["paused_until"] is not None
        until = lines["busy"]["paused_until"][:19]  # to the second, as the message says
        assert lines["busy"]["error"].startswith(f"paused until {until}")
        assert "--force" in lines["busy"]["error"]
        assert lines["ok"]["outcome"] == "ok"
        assert server.paths().count("/busy.xml") == 1  # the server was left alone

        table = project.run("fetch")
        assert table.returncode == 0, table.stderr
        assert "busy: paused until " in table.stderr

        forced = project.run("fetch", "--force", "--source", "busy")
        assert forced.returncode == 1, forced.stderr  # fetched, and still 503
        assert server.paths().count("/busy.xml") == 2


# --- no implicit database ------------------------------------------------------------------


def test_drafts_list_on_a_missing_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    project = Project(tmp_path, {})
    project.db = tmp_path / "typo" / "curator.db"
    for command in (["drafts", "list"], ["fetch"], ["status"]):
        result = project.run(*command)
        assert result.returncode == 3, result.stderr
        assert f"no database at {project.db}; run `curator db upgrade`" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_an_empty_or_older_database_says_to_upgrade(tmp_path: Path) -> None:
    project = Project(tmp_path, {})
    sqlite3.connect(project.db).close()  # an empty file: not a curator database
    empty = project.run("drafts", "list")
    assert empty.returncode == 3
    assert "has no curator tables; run `curator db upgrade`" in empty.stderr

    assert project.run("db", "upgrade").returncode == 0
    with sqlite3.connect(project.db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    older = project.run("drafts", "list")
    assert older.returncode == 3
    assert "has schema 0001" in older.stderr and "run `curator db upgrade`" in older.stderr
