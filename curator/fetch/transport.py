"""The httpx transport curator uses: httpx's own, with a network backend of ours.

The backend is the one place every TCP connection is opened, so it is where
connection-level rules live:

- **Connect pacing.** At most `CONNECTS_PER_HOST` connection attempts to one
  host are in flight at a time, each holding its place `CONNECT_SPACING` after
  the handshake. Servers with a small listen backlog (Python's http.server has
  5) drop the SYNs of a burst of 32 simultaneous connects, and each dropped SYN
  costs a 1 s (then 2 s, 4 s) retransmit: measured on the bench farm, a 304
  pass took 1.5–3.2 s instead of 0.8 s. Pacing costs ~16 ms for 32 connections
  and is polite.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

#: Connection attempts in flight to one host (host:port) at a time.
CONNECTS_PER_HOST = 4
#: How long a connect holds its place after the handshake (see the module docstring).
CONNECT_SPACING = 0.002


class PacedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's default (anyio) backend with per-host connect pacing.

    One instance is shared by every client of a Fetcher, so the limit holds
    across clients. Create it inside the running event loop.
    """

    def __init__(self, *, connects_per_host: int = CONNECTS_PER_HOST) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._connects_per_host = connects_per_host
        self._gates: dict[tuple[str, int], asyncio.Semaphore] = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        gate = self._gates.get((host, port))
        if gate is None:
            gate = self._gates[(host, port)] = asyncio.Semaphore(self._connects_per_host)
        async with gate:
            stream = await self._inner.connect_tcp(
                host,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            )
            # A finished handshake only means the kernel queued the connection; give
            # the server a moment to accept it before the next one fills its backlog.
            await asyncio.sleep(CONNECT_SPACING)
            return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def make_transport(
    *, ssl_context: ssl.SSLContext, limits: httpx.Limits, backend: PacedBackend
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connection pool opens connections through ``backend``.

    httpx does not take a network backend, so the transport's httpcore pool is
    replaced by an identical one that does (httpx and httpcore are pinned in uv.lock;
    tests/fetch/test_transport.py fails if this stops taking effect).
    """
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        network_backend=backend,
    )
    return transport
