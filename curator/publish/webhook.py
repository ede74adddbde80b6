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

Retries
-------
5xx, 429, timeouts and connection errors are retried ``retries`` times, after
``backoff * 2**n`` seconds (n = 0, 1, ...). Other statuses are final: 2xx is a
success, anything else an error. A delivery failure never raises: it is a
`PublishResult` with outcome ``"error"`` and a one-line ``error``
("HTTP 500 after 4 attempts", "timed out after 4 attempts"). httpx exceptions are
translated in one place, `_post`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx

from curator.config import TargetSettings
from curator.model import Post
from curator.model import PublishResult
from curator.publish._http import one_line
from curator.publish._http import target_url_problem

logger = logging.getLogger(__name__)

ACTIONS: Final = ("publish", "unpublish")
DEFAULT_TIMEOUT: Final = 10.0  # seconds, per attempt
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 0.5  # seconds before the first retry; doubled for each next one
DEFAULT_TOLERANCE: Final = 300  # seconds a signed timestamp may be away from the receiver's clock

SIGNATURE_HEADER: Final = "X-Curator-Signature"
TIMESTAMP_HEADER: Final = "X-Curator-Timestamp"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_SCHEME: Final = "sha256="


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


async def deliver_webhook(
    post: Post,
    *,
    target: TargetSettings,
    secret: str,
    now: datetime,
    action: str = "publish",
    client_timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
) -> PublishResult:
    """POST ``post`` to ``target.option("url")``, signed with ``secret`` at ``now``.

    Returns outcome ``"created"`` (``"deleted"`` for ``action="unpublish"``) on a 2xx,
    else ``"error"`` with a one-line reason. Only a bad ``action`` raises (ValueError).
    """
    body = webhook_body(post, action=action)

    def failed(error: str) -> PublishResult:
        return PublishResult(
            target=target.name, draft_id=post.draft_id, outcome="error", error=error
        )

    problem = target_url_problem(target, "webhook")
    if problem:
        return failed(problem)
    url = target.option("url") or ""

    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(body, timestamp, secret),
        IDEMPOTENCY_HEADER: idempotency_key(post),
    }
    attempts = max(retries, 0) + 1
    async with httpx.AsyncClient(
        trust_env=False, timeout=client_timeout, follow_redirects=False
    ) as client:
        for attempt in range(1, attempts + 1):
            result = await _post(client, url, body, headers)
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
                return failed(f"{result.reason} after {attempt} attempt{plural}")
            delay = backoff * 2 ** (attempt - 1)
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
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> _Attempt:
    """The one choke point where httpx exceptions become values."""
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return _Attempt(reason="timed out", retryable=True)
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as e:
        return _Attempt(reason=f"request failed: {one_line(e)}")
    except (httpx.NetworkError, httpx.RemoteProtocolError) as e:
        return _Attempt(reason=f"connection failed ({type(e).__name__})", retryable=True)
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        return _Attempt(reason=f"request failed: {one_line(e)}")
    status = response.status_code
    if not 200 <= status < 300:
        return _Attempt(status=status, reason=f"HTTP {status}", retryable=_is_retryable(status))
    remote_id, remote_url = _remote_ids(response)
    return _Attempt(
        status=status, reason=f"HTTP {status}", remote_id=remote_id, remote_url=remote_url
    )


def _remote_ids(response: httpx.Response) -> tuple[str | None, str | None]:
    """``id`` and ``url`` from a JSON object answer, if the receiver sent them."""
    if "json" not in response.headers.get("content-type", ""):
        return None, None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    remote_id = data.get("id")
    remote_url = data.get("url")
    return (
        str(remote_id) if isinstance(remote_id, str | int) else None,
        remote_url if isinstance(remote_url, str) else None,
    )
