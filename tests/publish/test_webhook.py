"""Webhook delivery against a real receiver on 127.0.0.1 that verifies every request."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import unused_port

from curator.config import TargetSettings
from curator.model import Post
from curator.model import PublishResult
from curator.publish.webhook import WebhookLimits
from curator.publish.webhook import deliver_webhook
from curator.publish.webhook import sign
from curator.publish.webhook import verify
from curator.publish.webhook import webhook_body

SECRET = "s3cret-shared-key"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

POST = Post(
    draft_id=7,
    slug="2024-05-01-mayor-says-bridge-will-reopen",
    title="Mayor says the bridge will reopen — “soon”",
    html="<p>The mayor told <em>The Courier</em> that “it will reopen in June.”</p>",
    summary="The bridge will reopen in June, the mayor said.",
    source_url="https://news.example.org/bridge",
    outlet="The Courier",
    published_at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    updated_at=datetime(2024, 5, 1, 11, 30, tzinfo=UTC),
    tags=("local", "transport"),
    content_hash="abc123",
)


@dataclass(frozen=True)
class Delivery:
    """One POST as the receiver saw it (header names lowercased)."""

    path: str
    headers: dict[str, str]
    body: bytes
    valid: bool  # signature verified and timestamp fresh


class Receiver(FeedServer):
    """A webhook receiver: verifies each POST with `verify` against the real clock, answers
    with the next of ``replies`` (the last one repeats), 401 when verification fails,
    and accepts each Idempotency-Key once (as a receiver that drops duplicates would)."""

    def __init__(self, replies: Sequence[Reply] = (Reply(200),), secret: str = SECRET) -> None:
        self.secret = secret
        self.replies = list(replies)
        self.deliveries: list[Delivery] = []
        self.accepted: dict[str, bytes] = {}
        self._receive_lock = threading.Lock()
        super().__init__()

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        try:
            timestamp = int(headers.get("x-curator-timestamp", ""))
        except ValueError:
            timestamp = 0
        valid = verify(
            body,
            timestamp,
            headers.get("x-curator-signature", ""),
            self.secret,
            now=datetime.now(UTC),
        )
        with self._receive_lock:
            reply = self.replies[min(len(self.deliveries), len(self.replies) - 1)]
            self.deliveries.append(Delivery(path, headers, body, valid))
            if not valid:
                return Reply(401, b"bad signature")
            # A delayed reply is one the client gave up on (it timed out): not accepted.
            if 200 <= reply.status < 300 and not reply.delay:
                self.accepted.setdefault(headers.get("idempotency-key", ""), body)
        if reply.delay:
            time.sleep(reply.delay)
        return reply

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = self.rfile.read(int(headers.get("content-length", "0")))
                reply = receiver._receive(self.path, headers, body)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        return Handler


def target(url: str) -> TargetSettings:
    return TargetSettings(name="hook", type="webhook", options=(("url", url),))


def deliver(
    url: str,
    *,
    clock: Callable[[], float] = time.time,
    action: str = "publish",
    timeout: float = 2.0,
    retries: int = 3,
    backoff: float = 0.001,  # tiny: the tests stay fast
) -> PublishResult:
    return asyncio.run(
        deliver_webhook(
            POST,
            target=target(url),
            secret=SECRET,
            action=action,
            limits=WebhookLimits(timeout=timeout, retries=retries, backoff=backoff),
            clock=clock,
        )
    )


# --- sign and verify (pure) ----------------------------------------------------------


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1714564800." + body, hashlib.sha256).hexdigest()
    assert sign(body, 1714564800, SECRET) == "sha256=" + expected


def test_verify_accepts_its_own_signature_within_tolerance() -> None:
    body = webhook_body(POST)
    ts = int(NOW.timestamp())
    signature = sign(body, ts, SECRET)
    assert verify(body, ts, signature, SECRET, now=NOW)
    assert verify(body, ts, signature, SECRET, now=NOW + timedelta(seconds=300))
    assert verify(body, ts, signature, SECRET, now=NOW - timedelta(seconds=300))


def test_verify_rejects_a_tampered_body() -> None:
    body = webhook_body(POST)
    ts = int(NOW.timestamp())
    signature = sign(body, ts, SECRET)
    tampered = body.replace(b"June", b"July")
    assert tampered != body
    assert not verify(tampered, ts, signature, SECRET, now=NOW)
    assert not verify(body + b" ", ts, signature, SECRET, now=NOW)


def test_verify_rejects_a_wrong_secret() -> None:
    body = webhook_body(POST)
    ts = int(NOW.timestamp())
    assert not verify(body, ts, sign(body, ts, "another-secret"), SECRET, now=NOW)


def test_verify_rejects_a_timestamp_outside_the_tolerance() -> None:
    body = webhook_body(POST)
    ts = int(NOW.timestamp())
    signature = sign(body, ts, SECRET)
    assert not verify(body, ts, signature, SECRET, now=NOW + timedelta(seconds=301))
    assert not verify(body, ts, signature, SECRET, now=NOW - timedelta(seconds=301))
    assert not verify(body, ts, signature, SECRET, now=NOW + timedelta(seconds=31), tolerance=30)


def test_verify_rejects_a_moved_timestamp_with_the_old_signature() -> None:
    body = webhook_body(POST)
    ts = int(NOW.timestamp())
    assert not verify(body, ts + 1, sign(body, ts, SECRET), SECRET, now=NOW)


@pytest.mark.parametrize("signature", ["", "sha256=", "deadbeef", "sha256=ü", "md5=00"])
def test_verify_rejects_malformed_signatures(signature: str) -> None:
    body = webhook_body(POST)
    assert not verify(body, int(NOW.timestamp()), signature, SECRET, now=NOW)


def test_body_is_sorted_compact_json_of_the_post() -> None:
    body = webhook_body(POST)
    data = json.loads(body)
    assert list(data) == sorted(data)
    assert (
        body == json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )
    assert data == {
        "action": "publish",
        "id": POST.slug,
        "draft_id": 7,
        "title": POST.title,
        "html": POST.html,
        "summary": POST.summary,
        "source_url": POST.source_url,
        "outlet": "The Courier",
        "published_at": "2024-05-01T10:00:00+00:00",
        "updated_at": "2024-05-01T11:30:00+00:00",
        "tags": ["local", "transport"],
        "content_hash": "abc123",
    }
    assert json.loads(webhook_body(POST, action="unpublish"))["action"] == "unpublish"


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="action"):
        webhook_body(POST, action="delete")


# --- delivery against a real receiver ------------------------------------------------


def test_delivers_a_signed_post_once() -> None:
    before = int(time.time())
    with Receiver(
        [
            Reply(
                201,
                b'{"id": "r-1", "url": "https://hook.example/r-1"}',
                {"Content-Type": "application/json"},
            )
        ]
    ) as receiver:
        result = deliver(receiver.url("/hooks/curator"))
    after = int(time.time())
    assert result == PublishResult(
        target="hook",
        draft_id=7,
        outcome="created",
        remote_id="r-1",
        remote_url="https://hook.example/r-1",
    )
    [delivery] = receiver.deliveries
    assert delivery.valid
    assert delivery.path == "/hooks/curator"
    assert delivery.headers["content-type"] == "application/json"
    assert before <= int(delivery.headers["x-curator-timestamp"]) <= after
    assert delivery.headers["idempotency-key"] == f"{POST.slug}:abc123"
    assert delivery.body == webhook_body(POST)


def test_the_timestamp_is_the_clock_when_sent() -> None:
    sent_at = time.time() - 30
    with Receiver() as receiver:
        result = deliver(receiver.url("/"), clock=lambda: sent_at)
    assert result.outcome == "created"
    assert result.remote_id == POST.slug  # the receiver sent no id
    [delivery] = receiver.deliveries
    assert delivery.headers["x-curator-timestamp"] == str(int(sent_at))
    assert delivery.valid


def test_each_attempt_is_signed_when_it_is_sent() -> None:
    """A retry minutes after the first attempt carries its own fresh timestamp: a
    receiver with a 300 s tolerance accepts it."""
    start = time.time()
    sent = iter([start - 280, start - 140, start])  # the clock as each attempt reads it
    with Receiver([Reply(500), Reply(503), Reply(200)]) as receiver:
        result = deliver(receiver.url("/"), clock=lambda: next(sent))
    assert result.outcome == "created"
    stamps = [int(d.headers["x-curator-timestamp"]) for d in receiver.deliveries]
    assert stamps == [int(start - 280), int(start - 140), int(start)]
    assert all(d.valid for d in receiver.deliveries)
    signatures = {d.headers["x-curator-signature"] for d in receiver.deliveries}
    assert len(signatures) == 3


def test_a_stale_timestamp_is_refused_by_the_receiver() -> None:
    with Receiver() as receiver:
        result = deliver(receiver.url("/"), clock=lambda: time.time() - 3600)
    assert result.outcome == "error"
    assert result.error == "HTTP 401 after 1 attempt"
    assert [d.valid for d in receiver.deliveries] == [False]


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried() -> None:
    with Receiver(secret="the-receivers-secret") as receiver:
        result = deliver(receiver.url("/"))
    assert result.error == "HTTP 401 after 1 attempt"
    assert len(receiver.deliveries) == 1
    assert receiver.accepted == {}


def test_two_500s_then_success_is_one_delivery() -> None:
    with Receiver([Reply(500), Reply(500), Reply(200)]) as receiver:
        result = deliver(receiver.url("/"))
    assert result.outcome == "created"
    assert result.error is None
    assert len(receiver.deliveries) == 3
    assert all(d.valid for d in receiver.deliveries)
    assert len({d.headers["idempotency-key"] for d in receiver.deliveries}) == 1
    assert receiver.accepted == {f"{POST.slug}:abc123": webhook_body(POST)}


def test_always_500_is_an_error_after_retries_plus_one_attempts() -> None:
    with Receiver([Reply(500)]) as receiver:
        result = deliver(receiver.url("/"))
    assert result == PublishResult(
        target="hook", draft_id=7, outcome="error", error="HTTP 500 after 4 attempts"
    )
    assert len(receiver.deliveries) == 4
    assert receiver.accepted == {}


def test_retries_zero_makes_one_attempt() -> None:
    with Receiver([Reply(503)]) as receiver:
        result = deliver(receiver.url("/"), retries=0)
    assert result.error == "HTTP 503 after 1 attempt"
    assert len(receiver.deliveries) == 1


def test_429_is_retried() -> None:
    with Receiver([Reply(429), Reply(204)]) as receiver:
        result = deliver(receiver.url("/"))
    assert result.outcome == "created"
    assert len(receiver.deliveries) == 2


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_a_4xx_is_not_retried(status: int) -> None:
    with Receiver([Reply(status), Reply(200)]) as receiver:
        result = deliver(receiver.url("/"))
    assert result.outcome == "error"
    assert result.error == f"HTTP {status} after 1 attempt"
    assert len(receiver.deliveries) == 1


def test_a_redirect_is_not_followed() -> None:
    with Receiver([Reply(301, headers={"Location": "/elsewhere"})]) as receiver:
        result = deliver(receiver.url("/"))
    assert result.error == "HTTP 301 after 1 attempt"
    assert len(receiver.deliveries) == 1


def test_a_slow_receiver_times_out_and_is_retried() -> None:
    with Receiver([Reply(200, delay=1.0)]) as receiver:
        result = deliver(receiver.url("/"), timeout=0.2, retries=2)
    assert result.outcome == "error"
    assert result.error == "timed out after 3 attempts"
    assert len(receiver.deliveries) == 3


def test_a_slow_first_attempt_then_a_fast_one_is_delivered() -> None:
    with Receiver([Reply(200, delay=1.0), Reply(200)]) as receiver:
        result = deliver(receiver.url("/"), timeout=0.2)
    assert result.outcome == "created"
    assert len(receiver.deliveries) == 2
    assert len(receiver.accepted) == 1


def test_connection_refused_is_retried_then_an_error() -> None:
    result = deliver(f"http://127.0.0.1:{unused_port()}/", retries=1)
    assert result.outcome == "error"
    assert result.error == "connection failed (ConnectError) after 2 attempts"


def test_backoff_doubles() -> None:
    with Receiver([Reply(500)]) as receiver:
        started = time.monotonic()
        result = deliver(receiver.url("/"), backoff=0.05, retries=3)
        elapsed = time.monotonic() - started
    assert result.error == "HTTP 500 after 4 attempts"
    assert elapsed >= 0.05 + 0.1 + 0.2


def test_unpublish_sends_the_action_and_reports_deleted() -> None:
    with Receiver() as receiver:
        result = deliver(receiver.url("/"), action="unpublish")
    assert result.outcome == "deleted"
    [delivery] = receiver.deliveries
    assert json.loads(delivery.body)["action"] == "unpublish"
    assert delivery.valid


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ((), "webhook target 'hook' has no url"),
        ((("url", ""),), "webhook target 'hook' has no url"),
        (
            (("url", "ftp://example.org/hook"),),
            "bad webhook url 'ftp://example.org/hook': not http",
        ),
        ((("url", "http://"),), "bad webhook url 'http://': no host"),
        ((("url", "http://[::1/hook"),), "bad webhook url 'http://[::1/hook': Invalid"),
        ((("url", "/relative/hook"),), "bad webhook url '/relative/hook': not http"),
    ],
)
def test_a_bad_url_is_an_error_result_not_an_exception(
    options: tuple[tuple[str, str], ...], error: str
) -> None:
    settings = TargetSettings(name="hook", type="webhook", options=options)
    result = asyncio.run(deliver_webhook(POST, target=settings, secret=SECRET))
    assert result.outcome == "error"
    assert result.error is not None
    assert result.error.startswith(error)
