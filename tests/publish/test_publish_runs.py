"""Whole publish runs against hostile receivers on 127.0.0.1: the ledger is written per
delivery (a kill -9 part-way sends nothing twice), deadlines end a run and leave
"timed out" in the ledger, a missing secret refuses its target, and a draft is
`published` only once every configured target has it.

Real `curator publish` processes where the issue asks for them (kill -9, the dripping
receiver); the facade elsewhere. Behaviour only, never elapsed time: pytest-timeout
is the guard."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from fetch.servers import RawServer
from fetch.servers import Reply
from test_publish_flow import write_sources
from typer.testing import CliRunner

from curator import Curator
from curator import DraftState
from curator import make_curator
from curator.cli import app
from curator.config import load_settings
from curator.core import utc_now
from publish.test_webhook import SECRET
from publish.test_webhook import Receiver
from publish.test_webhook_limits import Dripper
from publish.test_webhook_limits import Hanger

CURATOR_BIN = Path(sys.executable).parent / "curator"
SECRET_ENV = "CURATOR_TEST_WEBHOOK_SECRET"


def targets(*lines: str) -> str:
    return "publish:\n  targets:\n" + "".join(f"    - {line}\n" for line in lines)


def hooks(url: str, extra: str = "") -> str:
    return f"{{name: hooks, type: webhook, url: '{url}', secret_env: {SECRET_ENV}{extra}}}"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def sample(tmp_path: Path, publish: str, clock: FakeClock | None = None) -> Iterator[Curator]:
    """The facade over the offline sample, with this publish section."""
    settings = load_settings(
        write_sources(tmp_path, publish),
        database_url=f"sqlite:///{tmp_path / 'curator.db'}",
        data_dir=tmp_path / "data",
        env={},
    )
    with make_curator(settings, parse_workers=0, clock=clock or utc_now) as facade:
        facade.upgrade()
        yield facade


@contextmanager
def approved_sample(
    tmp_path: Path, publish: str, clock: FakeClock | None = None
) -> Iterator[Curator]:
    """The offline sample fetched, its three drafts approved."""
    with sample(tmp_path, publish, clock) as facade:
        facade.fetch()
        for draft in facade.list_drafts():
            facade.approve(draft.id, by="ed")
        yield facade


def cli_flags(tmp_path: Path) -> list[str]:
    return [
        "--sources",
        str(tmp_path / "sources.yaml"),
        "--database-url",
        f"sqlite:///{tmp_path / 'curator.db'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]


def curator_env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    return {**clean, **extra}


def acknowledged_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM publish_ledger WHERE error IS NULL"
        ).fetchone()
    return int(count)


class AckThenHang(Receiver):
    """In phase 1, acknowledges the first ``acks`` posts and holds every other request
    unanswered; in phase 2, acknowledges everything. Logs (phase, idempotency key)."""

    def __init__(self, acks: int) -> None:
        self.acks = acks
        self.phase = 1
        self.log: list[tuple[int, str]] = []
        self.holding = 0
        self.release = threading.Event()
        self._phase_lock = threading.Lock()
        super().__init__()

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        key = headers.get("idempotency-key", "")
        with self._phase_lock:
            self.log.append((self.phase, key))
            acked = sum(1 for phase, _ in self.log[:-1] if phase == 1)
            hold = self.phase == 1 and acked >= self.acks
            if hold:
                self.holding += 1
        if hold:
            self.release.wait()
            return Reply(503)
        return super()._receive(path, headers, body)


@pytest.mark.timeout(120)
def test_kill_9_part_way_does_not_send_acknowledged_posts_again(tmp_path: Path) -> None:
    receiver = AckThenHang(acks=2)
    with receiver:
        with approved_sample(tmp_path, targets(hooks(receiver.url("/in")))):
            pass
        env = curator_env(**{SECRET_ENV: SECRET})
        db = tmp_path / "curator.db"
        process = subprocess.Popen(
            [str(CURATOR_BIN), *cli_flags(tmp_path), "publish"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Acknowledged by the receiver and written to the ledger, the third one held.
            while acknowledged_rows(db) < 2 or receiver.holding < 1:
                assert process.poll() is None, "curator publish ended before the kill"
                time.sleep(0.02)
        finally:
            process.kill()  # SIGKILL: no cleanup, no final ledger write
            process.wait()
        first_run = [key for phase, key in receiver.log if phase == 1]
        acknowledged = set(receiver.accepted)
        assert len(acknowledged) == 2

        receiver.phase = 2
        receiver.release.set()
        second = subprocess.run(
            [str(CURATOR_BIN), *cli_flags(tmp_path), "publish", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert second.returncode == 0, second.stderr
    second_run = [key for phase, key in receiver.log if phase == 2]
    assert len(set(first_run)) == 3
    assert len(second_run) == 1 and second_run[0] not in acknowledged
    assert len(receiver.accepted) == 3  # every post acknowledged exactly once
    [result] = [json.loads(line) for line in second.stdout.splitlines()]
    assert (result["target"], result["outcome"]) == ("hooks", "created")


@pytest.mark.timeout(120)
def test_a_dripping_receiver_ends_the_run_with_timed_out_in_the_ledger(tmp_path: Path) -> None:
    dripper = Dripper()
    with RawServer(dripper) as server:
        hook = hooks(server.url("/in"), ", timeout: 300ms, concurrency: 3")
        with approved_sample(tmp_path, targets(hook)):
            pass
        env = curator_env(**{SECRET_ENV: SECRET})
        done = subprocess.run(
            [str(CURATOR_BIN), *cli_flags(tmp_path), "publish", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=100,
            check=False,
        )
        status = subprocess.run(
            [str(CURATOR_BIN), *cli_flags(tmp_path), "publish", "--status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1  # finished, with failures
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["error"] for r in results] == ["timed out after 4 attempts"] * 3
    rows = [json.loads(line) for line in status.stdout.splitlines()]
    assert [(r["target"], r["outcome"], r["error"]) for r in rows] == [
        ("hooks", "error", "timed out after 4 attempts")
    ] * 3
    assert dripper.bytes_dripped > 0


@pytest.mark.timeout(120)
def test_a_hanging_receiver_is_cut_off_by_the_budget_and_retried_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    hanger = Hanger()
    with RawServer(hanger) as server:
        hook = hooks(server.url("/in"), ", timeout: 10m, budget: 1s, concurrency: 2")
        with approved_sample(tmp_path, targets(hook)) as facade:
            results = facade.publish()
            rows = facade.publish_status()
            states = {d.state for d in facade.list_drafts()}
    assert [r.outcome for r in results] == ["error"] * 3
    assert sorted(r.error or "" for r in rows) == [
        "not sent: the target's 1s budget ran out",
        "timed out: the target's 1s budget ran out",
        "timed out: the target's 1s budget ran out",
    ]
    assert hanger.requests == 2
    assert states == {DraftState.APPROVED}

    # The next run, against a receiver that answers, sends what failed.
    with Receiver() as receiver:
        with sample(tmp_path, targets(hooks(receiver.url("/in")))) as facade:
            again = facade.publish()
            states = {d.state for d in facade.list_drafts()}
            rows = facade.publish_status()
    assert [r.outcome for r in again] == ["created"] * 3
    assert len(receiver.accepted) == 3
    assert [(r.outcome, r.error) for r in rows] == [("created", None)] * 3
    assert states == {DraftState.PUBLISHED}


def test_an_unset_secret_refuses_the_target_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with Receiver() as receiver:
        with approved_sample(
            tmp_path, targets("{name: site, type: static}", hooks(receiver.url("/in")))
        ):
            pass
        done = CliRunner().invoke(app, [*cli_flags(tmp_path), "publish", "--json"])
    assert done.exit_code == 1
    results = [json.loads(line) for line in done.stdout.splitlines()]
    by_target = {(r["target"], r["outcome"]) for r in results}
    assert by_target == {("site", "created"), ("hooks", "error")}
    refused = [r["error"] for r in results if r["target"] == "hooks"]
    assert len(refused) == 3
    assert all(f"{SECRET_ENV} is not set" in e and "refusing" in e for e in refused)
    assert receiver.deliveries == []
    listing = CliRunner().invoke(app, [*cli_flags(tmp_path), "drafts", "list", "--json"])
    assert {json.loads(line)["state"] for line in listing.stdout.splitlines()} == {"approved"}


def test_published_only_when_every_configured_target_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with Receiver() as receiver:
        publish = targets("{name: site, type: static}", hooks(receiver.url("/in")))
        with approved_sample(tmp_path, publish) as facade:
            site_only = facade.publish(["site"])
            assert [r.outcome for r in site_only] == ["created"] * 3
            assert {d.state for d in facade.list_drafts()} == {DraftState.APPROVED}
            hooks_only = facade.publish(["hooks"])
            assert [r.outcome for r in hooks_only] == ["created"] * 3
            assert {d.state for d in facade.list_drafts()} == {DraftState.PUBLISHED}
            # Everything is everywhere: nothing is sent again.
            assert {r.outcome for r in facade.publish()} == {"unchanged"}
            assert len(receiver.deliveries) == 3


def test_atom_updated_is_never_before_published(tmp_path: Path) -> None:
    clock = FakeClock()
    with approved_sample(tmp_path, "", clock=clock) as facade:  # approved at 09:00
        clock.now += timedelta(hours=2)
        facade.publish()  # first published at 11:00
        story_dates = {f"curator-{d.id}": d.content.published_at for d in facade.list_drafts()}
    feed = feedparser.parse(str(tmp_path / "data" / "site" / "feed.xml"))
    assert feed.bozo == 0 and len(feed.entries) == 3
    for entry in feed.entries:
        assert entry.published_parsed <= entry.updated_parsed
        # published is the story's date (#12); the id keeps the day it was posted.
        assert entry.id.startswith("tag:localhost,2026-11-20:")
        assert datetime.fromisoformat(entry.published) == story_dates[entry.id.split(":")[-1]]
