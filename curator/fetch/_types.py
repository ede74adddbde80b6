"""The fetcher's internal records: progress, downloads, GET options and per-host state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import httpx

from curator.errors import FetchError


@dataclass(slots=True)
class _Progress:
    """What is known about one fetch so far, to report alongside an error."""

    started_at: datetime
    started: float  # time.perf_counter()
    status: int | None = None
    final_url: str | None = None
    permanent_redirect_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Download:
    """The final response of a fetch; `body` only for 2xx."""

    status: int
    reason: str
    final_url: str
    permanent_redirect_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    retry_after: timedelta | None = None
    cache_lifetime: timedelta | None = None
    body: bytes | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Get:
    """How to GET one URL: the parts that differ between feeds, pages and robots.txt."""

    headers: Mapping[str, str] | None = None
    guarded: bool = False  # through the SSRF-guarded client (third-party links)
    # With `guarded`: requests to this origin ("https://host:443") still go through the
    # trusted client: a feed's configured URL, while its redirects elsewhere are guarded.
    trusted_origin: str | None = None
    wants_body: Callable[[str | None], bool] | None = None  # of a 2xx, by Content-Type
    cap: int | None = None  # body size cap; None: settings.max_bytes
    truncate: bool = False  # over the cap: keep the first `cap` bytes instead of failing
    # Awaited before following a redirect, with the target and the client in use.
    on_redirect: Callable[[str, httpx.AsyncClient], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class _Slot:
    """A global slot: one client per trust level (see the module docstring)."""

    trusted: httpx.AsyncClient  # feeds from sources.yaml
    guarded: httpx.AsyncClient  # article links and their robots.txt


class _HostPaused(FetchError):
    """A request was not sent: its host is paused by a Retry-After."""

    def __init__(self, message: str, *, retry_after: timedelta, url: str) -> None:
        self.retry_after = retry_after
        super().__init__(message, url=url)


@dataclass(slots=True)
class _Host:
    """Politeness state of one host for the fetcher's lifetime."""

    semaphore: asyncio.Semaphore
    next_start: float = 0.0  # loop.time() before which no request may start
    paused_until: float = 0.0  # loop.time() set by Retry-After
    paused_status: int = 0
