"""Deliver posts to a webhook: a signed JSON POST, retried with exponential backoff.

The request
-----------
``POST <target url>`` with the body ``webhook_body(post, action=...)``: a JSON object
with sorted keys, serialised once (the signed bytes are exactly the bytes sent)::

    {"action": "publish" | "unpublish", "id": <post slug>, "draft_id": 12,
     "title": ..., "html": ..., "summary": ..., "source_url": ..., "outlet": ...,
     "published_at": "2024-05-01T10:00:00+00:00", "updated_at": "...",
     "tags": [...], "content_hash": ...}

and the headers

- ``Content-Type: application/json``
- ``X-Curator-Timestamp: <unix seconds>``
- ``X-Curator-Signature: sha256=<hex>``
- ``Idempotency-Key: <slug>:<content_hash>``: the same for every retry of one
  delivery, and for a re-publication of an unchanged post, so receivers can drop
  duplicates.

Verifying a delivery (receivers)
--------------------------------
The signature is HMAC-SHA256, keyed with the shared secret (UTF-8), over the
timestamp in decimal ASCII, a full stop, then the raw request body::

    expected = "sha256=" + hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()

Compare it with the header in constant time (``hmac.compare_digest``) and refuse
timestamps more than a few minutes from your clock, which stops replays of an
old request. ``verify()`` does both; ``sign()`` makes the header value.

Retries, deadlines and budget
-----------------------------
5xx, 429, timeouts and connection errors are retried ``retries`` times, after
``backoff * 2**n`` seconds (n = 0, 1, ...). Other statuses are final: 2xx is a
success, anything else an error. Each attempt is signed when it is sent (a retry
minutes later carries a fresh timestamp) and has a total deadline, ``timeout``, body
included: a receiver that drips a byte every few seconds cannot hold it longer.
`deliver_webhooks` sends one target's posts ``concurrency`` at a time within a
``budget`` for the whole batch; what is not done when it runs out is an error, sent
again on the next run. A delivery failure never raises: it is a `PublishResult` with
outcome ``"error"`` and a one-line ``error`` ("HTTP 500 after 4 attempts", "timed out
after 4 attempts"). httpx exceptions are translated in one place, `_post`.

Target options (``publish.targets[]`` with ``type: webhook``): ``url``,
``secret_env`` (the environment variable holding the secret; unset or empty refuses
to send), ``timeout`` (per attempt, default 10s), ``budget`` (per run, default 5m),
``concurrency`` (default 4).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx

from curator.config import TargetSettings
from curator.config import parse_duration
from curator.model import Post
from curator.model import PublishResult
from curator.publish._http import NO_COMPRESSION
from curator.publish._http import one_line
from curator.publish._http import read_answer
from curator.publish._http import target_url_problem

logger = logging.getLogger(__name__)

ACTIONS: Final = ("publish", "unpublish")
DEFAULT_TIMEOUT: Final = 10.0  # seconds, total per attempt (connect, send, answer)
DEFAULT_BUDGET: Final = 300.0  # seconds for all of one target's posts in one run
DEFAULT_CONCURRENCY: Final = 4  # posts in flight to one target
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 0.5  # seconds before the first retry; doubled for each next one
DEFAULT_TOLERANCE: Final = 300  # seconds a signed timestamp may be away from the receiver's clock
DEFAULT_SECRET_ENV: Final = "CURATOR_WEBHOOK_SECRET"
MAX_ANSWER_BYTES: Final = 64 * 1024  # of a receiver's answer: we only look for an id and url
_MAX_REMOTE_FIELD: Final = 2048

SIGNATURE_HEADER: Final = "X-Curator-Signature"
TIMESTAMP_HEADER: Final = "X-Curator-Timestamp"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_SCHEME: Final = "sha256="

OnResult = Callable[[PublishResult], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookLimits:
    """How long and how wide one target's deliveries may go."""

    timeout: float = DEFAULT_TIMEOUT
    budget: float = DEFAULT_BUDGET
    concurrency: int = DEFAULT_CONCURRENCY
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF


def webhook_limits(target: TargetSettings) -> WebhookLimits:
    """The target's ``timeout``, ``budget`` and ``concurrency`` options (ValueError if bad)."""
    timeout = target.option("timeout")
    budget = target.option("budget")
    concurrency = target.option("concurrency")
    limits = WebhookLimits(
        timeout=parse_duration(timeout).total_seconds() if timeout else DEFAULT_TIMEOUT,
        budget=parse_duration(budget).total_seconds() if budget else DEFAULT_BUDGET,
        concurrency=int(concurrency) if concurrency else DEFAULT_CONCURRENCY,
    )
    if limits.timeout <= 0 or limits.budget <= 0:
        raise ValueError("timeout and budget must be more than 0")
    if limits.concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {limits.concurrency}")
    return limits


def webhook_secret(target: TargetSettings, env: Mapping[str, str]) -> tuple[str, str | None]:
    """The target's secret from ``env``, and why it cannot be used (None when it can).

    An unset or empty variable is refused: an HMAC with an empty key is a signature
    anyone can forge, and sending it would look like success."""
    name = target.option("secret_env") or DEFAULT_SECRET_ENV
    secret = env.get(name, "")
    if not secret:
        state = "empty" if name in env else "not set"
        return "", (
            f"webhook target {target.name!r}: its secret variable {name} is {state}; "
            "refusing to send unsigned posts"
        )
    return secret, None


def sign(body: bytes, timestamp: int, secret: str) -> str:
    """The ``X-Curator-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return _SCHEME + digest


def verify(
    body: bytes,
    timestamp: int,
    signature: str,
    secret: str,
    *,
    now: datetime,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp`` with ``secret``, and
    ``timestamp`` is within ``tolerance`` seconds of ``now`` (either side)."""
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = sign(body, timestamp, secret).encode()
    # Bytes, not str: compare_digest refuses non-ASCII strings with TypeError.
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


def webhook_body(post: Post, *, action: str = "publish") -> bytes:
    """The JSON body sent for ``post``: sorted keys, UTF-8, no insignificant whitespace."""
    if action not in ACTIONS:
        raise ValueError(f"unknown webhook action {action!r}; expected one of {ACTIONS}")
    payload = {
        "action": action,
        "id": post.slug,
        "draft_id": post.draft_id,
        "title": post.title,
        "html": post.html,
        "summary": post.summary,
        "source_url": post.source_url,
        "outlet": post.outlet,
        "published_at": post.published_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
        "tags": list(post.tags),
        "content_hash": post.content_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def idempotency_key(post: Post) -> str:
    """``<slug>:<content_hash>``: what receivers use to drop duplicate deliveries."""
    return f"{post.slug}:{post.content_hash}"


async def deliver_webhooks(
    posts: Sequence[Post],
    *,
    target: TargetSettings,
    env: Mapping[str, str],
    action: str = "publish",
    limits: WebhookLimits | None = None,
    on_result: OnResult | None = None,
    clock: Callable[[], float] = time.time,
) -> list[PublishResult]:
    """Deliver ``posts`` to one webhook target, ``limits.concurrency`` at a time, all
    within ``limits.budget`` seconds. One result per post, in order; ``on_result`` is
    awaited with each as soon as it is known (the caller's ledger write), outside the
    budget so a result that arrived is always recorded.

    A missing secret, a bad url or bad limits fail every post without sending any.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown webhook action {action!r}; expected one of {ACTIONS}")
    secret, problem = webhook_secret(target, env)
    problem = target_url_problem(target, "webhook") or problem
    if limits is None and problem is None:
        try:
            limits = webhook_limits(target)
        except ValueError as e:
            problem = f"webhook target {target.name!r}: {e}"
    if problem is not None or limits is None:
        refused = [_failed(target, p, problem or "no limits") for p in posts]
        for result in refused:
            if on_result is not None:
                await on_result(result)
        return refused

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.budget
    gate = asyncio.Semaphore(limits.concurrency)
    budget = f"{limits.budget:g}s"

    async def one(post: Post, client: httpx.AsyncClient) -> PublishResult:
        async with gate:
            if loop.time() >= deadline:
                result = _failed(target, post, f"not sent: the target's {budget} budget ran out")
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        result = await deliver_webhook(
                            post,
                            target=target,
                            secret=secret,
                            action=action,
                            limits=limits,
                            client=client,
                            clock=clock,
                        )
                except TimeoutError:
                    result = _failed(
                        target, post, f"timed out: the target's {budget} budget ran out"
                    )
        if on_result is not None:
            await on_result(result)
        return result

    async with _client(limits) as client:
        return list(await asyncio.gather(*(one(post, client) for post in posts)))


async def deliver_webhook(
    post: Post,
    *,
    target: TargetSettings,
    secret: str,
    action: str = "publish",
    limits: WebhookLimits = WebhookLimits(),
    client: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> PublishResult:
    """POST ``post`` to ``target.option("url")``, each attempt signed with ``secret`` at
    ``clock()`` (unix seconds) when it is sent.

    Returns outcome ``"created"`` (``"deleted"`` for ``action="unpublish"``) on a 2xx,
    else ``"error"`` with a one-line reason. Only a bad ``action`` raises (ValueError).
    ``limits.budget`` is not applied here: `deliver_webhooks` does that for a batch.
    """
    body = webhook_body(post, action=action)
    problem = target_url_problem(target, "webhook")
    if problem:
        return _failed(target, post, problem)
    if client is None:
        async with _client(limits) as own:
            return await deliver_webhook(
                post,
                target=target,
                secret=secret,
                action=action,
                limits=limits,
                client=own,
                clock=clock,
            )
    url = target.option("url") or ""
    attempts = max(limits.retries, 0) + 1
    for attempt in range(1, attempts + 1):
        timestamp = int(clock())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(body, timestamp, secret),
            IDEMPOTENCY_HEADER: idempotency_key(post),
        }
        result = await _post(client, url, body, headers, limits.timeout)
        if result.status is not None and 200 <= result.status < 300:
            return PublishResult(
                target=target.name,
                draft_id=post.draft_id,
                outcome="deleted" if action == "unpublish" else "created",
                remote_id=result.remote_id or post.slug,
                remote_url=result.remote_url,
            )
        if not result.retryable or attempt == attempts:
            plural = "s" if attempt > 1 else ""
            return _failed(target, post, f"{result.reason} after {attempt} attempt{plural}")
        delay = limits.backoff * 2 ** (attempt - 1)
        logger.info(
            "webhook %s: %s for %s (attempt %d of %d); retrying in %.2fs",
            target.name,
            result.reason,
            post.slug,
            attempt,
            attempts,
            delay,
        )
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _failed(target: TargetSettings, post: Post, error: str) -> PublishResult:
    return PublishResult(target=target.name, draft_id=post.draft_id, outcome="error", error=error)


def _client(limits: WebhookLimits) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        trust_env=False,
        headers=NO_COMPRESSION,
        timeout=limits.timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=limits.concurrency),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Attempt:
    """How one POST went."""

    status: int | None = None
    reason: str = ""
    retryable: bool = False
    remote_id: str | None = None
    remote_url: str | None = None


def _is_retryable(status: int) -> bool:
    return status == 429 or 500 <= status < 600


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], deadline: float
) -> _Attempt:
    """One attempt within ``deadline`` seconds in all; the one choke point where httpx
    exceptions become values. httpx's own timeout bounds each gap between bytes only."""
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code
                if not 200 <= status < 300:
                    return _Attempt(
                        status=status, reason=f"HTTP {status}", retryable=_is_retryable(status)
                    )
                answer = await read_answer(response, MAX_ANSWER_BYTES)
    except (TimeoutError, httpx.TimeoutException):
        return _Attempt(reason="timed out", retryable=True)
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as e:
        return _Attempt(reason=f"request failed: {one_line(e)}")
    except (httpx.NetworkError, httpx.RemoteProtocolError) as e:
        return _Attempt(reason=f"connection failed ({type(e).__name__})", retryable=True)
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        return _Attempt(reason=f"request failed: {one_line(e)}")
    remote_id, remote_url = _remote_ids(response.headers.get("content-type", ""), answer)
    return _Attempt(
        status=status, reason=f"HTTP {status}", remote_id=remote_id, remote_url=remote_url
    )


def _remote_ids(content_type: str, answer: bytes | None) -> tuple[str | None, str | None]:
    """``id`` and ``url`` from a JSON object answer, if the receiver sent short ones."""
    if answer is None or "json" not in content_type:
        return None, None
    try:
        data = json.loads(answer)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    remote_id = data.get("id")
    remote_url = data.get("url")
    if isinstance(remote_id, bool) or not isinstance(remote_id, str | int):
        remote_id = None
    if not isinstance(remote_url, str):
        remote_url = None
    return (
        _short(str(remote_id)) if remote_id is not None else None,
        _short(remote_url) if remote_url is not None else None,
    )


def _short(value: str) -> str | None:
    return value if len(value) <= _MAX_REMOTE_FIELD else None
