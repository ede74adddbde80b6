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
- **The SSRF guard** (article links, #4). A backend made with a ``guard``
  resolves the host itself (``loop.getaddrinfo``), asks the guard about every
  address (`curator.fetch.ssrf.blocked_reason`), and refuses with
  `BlockedAddressError` before any socket is opened if one is refused. It then
  connects to the checked address literal, never to the name again, so a DNS
  answer that changes between check and connect (rebinding) cannot slip
  through. TLS is unaffected: httpcore calls ``start_tls`` on the returned
  stream with the *origin's* host name (SNI and certificate check), and httpx
  writes the Host header from the URL. Since every connection is opened here,
  each redirect hop is checked when it connects; a kept-alive connection is
  reused only by the pool that opened it, i.e. one that was checked.
  Backends without a guard (feeds the operator configured) pass the name to
  anyio as before (happy eyeballs).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import Self

import httpcore
import httpx

from curator.errors import BlockedAddressError
from curator.fetch.ssrf import IPAddress
from curator.fetch.ssrf import refusal_message

#: Connection attempts in flight to one host (host:port) at a time.
CONNECTS_PER_HOST = 4
#: How long a connect holds its place after the handshake (see the module docstring).
CONNECT_SPACING = 0.002

#: Says why an address may not be connected to, or None: `curator.fetch.ssrf.blocked_reason`.
AddressGuard = Callable[[IPAddress], str | None]


class PacedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's default (anyio) backend with per-host connect pacing and an SSRF guard.

    One instance is shared by every client of a Fetcher, so the limit holds
    across clients; `with_guard` makes a sibling that shares the pacing. Create
    it inside the running event loop. ``connects`` counts the connection
    attempts handed to the socket layer (``inner``).
    """

    def __init__(
        self,
        *,
        connects_per_host: int = CONNECTS_PER_HOST,
        guard: AddressGuard | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.inner = inner or httpcore.AnyIOBackend()
        self.guard = guard
        self.connects = 0
        self._connects_per_host = connects_per_host
        self._gates: dict[tuple[str, int], asyncio.Semaphore] = {}

    def with_guard(self, guard: AddressGuard) -> Self:
        """A backend that checks every address with ``guard``, sharing this one's pacing."""
        sibling = type(self)(connects_per_host=self._connects_per_host, guard=guard)
        sibling.inner = self.inner
        sibling._gates = self._gates
        return sibling

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        targets: list[str] = [host]
        if self.guard is not None:
            try:
                async with asyncio.timeout(timeout):
                    addresses = await self._checked(host, port)
            except TimeoutError as e:
                raise httpcore.ConnectTimeout(f"DNS lookup for {host} timed out") from e
            targets = [str(address) for address in addresses]
        gate = self._gates.get((host, port))
        if gate is None:
            gate = self._gates[(host, port)] = asyncio.Semaphore(self._connects_per_host)
        async with gate:
            error: httpcore.ConnectError | None = None
            for target in targets:
                left = None if deadline is None else max(0.0, deadline - loop.time())
                self.connects += 1
                try:
                    stream = await self.inner.connect_tcp(
                        target,
                        port,
                        timeout=left,
                        local_address=local_address,
                        socket_options=socket_options,
                    )
                except httpcore.ConnectError as e:  # try the next address
                    error = e
                    continue
                # A finished handshake only means the kernel queued the connection; give
                # the server a moment to accept it before the next one fills its backlog.
                await asyncio.sleep(CONNECT_SPACING)
                return stream
            assert error is not None
            raise error

    async def _checked(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host``, each passed by the guard; else BlockedAddressError."""
        assert self.guard is not None
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await _resolve(host, port)
        for address in addresses:
            reason = self.guard(address)
            if reason is not None:
                raise BlockedAddressError(refusal_message(host, address, reason))
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """The host's TCP addresses in getaddrinfo's order (RFC 6724), without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:  # socket.gaierror: _describe_error finds it in the chain
        raise httpcore.ConnectError(str(e)) from e
    addresses: list[IPAddress] = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"no IPv4 or IPv6 address for {host}")
    return addresses


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
