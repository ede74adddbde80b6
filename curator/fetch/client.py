"""Fetch feeds and article pages over HTTP (and file://): caching, redirects, limits,
politeness, parsing, robots.txt and the SSRF guard.

`Fetcher` is an async context manager that lives for one run (or one daemon tick)::

    async with Fetcher(settings.fetch) as fetcher:
        async for fetch in fetcher.fetch_feeds(requests):
            ...
        async for page in fetcher.fetch_pages(page_requests):
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
  `workers.start_pool`).

Article pages (#4) take the same path (`_download` → `_get`: limits, deadline, size
cap, redirects, Retry-After, error lines), with three differences:

- **Trust.** Feed URLs come from the operator's sources.yaml and are trusted; page
  links come from third parties. Each global slot therefore carries two clients:
  ``trusted`` (feeds) and ``guarded`` (pages and their robots.txt), whose network
  backend checks every resolved address at connect time (`transport`, `ssrf`).
  Two connection pools, not a per-request flag, because a pooled keep-alive
  connection must never be reused across trust levels: a feed's connection to an
  intranet host would otherwise carry an article link there. With
  ``allow_private_networks`` the guarded backend still resolves and connects to
  the address, it just refuses nothing.
- **A feed's redirects** (#10) are the feed server's choice, not the operator's: only
  requests to the origin (scheme, host, port) of the URL in sources.yaml take the
  trusted client; a hop anywhere else, or a URL the source moved to after permanent
  redirects, takes the guarded one (`_client_for`), unless the source sets
  ``allow_private_networks``.
- **Bodies** are read raw and decoded by `decode`, which decompresses a piece at a
  time, so the size cap counts decoded bytes before they exist (compression bombs).
- **robots.txt** is fetched once per origin per Fetcher (a shared task, through
  the guarded client and the limits) before a page of that origin; a redirect hop
  to another origin is checked too. A hop holds a slot, so it never waits for
  another task's robots.txt fetch (that one may need a slot: deadlock); when the
  rules are not known yet it fetches them on its own client, counted against the
  first host like the hop itself. See `robots`.
- **Content type.** Only HTML bodies are read (`pages`); ``file:`` pages only for
  entries of ``file:`` sources (``PageRequest.allow_file``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import socket
import ssl
import time
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from types import TracebackType
from typing import Any
from typing import ParamSpec
from typing import Self
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from curator.config import FetchSettings
from curator.errors import BlockedAddressError
from curator.errors import FeedParseError
from curator.errors import FetchError
from curator.errors import ResponseTooLargeError
from curator.fetch import decode
from curator.fetch import pages
from curator.fetch import robots
from curator.fetch import ssrf
from curator.fetch._body import _discard_body
from curator.fetch._body import _page_failed
from curator.fetch._body import _page_result
from curator.fetch._body import _read_file
from curator.fetch._body import _redirect_target
from curator.fetch._body import _retry_after
from curator.fetch._errors import _elapsed
from curator.fetch._errors import _exception_chain
from curator.fetch._errors import _feed_refusal
from curator.fetch._errors import _last_message
from curator.fetch._errors import _not_a_url
from curator.fetch._errors import _reason
from curator.fetch._errors import _seconds
from curator.fetch._errors import _size
from curator.fetch._errors import _split_url
from curator.fetch._errors import _utcnow
from curator.fetch._types import _Download
from curator.fetch._types import _Get
from curator.fetch._types import _Host
from curator.fetch._types import _HostPaused
from curator.fetch._types import _Progress
from curator.fetch._types import _Slot
from curator.fetch.freshness import freshness_lifetime
from curator.fetch.limits import _client_for
from curator.fetch.limits import _host_key
from curator.fetch.limits import _origin
from curator.fetch.limits import _url_host_key
from curator.fetch.parse import parse_feed
from curator.fetch.transport import PacedBackend
from curator.fetch.transport import make_transport
from curator.fetch.workers import start_pool_future
from curator.fetch.workers import stop_pool
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import PageRequest
from curator.model import ParsedFeed

logger = logging.getLogger(__name__)

#: The one knob for how many httpx clients are made: each owns this many connections.
_CONNECTIONS_PER_CLIENT = 1
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_FILE_PAGES_ONLY = "refused: file: links are only followed for file: sources"

_T = TypeVar("_T")
_P = ParamSpec("_P")


class Fetcher:
    """Fetches and parses feeds, fetches article pages; see the module docstring.

    Use as ``async with``.
    """

    def __init__(self, settings: FetchSettings, *, parse_workers: int | None = None) -> None:
        if parse_workers is not None and parse_workers < 0:
            raise ValueError("parse_workers must be >= 0")
        self._settings = settings
        self._parse_workers = (os.cpu_count() or 1) if parse_workers is None else parse_workers
        self._timeout = settings.timeout.total_seconds()
        self._hosts: dict[str, _Host] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._slots: asyncio.LifoQueue[_Slot] | None = None
        self._pool: asyncio.Future[ProcessPoolExecutor] | None = None
        # robots.txt rules per origin ("https://host:port/robots.txt"), for the lifetime.
        self._robots: dict[str, asyncio.Future[robots.RobotsRules]] = {}
        self._page_backend: PacedBackend | None = None

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
        headers = {
            "User-Agent": self._settings.user_agent,
            "Accept-Encoding": decode.ACCEPT_ENCODING,  # what `decode` bounds
        }
        backend = PacedBackend()  # shared: connect pacing holds across clients
        guard = ssrf.allow_all if self._settings.allow_private_networks else ssrf.blocked_reason
        self._page_backend = backend.with_guard(guard)

        def client(backend: PacedBackend) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=make_transport(ssl_context=ssl_context, limits=limits, backend=backend),
                timeout=timeout,
                headers=headers,
                follow_redirects=False,
                trust_env=False,
            )

        count = math.ceil(concurrency / per_client)
        trusted = [client(backend) for _ in range(count)]
        guarded = [client(self._page_backend) for _ in range(count)]
        self._clients = trusted + guarded
        if self._parse_workers > 0:
            self._pool = start_pool_future(self._parse_workers)
        self._slots = asyncio.LifoQueue()
        for index in range(concurrency):
            self._slots.put_nowait(
                _Slot(trusted[index // per_client], guarded[index // per_client])
            )
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
        robots_tasks, self._robots = list(self._robots.values()), {}
        try:
            for task in robots_tasks:
                task.cancel()
            await asyncio.gather(*robots_tasks, return_exceptions=True)
            await asyncio.gather(*(client.aclose() for client in clients))
        finally:
            if future is not None:
                pool = await future
                # Interrupted (Ctrl-C, SIGTERM) or failed: stop the workers now. Either
                # way they are joined before this returns: none is left as a zombie.
                await asyncio.to_thread(stop_pool, pool, kill=exc_type is not None)

    async def fetch_feeds(self, requests: Iterable[FeedRequest]) -> AsyncIterator[FeedFetch]:
        """Fetch every request concurrently; yield one `FeedFetch` each, as they complete.

        Stopping early (``break``, then closing the generator) cancels the rest.
        """
        async with contextlib.aclosing(_completed(map(self.fetch_feed, requests))) as fetches:
            async for fetch in fetches:
                yield fetch

    async def fetch_feed(self, request: FeedRequest) -> FeedFetch:
        """Fetch and parse one feed. Never raises for a failure of the source."""
        self._check_open()
        progress = _Progress(started_at=_utcnow(), started=time.perf_counter())
        headers: dict[str, str] = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        try:
            # The configured URL's origin is trusted (the operator chose it); a redirect
            # elsewhere, or a URL moved to by redirects, is checked like an article link.
            get = _Get(
                headers=headers,
                guarded=not request.allow_private_networks,
                trusted_origin=_origin(request.configured_url or request.url),
            )
            download = await self._download(
                request.url, progress, get, last_modified=request.last_modified
            )
            return await self._finish(request, progress, download)
        except BlockedAddressError as e:
            return self._failed(request, progress, _feed_refusal(e, progress, request.url))
        except _HostPaused as e:
            return FeedFetch(
                source_id=request.source_id,
                url=request.url,
                outcome=FetchOutcome.ERROR,
                error=e.message,
                retry_after=e.retry_after,
                started_at=_utcnow(),
            )
        except Exception as e:  # even a bug must not stop the other sources
            return self._failed(request, progress, self._error_line(e, progress, request.url))

    async def fetch_pages(self, requests: Iterable[PageRequest]) -> AsyncIterator[PageFetch]:
        """Fetch every article page concurrently; yield one `PageFetch` each, as they complete.

        Stopping early (``break``, then closing the generator) cancels the rest.
        """
        async with contextlib.aclosing(_completed(map(self.fetch_page, requests))) as fetches:
            async for fetch in fetches:
                yield fetch

    async def fetch_page(self, request: PageRequest) -> PageFetch:
        """Fetch one article page. Never raises for a failure of the page."""
        self._check_open()
        progress = _Progress(started_at=_utcnow(), started=time.perf_counter())
        try:
            parts = _split_url(request.url)
            if parts.scheme.lower() == "file" and not request.allow_file:
                raise FetchError(_FILE_PAGES_ONLY, url=request.url)
            get = _Get(guarded=True, wants_body=pages.wants_body)
            if request.respect_robots and parts.scheme.lower() in ("http", "https"):
                await self._check_robots(request.url, None)
                get = _Get(
                    guarded=True, wants_body=pages.wants_body, on_redirect=self._check_robots
                )
            download = await self._download(request.url, progress, get)
            return _page_result(request, progress, download)
        except _HostPaused as e:  # not sent: its next try waits for the host too
            return _page_failed(request, progress, e.message, retry_after=e.retry_after)
        except Exception as e:  # even a bug must not stop the other pages
            return _page_failed(request, progress, self._error_line(e, progress, request.url))

    def _error_line(self, exc: Exception, progress: _Progress, url: str) -> str:
        """The one-line reason a fetch failed: the choke point for every exception."""
        if isinstance(exc, FetchError | FeedParseError):
            return exc.message
        if isinstance(exc, httpx.HTTPError | OSError):
            return self._describe_error(exc, progress)
        if isinstance(exc, httpx.InvalidURL):  # not an HTTPError
            return _not_a_url(progress.final_url or url, exc)
        logger.debug("unexpected error fetching %s", url, exc_info=True)
        return f"unexpected error: {type(exc).__name__}: {_last_message([exc])}"

    def _check_open(self) -> None:
        if self._slots is None:
            raise RuntimeError("Fetcher is not open: use 'async with Fetcher(...)'")

    # --- limits -----------------------------------------------------------------------

    async def _download(
        self, url: str, progress: _Progress, get: _Get, *, last_modified: str | None = None
    ) -> _Download:
        """GET ``url`` within the limits and the deadline; `_HostPaused` if its host is."""
        assert self._slots is not None
        parts = _split_url(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            slot = await self._slots.get()
            try:
                progress.started_at, progress.started = _utcnow(), time.perf_counter()
                return await _read_file(url, get.cap or self._settings.max_bytes, last_modified)
            finally:
                self._slots.put_nowait(slot)
        if scheme not in ("http", "https"):
            raise FetchError(f"unsupported URL scheme {scheme!r}", url=url)
        if not parts.hostname:
            raise FetchError(f"invalid URL {url}: no host", url=url)
        key = _host_key(parts.hostname, parts.port, scheme)
        host = self._host(key)
        loop = asyncio.get_running_loop()
        async with host.semaphore:
            if loop.time() < host.paused_until:
                raise self._paused(url, key, host)
            slot = await self._slots.get()
            try:
                delay = self._settings.per_host_delay.total_seconds()
                if delay > 0:
                    now = loop.time()
                    start = max(now, host.next_start)
                    host.next_start = start + delay
                    if start > now:
                        await asyncio.sleep(start - now)
                    if loop.time() < host.paused_until:
                        raise self._paused(url, key, host)
                progress.started_at, progress.started = _utcnow(), time.perf_counter()
                async with asyncio.timeout(self._timeout):
                    download = await self._get(slot, url, progress, get)
            finally:
                self._slots.put_nowait(slot)
        self._pause_host(download)
        return download

    def _pause_host(self, download: _Download) -> str | None:
        """Pause the host that answered with a Retry-After; its key, or None."""
        if not download.retry_after or download.retry_after <= timedelta(0):
            return None
        key = _url_host_key(download.final_url)
        paused = self._host(key)
        paused.paused_until = max(
            paused.paused_until,
            asyncio.get_running_loop().time() + download.retry_after.total_seconds(),
        )
        paused.paused_status = download.status
        return key

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            semaphore = asyncio.Semaphore(max(1, self._settings.per_host_concurrency))
            host = self._hosts[key] = _Host(semaphore)
        return host

    def _paused(self, url: str, key: str, host: _Host) -> _HostPaused:
        left = max(0.0, host.paused_until - asyncio.get_running_loop().time())
        return _HostPaused(
            f"not fetched: {key} is paused for {_seconds(left)} more"
            f" (it answered HTTP {host.paused_status} with Retry-After)",
            retry_after=timedelta(seconds=math.ceil(left)),
            url=url,
        )

    # --- HTTP -------------------------------------------------------------------------

    async def _get(
        self, clients: _Slot | httpx.AsyncClient, url: str, progress: _Progress, get: _Get
    ) -> _Download:
        """GET ``url``, following redirects; each hop through the client its trust calls
        for (`_client_for`), or through ``clients`` when it is a single client."""
        requested = url
        seen = {url}
        hops = 0
        permanent = True
        while True:
            progress.final_url = url
            client = _client_for(clients, url, get)
            if hops and get.on_redirect is not None:
                # After the last response is closed: its connection is free again.
                await get.on_redirect(url, client)
            async with client.stream("GET", url, headers=get.headers) as response:
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
                        raise FetchError(f"redirect loop (back to {url})", url=requested)
                    if hops > MAX_REDIRECTS:
                        raise FetchError(
                            f"too many redirects (more than {MAX_REDIRECTS})", url=requested
                        )
                    seen.add(url)
                    continue
                body = None
                content_type = response.headers.get("content-type")
                if 200 <= status < 300 and (get.wants_body is None or get.wants_body(content_type)):
                    body = await self._read_body(response, get)
                else:
                    await _discard_body(response)
                return _Download(
                    status=status,
                    reason=_reason(response),
                    final_url=url,
                    permanent_redirect_url=progress.permanent_redirect_url,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    content_type=content_type,
                    retry_after=_retry_after(response) if status in _RETRY_AFTER_STATUSES else None,
                    cache_lifetime=freshness_lifetime(
                        cache_control=response.headers.get("cache-control"),
                        expires=response.headers.get("expires"),
                        date=response.headers.get("date"),
                        age=response.headers.get("age"),
                        now=_utcnow(),
                    ),
                    body=body,
                )

    async def _read_body(self, response: httpx.Response, get: _Get) -> bytes:
        """The decoded body, at most the cap: see `decode` (compression bombs, #10)."""
        cap = get.cap or self._settings.max_bytes
        declared = response.headers.get("content-length", "")
        if not get.truncate and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(f"response body over {_size(cap)} cap")
        decoder = decode.BodyDecoder(
            response.headers.get_list("content-encoding", split_commas=True)
        )
        chunks: list[bytes] = []
        size = raw = 0

        def keep(pieces: Iterable[bytes]) -> bool:
            """Add decoded pieces; False once the (truncated) body is full."""
            nonlocal size
            for piece in pieces:  # each piece is decompressed only when asked for
                size += len(piece)
                if size > cap:
                    if get.truncate:
                        chunks.append(piece[: len(piece) - (size - cap)])
                        return False
                    raise ResponseTooLargeError(f"response body over {_size(cap)} cap")
                chunks.append(piece)
            return True

        # Raw bytes: httpx would decompress each chunk whole, before any cap could see it.
        async for data in response.aiter_raw():
            raw += len(data)
            if not keep(decoder.feed(data)):
                return b"".join(chunks)  # closing the response closes the connection
            if raw > cap:  # compressed data that makes (next to) no output: as large
                if get.truncate:
                    return b"".join(chunks)
                raise ResponseTooLargeError(f"response body over {_size(cap)} cap")
        keep(decoder.finish())
        return b"".join(chunks)

    # --- robots.txt -------------------------------------------------------------------

    async def _check_robots(self, url: str, client: httpx.AsyncClient | None) -> None:
        """Raise FetchError when the robots.txt of ``url``'s origin refuses it.

        ``client`` is None before a page's own request (the rules are fetched through
        the limits, once, shared by every page of the origin); on a redirect hop it
        is the client in use, whose slot is held (see the module docstring).
        """
        origin = robots.robots_url(url)
        known = self._robots.get(origin)
        if known is not None and known.done() and (known.cancelled() or known.exception()):
            known = None  # the host was paused (or a bug): ask again
        if known is not None and known.done():
            rules = known.result()
        elif client is None:
            if known is None:
                known = self._robots[origin] = asyncio.ensure_future(self._fetch_robots(origin))
            rules = await asyncio.shield(known)
        else:
            rules = await self._fetch_robots(origin, client)
            if origin not in self._robots:
                self._robots[origin] = done = asyncio.get_running_loop().create_future()
                done.set_result(rules)
        refusal = rules.check(url)
        if refusal is not None:
            raise FetchError(refusal, url=url)

    async def _fetch_robots(
        self, url: str, client: httpx.AsyncClient | None = None
    ) -> robots.RobotsRules:
        """The rules of one origin; never raises for a failure of its robots.txt.

        Except `_HostPaused`, which is not an answer to keep for the run: the host
        asked for a pause (now, or before), so its pages are not fetched either.
        """
        progress = _Progress(started_at=_utcnow(), started=time.perf_counter())
        get = _Get(guarded=True, cap=robots.ROBOTS_MAX_BYTES, truncate=True)
        try:
            if client is None:
                download = await self._download(url, progress, get)
            else:
                download = await self._get(client, url, progress, get)
        except _HostPaused:
            raise
        except BlockedAddressError as e:
            return robots.RobotsRules(refusal=e.message)  # the page would be refused too
        except FetchError as e:
            return robots.unreachable(e.message)
        except (httpx.HTTPError, OSError) as e:
            return robots.unreachable(self._describe_error(e, progress))
        paused = self._pause_host(download)  # again for a hop's fetch: idempotent
        if paused is not None:
            raise self._paused(url, paused, self._hosts[paused])
        return robots.rules_from_response(download.status, download.reason, download.body)

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
            cache_lifetime=download.cache_lifetime,
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

    # --- CPU work ---------------------------------------------------------------------

    async def run_cpu(self, func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run CPU work (feed parsing, article extraction) off the event loop.

        In the Fetcher's process pool (``func`` and its arguments must pickle: a
        module-level function), or in a thread with ``parse_workers=0``. If the
        worker process dies, `BrokenProcessPool` is raised and the next call
        starts a new pool.
        """
        job = functools.partial(func, *args, **kwargs)
        if self._parse_workers == 0:
            return await asyncio.to_thread(job)
        if self._pool is None:  # the last one broke
            self._pool = start_pool_future(self._parse_workers)
        future = self._pool
        pool = await asyncio.shield(future)
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool:
            if self._pool is future:  # start a new pool for the next job
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    async def _parse(self, body: bytes, *, url: str, ctype: str | None) -> ParsedFeed:
        try:
            return await self.run_cpu(parse_feed, body, url=url, content_type=ctype)
        except BrokenProcessPool as e:
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


async def _completed(coroutines: Iterable[Coroutine[Any, Any, _T]]) -> AsyncGenerator[_T, None]:
    """Run the coroutines concurrently; yield their results as they complete."""
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
