"""Fetch feeds over HTTP (and file://): caching, redirects, limits, politeness, parsing.

`Fetcher` is an async context manager that lives for one run (or one daemon tick)::

    async with Fetcher(settings.fetch) as fetcher:
        async for fetch in fetcher.fetch_feeds(requests):
            ...

Design notes:

- A per-source failure never raises: it becomes a `FeedFetch` with outcome ERROR and a
  one-line `error`. httpx and OS exceptions are turned into that line in one place,
  `_describe_error`.
- Concurrency has three limits, taken in this order: the host's semaphore
  (``per_host_concurrency``), a global slot (``concurrency``), then the host's spacing
  (``per_host_delay``, measured between request starts). Taking the host first means a
  busy host never holds global slots that other hosts could use.
- A global slot carries an httpx client. httpcore's pool bookkeeping is O(connections)
  per request, so one client with 32 connections spends its CPU there; many small
  clients (sharing one SSL context) are cheaper. `_CONNECTIONS_PER_CLIENT` is the one
  knob: ``ceil(concurrency / _CONNECTIONS_PER_CLIENT)`` clients are made, each with that
  many connections, and the slots guarantee a client never has to queue for one.
- A "host" is ``hostname:port``. Redirect hops to another host count against the
  first host's limits.
- 429/503 with Retry-After pause that host until the time the server asked for (for
  a run, usually its whole rest). Requests to a paused host are not sent: they end at
  once as ERROR "not fetched: ... paused" with `retry_after` set to the time left, so
  the policy schedules them after the pause. Waiting instead could stall a run for
  hours.
- The deadline (``timeout``) covers the whole request, redirects and body included,
  through `asyncio.timeout`, so a server dripping a byte a second fails on time. Waiting
  for limits is not counted.
- Parsing is CPU work: it runs in a process pool (started on first use) so it neither
  blocks the event loop nor stays on one core. Limits are released before parsing.
  ``parse_workers=0`` parses in a thread instead (tests, small runs). The pool starts
  with the Fetcher, by fork when no other thread runs, else by forkserver (see
  `_start_pool`).
"""

from __future__ import annotations

import asyncio
import ctypes
import email.utils
import functools
import http
import logging
import math
import multiprocessing
import os
import signal
import socket
import ssl
import sys
import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from curator.config import FetchSettings
from curator.errors import FeedParseError
from curator.errors import FetchError
from curator.errors import ResponseTooLargeError
from curator.fetch.parse import parse_feed
from curator.fetch.transport import PacedBackend
from curator.fetch.transport import make_transport
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchOutcome
from curator.model import ParsedFeed

logger = logging.getLogger(__name__)

#: The one knob for how many httpx clients are made: each owns this many connections.
_CONNECTIONS_PER_CLIENT = 1
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
#: Unwanted bodies (redirects, errors) up to this size are read so the connection is reused.
_DISCARD_LIMIT = 64 * 1024


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
    body: bytes | None = None


@dataclass(slots=True)
class _Host:
    """Politeness state of one host for the fetcher's lifetime."""

    semaphore: asyncio.Semaphore
    next_start: float = 0.0  # loop.time() before which no request may start
    paused_until: float = 0.0  # loop.time() set by Retry-After
    paused_status: int = 0


class Fetcher:
    """Fetches and parses feeds; see the module docstring. Use as ``async with``."""

    def __init__(self, settings: FetchSettings, *, parse_workers: int | None = None) -> None:
        if parse_workers is not None and parse_workers < 0:
            raise ValueError("parse_workers must be >= 0")
        self._settings = settings
        self._parse_workers = (os.cpu_count() or 1) if parse_workers is None else parse_workers
        self._timeout = settings.timeout.total_seconds()
        self._hosts: dict[str, _Host] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._slots: asyncio.LifoQueue[httpx.AsyncClient] | None = None
        self._pool: asyncio.Future[ProcessPoolExecutor] | None = None

    async def __aenter__(self) -> Self:
        if self._slots is not None:
            raise RuntimeError("Fetcher is already open")
        concurrency = max(1, self._settings.concurrency)
        per_client = max(1, min(_CONNECTIONS_PER_CLIENT, concurrency))
        ssl_context = httpx.create_ssl_context()  # loading CA certificates is slow: once
        timeout = httpx.Timeout(
            self._timeout, connect=self._settings.connect_timeout.total_seconds()
        )
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        headers = {"User-Agent": self._settings.user_agent}
        backend = PacedBackend()  # shared: connect pacing holds across clients
        self._clients = [
            httpx.AsyncClient(
                transport=make_transport(ssl_context=ssl_context, limits=limits, backend=backend),
                timeout=timeout,
                headers=headers,
                follow_redirects=False,
                trust_env=False,
            )
            for _ in range(math.ceil(concurrency / per_client))
        ]
        if self._parse_workers > 0:
            self._pool = _pool_future(self._parse_workers)
        self._slots = asyncio.LifoQueue()
        for index in range(concurrency):
            self._slots.put_nowait(self._clients[index // per_client])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._slots = None
        clients, self._clients = self._clients, []
        future, self._pool = self._pool, None
        try:
            await asyncio.gather(*(client.aclose() for client in clients))
        finally:
            if future is not None:
                pool = await future
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def fetch_feeds(self, requests: Iterable[FeedRequest]) -> AsyncIterator[FeedFetch]:
        """Fetch every request concurrently; yield one `FeedFetch` each, as they complete.

        Stopping early (``break``, then closing the generator) cancels the rest.
        """
        tasks = [asyncio.create_task(self.fetch_feed(request)) for request in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def fetch_feed(self, request: FeedRequest) -> FeedFetch:
        """Fetch and parse one feed. Never raises for a failure of the source."""
        if self._slots is None:
            raise RuntimeError("Fetcher is not open: use 'async with Fetcher(...)'")
        progress = _Progress(started_at=_utcnow(), started=time.perf_counter())
        try:
            download = await self._download(request, progress)
            if isinstance(download, FeedFetch):
                return download
            return await self._finish(request, progress, download)
        except (FetchError, FeedParseError) as e:
            return self._failed(request, progress, e.message)
        except (httpx.HTTPError, OSError) as e:
            return self._failed(request, progress, self._describe_error(e, progress))
        except Exception as e:  # a bug must not stop the other sources
            logger.debug("unexpected error fetching %s", request.url, exc_info=True)
            message = _last_message([e])
            return self._failed(
                request, progress, f"unexpected error: {type(e).__name__}: {message}"
            )

    # --- limits -----------------------------------------------------------------------

    async def _download(self, request: FeedRequest, progress: _Progress) -> _Download | FeedFetch:
        assert self._slots is not None
        try:
            parts = urlsplit(request.url)
            port = parts.port
        except ValueError as e:
            raise FetchError(f"invalid URL {request.url}: {e}", url=request.url) from e
        scheme = parts.scheme.lower()
        if scheme == "file":
            client = await self._slots.get()
            try:
                progress.started_at, progress.started = _utcnow(), time.perf_counter()
                return await _read_file(request, self._settings.max_bytes)
            finally:
                self._slots.put_nowait(client)
        if scheme not in ("http", "https"):
            raise FetchError(f"unsupported URL scheme {scheme!r}", url=request.url)
        if not parts.hostname:
            raise FetchError(f"invalid URL {request.url}: no host", url=request.url)
        key = _host_key(parts.hostname, port, scheme)
        host = self._host(key)
        loop = asyncio.get_running_loop()
        async with host.semaphore:
            if loop.time() < host.paused_until:
                return self._skipped(request, key, host)
            client = await self._slots.get()
            try:
                delay = self._settings.per_host_delay.total_seconds()
                if delay > 0:
                    now = loop.time()
                    start = max(now, host.next_start)
                    host.next_start = start + delay
                    if start > now:
                        await asyncio.sleep(start - now)
                    if loop.time() < host.paused_until:
                        return self._skipped(request, key, host)
                progress.started_at, progress.started = _utcnow(), time.perf_counter()
                async with asyncio.timeout(self._timeout):
                    download = await self._get(client, request, progress)
            finally:
                self._slots.put_nowait(client)
        if download.retry_after and download.retry_after > timedelta(0):
            paused = self._host(_url_host_key(download.final_url))
            paused.paused_until = max(
                paused.paused_until, loop.time() + download.retry_after.total_seconds()
            )
            paused.paused_status = download.status
        return download

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            semaphore = asyncio.Semaphore(max(1, self._settings.per_host_concurrency))
            host = self._hosts[key] = _Host(semaphore)
        return host

    def _skipped(self, request: FeedRequest, key: str, host: _Host) -> FeedFetch:
        left = max(0.0, host.paused_until - asyncio.get_running_loop().time())
        return FeedFetch(
            source_id=request.source_id,
            url=request.url,
            outcome=FetchOutcome.ERROR,
            error=(
                f"not fetched: {key} is paused for {_seconds(left)} more"
                f" (it answered HTTP {host.paused_status} with Retry-After)"
            ),
            retry_after=timedelta(seconds=math.ceil(left)),
            started_at=_utcnow(),
        )

    # --- HTTP -------------------------------------------------------------------------

    async def _get(
        self, client: httpx.AsyncClient, request: FeedRequest, progress: _Progress
    ) -> _Download:
        headers: dict[str, str] = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        url = request.url
        seen = {url}
        hops = 0
        permanent = True
        while True:
            progress.final_url = url
            async with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                progress.status = status
                location = response.headers.get("location")
                if status in _REDIRECTS and location:
                    await _discard_body(response)
                    hops += 1
                    permanent = permanent and status in _PERMANENT_REDIRECTS
                    url = _redirect_target(response.url, location, url)
                    if permanent:
                        progress.permanent_redirect_url = url
                    else:
                        progress.permanent_redirect_url = None
                    if url in seen:
                        raise FetchError(f"redirect loop (back to {url})", url=request.url)
                    if hops > MAX_REDIRECTS:
                        raise FetchError(
                            f"too many redirects (more than {MAX_REDIRECTS})", url=request.url
                        )
                    seen.add(url)
                    continue
                body = None
                if 200 <= status < 300:
                    body = await self._read_body(response)
                else:
                    await _discard_body(response)
                return _Download(
                    status=status,
                    reason=_reason(response),
                    final_url=url,
                    permanent_redirect_url=progress.permanent_redirect_url,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    content_type=response.headers.get("content-type"),
                    retry_after=_retry_after(response) if status in _RETRY_AFTER_STATUSES else None,
                    body=body,
                )

    async def _read_body(self, response: httpx.Response) -> bytes:
        cap = self._settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(f"response body over {_size(cap)} cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: the cap also stops zip bombs
            size += len(chunk)
            if size > cap:
                raise ResponseTooLargeError(f"response body over {_size(cap)} cap")
            chunks.append(chunk)
        return b"".join(chunks)

    # --- results ----------------------------------------------------------------------

    async def _finish(
        self, request: FeedRequest, progress: _Progress, download: _Download
    ) -> FeedFetch:
        status = download.status
        etag, last_modified = download.etag, download.last_modified
        feed: ParsedFeed | None = None
        error: str | None = None
        if status == 304:
            outcome = FetchOutcome.NOT_MODIFIED
            etag = etag or request.etag
            last_modified = last_modified or request.last_modified
        elif status == 410:
            outcome = FetchOutcome.GONE
        elif 200 <= status < 300:
            body = download.body or b""
            if not body.strip():
                outcome, error = FetchOutcome.ERROR, "empty response body"
            else:
                outcome = FetchOutcome.OK
                feed = await self._parse(body, url=download.final_url, ctype=download.content_type)
        else:
            outcome, error = FetchOutcome.ERROR, f"HTTP {status} {download.reason}".rstrip()
            if download.retry_after is not None:
                error += f" (retry after {_seconds(download.retry_after.total_seconds())})"
        return FeedFetch(
            source_id=request.source_id,
            url=request.url,
            outcome=outcome,
            final_url=download.final_url,
            permanent_redirect_url=download.permanent_redirect_url,
            http_status=status,
            etag=etag,
            last_modified=last_modified,
            feed=feed,
            error=error,
            retry_after=download.retry_after,
            started_at=progress.started_at,
            duration=_elapsed(progress),
        )

    def _failed(self, request: FeedRequest, progress: _Progress, error: str) -> FeedFetch:
        return FeedFetch(
            source_id=request.source_id,
            url=request.url,
            outcome=FetchOutcome.ERROR,
            final_url=progress.final_url,
            permanent_redirect_url=progress.permanent_redirect_url,
            http_status=progress.status,
            error=error,
            started_at=progress.started_at,
            duration=_elapsed(progress),
        )

    # --- parsing ----------------------------------------------------------------------

    async def _parse(self, body: bytes, *, url: str, ctype: str | None) -> ParsedFeed:
        job = functools.partial(parse_feed, body, url=url, content_type=ctype)
        if self._parse_workers == 0:
            return await asyncio.to_thread(job)
        if self._pool is None:  # the last one broke
            self._pool = _pool_future(self._parse_workers)
        future = self._pool
        pool = await asyncio.shield(future)
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool as e:
            if self._pool is future:  # start a new pool for the next parse
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise FeedParseError("the feed parser process died", url=url) from e

    # --- errors -----------------------------------------------------------------------

    def _describe_error(self, exc: BaseException, progress: _Progress) -> str:
        """The choke point: any httpx/OS exception → one short human line."""
        url = progress.final_url or ""
        host = urlsplit(url).hostname or url
        chain = list(_exception_chain(exc))
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connecting to {host} timed out after {_seconds(self._connect_timeout)}"
        if isinstance(exc, TimeoutError | httpx.TimeoutException):
            return f"timed out after {_seconds(self._timeout)}"
        for link in chain:
            if isinstance(link, socket.gaierror):
                return f"DNS lookup failed for host {host}"
            if isinstance(link, ConnectionRefusedError):
                return f"connection refused by {host}"
            if isinstance(link, ConnectionResetError):
                return f"connection reset by {host}"
            if isinstance(link, ssl.SSLCertVerificationError):
                return f"TLS certificate of {host} not valid: {link.verify_message}"
            if isinstance(link, ssl.SSLError):
                return f"TLS error with {host}: {link.reason or link}"
        if isinstance(exc, FileNotFoundError):
            return f"file not found: {exc.filename}"
        if isinstance(exc, PermissionError):
            return f"permission denied: {exc.filename}"
        if isinstance(exc, IsADirectoryError):
            return f"is a directory: {exc.filename}"
        if isinstance(exc, httpx.DecodingError):
            return f"could not decode the response body: {exc}"
        if isinstance(exc, httpx.RemoteProtocolError):
            text = str(exc)
            if "without sending a response" in text:
                return f"{host} closed the connection without a response"
            if "complete message body" in text:
                return f"{host} closed the connection before the body was complete"
            return f"HTTP protocol error from {host}: {text}"
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect to {host}: {_last_message(chain)}"
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return f"invalid URL {url}: {exc}"
        if isinstance(exc, httpx.HTTPError):
            return f"network error with {host}: {_last_message(chain)}"
        return f"{type(exc).__name__}: {_last_message(chain)}"

    @property
    def _connect_timeout(self) -> float:
        return self._settings.connect_timeout.total_seconds()


# --- helpers --------------------------------------------------------------------------


def _pool_future(workers: int) -> asyncio.Future[ProcessPoolExecutor]:
    """A parse pool: started now when it can be forked, else in the background."""
    if threading.active_count() == 1:
        future: asyncio.Future[ProcessPoolExecutor] = asyncio.get_running_loop().create_future()
        future.set_result(_start_pool(workers))
        return future
    # The forkserver takes a while to start: let the fetches begin meanwhile.
    return asyncio.ensure_future(asyncio.to_thread(_start_pool, workers))


def _die_with_parent() -> None:
    """Parse workers end when their parent does, even if it was killed (SIGKILL).

    Otherwise they wait on their job queue forever. Linux only (prctl); elsewhere
    they end when the pool is shut down, as usual.
    """
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def _start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for parse_feed, its workers already started.

    Start method: fork when this process has no other thread, else forkserver.
    Forking is near-instant and the workers inherit the imported parser, but
    forking a process that runs threads can deadlock (Python 3.12+ warns), so
    with threads around the forkserver, which imports the parser once and forks
    workers from itself, is used instead; under load it takes a second or more
    to start (bench/README.md). As with spawn, forkserver workers import the main
    script as ``__mp_main__``: a script run by path needs its ``__main__`` guard.
    """
    if threading.active_count() == 1:
        context: multiprocessing.context.BaseContext = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([parse_feed.__module__])
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_die_with_parent)
    # With fork, the first submit starts every worker before the pool's own
    # manager thread exists, so the fork happens while this process has one thread.
    pool.submit(int).result()
    return pool


async def _read_file(request: FeedRequest, cap: int) -> _Download:
    """A file:// URL: 200 with the file's mtime as Last-Modified, or 304 when unchanged."""
    parts = urlsplit(request.url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"file URL on another host: {request.url}", url=request.url)
    path = url2pathname(parts.path)

    def read() -> _Download:
        stat = os.stat(path)
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if request.last_modified == last_modified:
            return _Download(
                status=304,
                reason="Not Modified",
                final_url=request.url,
                last_modified=last_modified,
            )
        if stat.st_size > cap:
            raise ResponseTooLargeError(f"file over {_size(cap)} cap", url=request.url)
        with open(path, "rb") as f:
            body = f.read(cap + 1)
        if len(body) > cap:
            raise ResponseTooLargeError(f"file over {_size(cap)} cap", url=request.url)
        return _Download(
            status=200, reason="OK", final_url=request.url, last_modified=last_modified, body=body
        )

    return await asyncio.to_thread(read)


def _host_key(hostname: str, port: int | None, scheme: str) -> str:
    """Politeness limits apply per ``host:port``."""
    if port is None:
        port = 443 if scheme == "https" else 80
    return f"{hostname.lower()}:{port}"


def _url_host_key(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return _host_key(parts.hostname or "", port, parts.scheme.lower())


async def _discard_body(response: httpx.Response) -> None:
    """Read a small unwanted body, so the connection goes back to the pool (a 304 too)."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > _DISCARD_LIMIT:
            break  # closing the response closes the connection: cheaper than reading on


def _redirect_target(base: httpx.URL, location: str, current: str) -> str:
    try:
        target = base.join(location.strip()).copy_with(fragment=None)
    except httpx.InvalidURL as e:
        raise FetchError(f"invalid redirect location {location!r}", url=current) from e
    if target.scheme not in ("http", "https"):
        raise FetchError(f"redirect to unsupported URL {target}", url=current)
    return str(target)


def _retry_after(response: httpx.Response) -> timedelta | None:
    """Retry-After as delay-seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - _utcnow(), timedelta(0))


def _reason(response: httpx.Response) -> str:
    try:
        return http.HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase


def _exception_chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _last_message(chain: list[BaseException]) -> str:
    """The most specific non-empty message of an exception chain, first line only."""
    for link in reversed(chain):
        text = str(link).strip()
        if text:
            return text.splitlines()[0].strip()
    return type(chain[0]).__name__


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _elapsed(progress: _Progress) -> timedelta:
    return timedelta(seconds=time.perf_counter() - progress.started)


def _seconds(value: float) -> str:
    """1.5 → '1.5s', 30.0 → '30s'."""
    return f"{value:.1f}".removesuffix(".0") + "s"


def _size(value: int) -> str:
    """10_000_000 → '10 MB'."""
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if value >= factor:
            return f"{value / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{value} bytes"
