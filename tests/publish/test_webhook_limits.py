"""Webhook deliveries against hostile receivers on 127.0.0.1: one that drips its answer,
one that never answers, one that answers with a huge body; bounded concurrency; and a
secret that is not set. Every case asserts what happened, never how long it took
(pytest-timeout is the guard)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace

import pytest
from fetch.servers import RawServer
from fetch.servers import Reply

from curator.config import TargetSettings
from curator.config import parse_sources_document
from curator.errors import ConfigError
from curator.model import Post
from curator.model import PublishResult
from curator.publish.webhook import MAX_ANSWER_BYTES
from curator.publish.webhook import WebhookLimits
from curator.publish.webhook import deliver_webhooks
from curator.publish.webhook import webhook_limits
from publish.test_webhook import POST
from publish.test_webhook import SECRET
from publish.test_webhook import Receiver

ENV = {"CURATOR_WEBHOOK_SECRET": SECRET}
FAST = WebhookLimits(timeout=2.0, budget=30.0, concurrency=4, retries=0, backoff=0.001)


def posts(count: int) -> list[Post]:
    return [
        replace(POST, draft_id=n, slug=f"curator-{n}", content_hash=f"h{n}")
        for n in range(1, count + 1)
    ]


def hook(url: str, **options: str) -> TargetSettings:
    return TargetSettings(
        name="hook", type="webhook", options=(("url", url), *sorted(options.items()))
    )


def deliver_all(
    items: Sequence[Post],
    target: TargetSettings,
    *,
    limits: WebhookLimits | None = FAST,
    env: Mapping[str, str] = ENV,
) -> tuple[list[PublishResult], list[PublishResult]]:
    """The results, and what on_result saw (in the order it saw them)."""
    seen: list[PublishResult] = []

    async def on_result(result: PublishResult) -> None:
        seen.append(result)

    results = asyncio.run(
        deliver_webhooks(items, target=target, env=env, limits=limits, on_result=on_result)
    )
    return results, seen


def read_request(conn: socket.socket) -> bytes:
    """One HTTP request (headers and a Content-Length body) from ``conn``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


class Dripper:
    """Answers 200 at once, then drips the body a byte every 50 ms, never finishing: each
    gap is far below any read timeout, so only a total deadline ends the attempt."""

    def __init__(self) -> None:
        self.requests = 0
        self.bytes_dripped = 0
        self._lock = threading.Lock()

    def __call__(self, conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        with self._lock:
            self.requests += 1
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Content-Length: 100000\r\n\r\n")
        while not stop.wait(0.05):
            conn.sendall(b" ")
            with self._lock:
                self.bytes_dripped += 1


class Hanger:
    """Reads the request and never answers."""

    def __init__(self) -> None:
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        with self._lock:
            self.requests += 1
        stop.wait()


@pytest.mark.timeout(60)
def test_a_dripping_receiver_is_cut_off_by_the_attempt_deadline() -> None:
    dripper = Dripper()
    limits = replace(FAST, timeout=0.5, retries=1)
    with RawServer(dripper) as server:
        results, seen = deliver_all(posts(1), hook(server.url("/in")), limits=limits)
    [result] = results
    assert (result.outcome, result.error) == ("error", "timed out after 2 attempts")
    assert seen == results
    assert dripper.requests == 2
    assert dripper.bytes_dripped > 0  # it was sending all along


@pytest.mark.timeout(60)
def test_a_hanging_receiver_uses_up_the_budget_and_the_rest_is_not_sent() -> None:
    hanger = Hanger()
    limits = replace(FAST, timeout=600.0, budget=0.5, concurrency=2, retries=3)
    with RawServer(hanger) as server:
        results, seen = deliver_all(posts(5), hook(server.url("/in")), limits=limits)
    assert [r.draft_id for r in results] == [1, 2, 3, 4, 5]
    assert sorted(r.draft_id for r in seen) == [1, 2, 3, 4, 5]  # every result recorded
    assert all(r.outcome == "error" for r in results)
    timed_out = [r for r in results if r.error == "timed out: the target's 0.5s budget ran out"]
    not_sent = [r for r in results if r.error == "not sent: the target's 0.5s budget ran out"]
    assert len(timed_out) == 2 and len(not_sent) == 3  # two were in flight
    assert hanger.requests == 2


class GatedReceiver(Receiver):
    """Holds each request until ``width`` are in flight together (a barrier), and
    records the most it ever saw at once."""

    def __init__(self, width: int) -> None:
        self.barrier = threading.Barrier(width, timeout=20)
        self.active = 0
        self.max_active = 0
        self._gate_lock = threading.Lock()
        super().__init__()

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._gate_lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self.barrier.wait()
            return super()._receive(path, headers, body)
        finally:
            with self._gate_lock:
                self.active -= 1


@pytest.mark.timeout(60)
def test_posts_go_concurrency_at_a_time() -> None:
    with GatedReceiver(width=3) as receiver:
        results, _ = deliver_all(
            posts(6), hook(receiver.url("/in")), limits=replace(FAST, concurrency=3)
        )
    assert [r.outcome for r in results] == ["created"] * 6
    assert receiver.max_active == 3  # the barrier opened, so three were in flight; never more
    assert all(d.valid for d in receiver.deliveries)
    assert len(receiver.accepted) == 6


@pytest.mark.parametrize(
    ("env", "options", "error"),
    [
        ({}, {}, "its secret variable CURATOR_WEBHOOK_SECRET is not set"),
        (ENV, {"secret_env": "CURATOR_TEST_UNSET"}, "CURATOR_TEST_UNSET is not set"),
        ({"CURATOR_TEST_EMPTY": ""}, {"secret_env": "CURATOR_TEST_EMPTY"}, "is empty"),
    ],
)
def test_a_missing_secret_refuses_to_send(
    env: dict[str, str], options: dict[str, str], error: str
) -> None:
    with Receiver() as receiver:
        results, seen = deliver_all(posts(2), hook(receiver.url("/in"), **options), env=env)
    assert receiver.deliveries == []
    assert [r.outcome for r in results] == ["error", "error"]
    assert all(r.error and error in r.error and "refusing" in r.error for r in results)
    assert seen == results


def test_a_huge_answer_is_not_kept() -> None:
    big = b'{"id": "remote-1", "pad": "' + b"x" * MAX_ANSWER_BYTES + b'"}'
    reply = Reply(200, big, {"Content-Type": "application/json"})
    with Receiver([reply]) as receiver:
        [result], _ = deliver_all(posts(1), hook(receiver.url("/in")))
    assert (result.outcome, result.remote_id) == ("created", "curator-1")


def test_an_overlong_remote_url_is_not_kept() -> None:
    body = b'{"id": "r-1", "url": "https://r.example/' + b"a" * 5000 + b'"}'
    with Receiver([Reply(200, body, {"Content-Type": "application/json"})]) as receiver:
        [result], _ = deliver_all(posts(1), hook(receiver.url("/in")))
    assert (result.outcome, result.remote_id, result.remote_url) == ("created", "r-1", None)


def test_limits_come_from_the_target_options() -> None:
    target = hook("http://127.0.0.1/", timeout="500ms", budget="2m", concurrency="8")
    assert webhook_limits(target) == WebhookLimits(timeout=0.5, budget=120.0, concurrency=8)
    assert webhook_limits(hook("http://127.0.0.1/")) == WebhookLimits()
    for bad in ({"timeout": "0s"}, {"concurrency": "0"}, {"budget": "soon"}):
        with pytest.raises(ValueError):
            webhook_limits(hook("http://127.0.0.1/", **bad))


def test_bad_limits_fail_every_post_without_sending() -> None:
    with Receiver() as receiver:
        results, _ = deliver_all(posts(1), hook(receiver.url("/"), concurrency="0"), limits=None)
    assert results[0].error is not None and "concurrency" in results[0].error
    assert receiver.deliveries == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timeout: 0s", "timeout: must be more than 0"),
        ("budget: soon", "budget: not a duration"),
        ("concurrency: 0", "concurrency: expected a whole number"),
    ],
)
def test_sources_yaml_checks_the_webhook_limits(line: str, message: str) -> None:
    text = (
        "publish:\n"
        "  targets:\n"
        "    - name: hooks\n"
        "      type: webhook\n"
        "      url: https://hooks.example/in\n"
        f"      {line}\n"
    )
    with pytest.raises(ConfigError, match=message):
        parse_sources_document(text, "sources.yaml")
    good = text.replace(line, "timeout: 30s\n      budget: 10m\n      concurrency: 2")
    [target] = parse_sources_document(good, "sources.yaml").publish.targets
    assert webhook_limits(target) == WebhookLimits(timeout=30.0, budget=600.0, concurrency=2)


_BOMB_CHILD = """
import asyncio, base64, pickle, resource, sys
from curator.publish.webhook import deliver_webhooks
post, target, env, limits = pickle.loads(base64.b64decode(sys.argv[1]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
[result] = asyncio.run(deliver_webhooks([post], target=target, env=env, limits=limits))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(result.outcome, result.remote_id, (after - before) * 1024)
"""


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_answer_bomb_is_never_expanded(encoding: str) -> None:
    """256 MiB of JSON padding squeezed into a few hundred KB: the receiver's answer is
    read raw (we ask for identity), so the peak memory of a real process stays small."""
    import base64
    import gzip
    import pickle
    import subprocess
    import sys

    import brotli

    padding = b'{"id": "bomb", "pad": "' + b"0" * (256 * 1024 * 1024) + b'"}'
    if encoding == "gzip":
        body = gzip.compress(padding, compresslevel=6)
    else:
        body = brotli.compress(padding, quality=1)
    del padding
    reply = Reply(200, body, {"Content-Type": "application/json", "Content-Encoding": encoding})
    with Receiver([reply]) as receiver:
        payload = (posts(1)[0], hook(receiver.url("/in")), ENV, FAST)
        argument = base64.b64encode(pickle.dumps(payload)).decode()
        child = subprocess.run(
            [sys.executable, "-c", _BOMB_CHILD, argument],
            capture_output=True,
            text=True,
            check=True,
        )
    outcome, remote_id, grew = child.stdout.split()
    assert (outcome, remote_id) == ("created", "curator-1")  # the answer was ignored
    assert int(grew) < 32 * 1024 * 1024, f"peak memory grew by {int(grew) >> 20} MiB"
