"""The SSRF guard: the address classifier (pure), the network backend, and the Fetcher.

No packet may leave this machine, least of all to 10.x or 169.254.169.254. So:
live tests only ever connect to loopback servers; refusals of other private ranges
are shown with a socket layer that records and refuses every connect (a broken
guard would be caught, not obeyed), and again, for real, inside a network namespace
without routes (``unshare -rn``) when this machine permits one.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import textwrap
from collections.abc import Callable
from collections.abc import Iterable
from datetime import timedelta
from ipaddress import IPv4Address
from ipaddress import IPv6Address
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from curator.config import FetchSettings
from curator.errors import BlockedAddressError
from curator.fetch import ssrf
from curator.fetch.client import Fetcher
from curator.fetch.ssrf import IPAddress
from curator.fetch.ssrf import blocked_reason
from curator.fetch.ssrf import refusal_message
from curator.fetch.transport import PacedBackend
from curator.fetch.transport import make_transport
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import PageRequest

from .servers import BoundFeedServer
from .servers import FeedServer
from .servers import Reply
from .servers import TlsFeedServer
from .servers import can_bind
from .servers import html
from .servers import rss

HINT = "(article links may not reach private networks; see fetch.allow_private_networks)"
PAGE = Reply(body=html(), headers={"Content-Type": "text/html"})


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "timeout": timedelta(seconds=5),
        "connect_timeout": timedelta(seconds=2),
        "user_agent": "curator-tests/1 (+https://example.org/contact)",
    }
    values.update(overrides)
    return FetchSettings(**values)


# --- the classifier (pure) -------------------------------------------------------------

BLOCKED = {
    # IPv4
    "0.0.0.0": "a 'this network' address",
    "0.1.2.3": "a 'this network' address",
    "10.0.0.5": "a private address",
    "10.255.255.255": "a private address",
    "100.64.0.1": "a carrier-grade NAT address",
    "100.127.255.254": "a carrier-grade NAT address",
    "127.0.0.1": "a loopback address",
    "127.255.0.9": "a loopback address",
    "169.254.169.254": "the link-local cloud metadata address",
    "169.254.0.1": "a link-local address",
    "172.16.0.1": "a private address",
    "172.31.255.255": "a private address",
    "192.0.0.8": "an IETF protocol assignment address",
    "192.0.2.1": "a documentation address",
    "192.88.99.1": "a 6to4 relay anycast address",
    "192.168.1.1": "a private address",
    "198.18.0.1": "a benchmarking address",
    "198.19.255.255": "a benchmarking address",
    "198.51.100.7": "a documentation address",
    "203.0.113.9": "a documentation address",
    "224.0.0.1": "a multicast address",
    "239.255.255.250": "a multicast address",
    "240.0.0.1": "a reserved address",
    "255.255.255.255": "a reserved address",
    # IPv6
    "::": "an unspecified address",
    "::1": "a loopback address",
    "::a00:5": "a reserved address",  # IPv4-compatible, deprecated
    "64:ff9b:1::1": "a local-use NAT64 address",
    "100::1": "a discard-only address",
    "2001::1": "an IETF protocol assignment address",  # Teredo
    "2001:db8::1": "a documentation address",
    "3fff::1": "a documentation address",
    "5f00::1": "a segment routing (SRv6) address",
    "fc00::1": "a private address (unique local)",
    "fd12:3456:789a::1": "a private address (unique local)",
    "fe80::1": "a link-local address",
    "fe80::1%1": "a link-local address",
    "febf:ffff::1": "a link-local address",
    "fec0::1": "a site-local address (deprecated)",
    "ff02::1": "a multicast address",
    "ff0e::1": "a multicast address",
    # IPv6 reaching IPv4: judged by the IPv4 address
    "::ffff:127.0.0.1": "a loopback address (127.0.0.1 inside IPv6)",
    "::ffff:10.0.0.5": "a private address (10.0.0.5 inside IPv6)",
    "::ffff:169.254.169.254": (
        "the link-local cloud metadata address (169.254.169.254 inside IPv6)"
    ),
    "64:ff9b::a9fe:a9fe": "the link-local cloud metadata address (169.254.169.254 inside IPv6)",
    "64:ff9b::c0a8:101": "a private address (192.168.1.1 inside IPv6)",
    "2002:a00:5::1": "a private address (10.0.0.5 inside IPv6)",
    "2002:7f00:1::": "a loopback address (127.0.0.1 inside IPv6)",
}

ALLOWED = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.215.14",
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.0",  # just above
    "172.15.255.255",
    "172.32.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "192.169.0.1",
    "223.255.255.254",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:81c::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize(("address", "reason"), BLOCKED.items())
def test_blocked_addresses(address: str, reason: str) -> None:
    assert blocked_reason(ip_address(address)) == reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ip_address(address)) is None


def test_every_non_global_address_is_blocked() -> None:
    """A sweep: whatever ipaddress does not call global, the guard refuses."""
    for first in range(256):
        for address in (IPv4Address(f"{first}.0.0.1"), IPv4Address(f"{first}.255.255.254")):
            if not address.is_global or address.is_multicast:
                assert blocked_reason(address) is not None, address
    for prefix in range(0, 0x10000, 0x100):
        address6 = IPv6Address(f"{prefix:x}::1")
        if not address6.is_global or address6.is_multicast:
            assert blocked_reason(address6) is not None, address6


def test_refusal_messages() -> None:
    address = ip_address("10.0.0.5")
    assert refusal_message("10.0.0.5", address, "a private address") == (
        f"refused: 10.0.0.5 is a private address {HINT}"
    )
    assert refusal_message("intranet.example", address, "a private address") == (
        f"refused: intranet.example resolves to 10.0.0.5, a private address {HINT}"
    )
    assert refusal_message("::1", ip_address("::1"), "a loopback address") == (
        f"refused: ::1 is a loopback address {HINT}"
    )


# --- the network backend ----------------------------------------------------------------


class NoNetwork(httpcore.AsyncNetworkBackend):
    """A socket layer that records every connect and refuses it: nothing is sent."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        raise httpcore.ConnectError("[Errno 111] Connection refused (no network in this test)")


def connect(backend: PacedBackend, host: str, port: int = 80) -> None:
    async def main() -> None:
        await backend.connect_tcp(host, port, timeout=2)

    asyncio.run(main())


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("10.0.0.5", f"refused: 10.0.0.5 is a private address {HINT}"),
        (
            "169.254.169.254",
            f"refused: 169.254.169.254 is the link-local cloud metadata address {HINT}",
        ),
        ("100.64.0.1", f"refused: 100.64.0.1 is a carrier-grade NAT address {HINT}"),
        ("fd00::1", f"refused: fd00::1 is a private address (unique local) {HINT}"),
        (
            "::ffff:192.168.0.1",
            f"refused: ::ffff:c0a8:1 is a private address (192.168.0.1 inside IPv6) {HINT}",
        ),
        ("localhost", f"refused: localhost resolves to 127.0.0.1, a loopback address {HINT}"),
        ("2130706433", f"refused: 2130706433 resolves to 127.0.0.1, a loopback address {HINT}"),
        ("0x7f.1", f"refused: 0x7f.1 resolves to 127.0.0.1, a loopback address {HINT}"),
    ],
)
def test_backend_refuses_before_any_connect(host: str, message: str) -> None:
    inner = NoNetwork()
    backend = PacedBackend(guard=blocked_reason, inner=inner)
    with pytest.raises(BlockedAddressError) as caught:
        connect(backend, host)
    assert caught.value.message == message
    assert inner.attempts == []
    assert backend.connects == 0


def test_backend_connects_to_the_checked_address_not_the_name() -> None:
    """The name is resolved once, by the guard; the socket gets the address it checked."""
    checked: list[IPAddress] = []

    def guard(address: IPAddress) -> str | None:
        checked.append(address)
        return None

    inner = NoNetwork()
    backend = PacedBackend(guard=guard, inner=inner)
    with pytest.raises(httpcore.ConnectError):
        connect(backend, "localhost", 8080)
    assert [str(a) for a in checked] == [host for host, _ in inner.attempts]
    assert inner.attempts and all(host != "localhost" for host, _ in inner.attempts)
    assert ("127.0.0.1", 8080) in inner.attempts
    assert backend.connects == len(inner.attempts)


def test_unguarded_backend_passes_the_name() -> None:
    inner = NoNetwork()
    backend = PacedBackend(inner=inner)
    with pytest.raises(httpcore.ConnectError):
        connect(backend, "localhost", 8080)
    assert inner.attempts == [("localhost", 8080)]


def test_dns_failure_in_the_guarded_backend() -> None:
    backend = PacedBackend(guard=blocked_reason, inner=NoNetwork())
    with pytest.raises(httpcore.ConnectError):
        connect(backend, "no-such-host.invalid")
    assert backend.connects == 0


# --- the Fetcher: live, loopback only -----------------------------------------------------


def pages(
    requests: list[PageRequest],
    *,
    guard: Callable[[IPAddress], str | None] | None = None,
    **overrides: Any,
) -> list[PageFetch]:
    """Fetch pages with a fresh Fetcher; ``guard`` replaces the SSRF classifier."""

    async def main() -> list[PageFetch]:
        async with Fetcher(settings(**overrides), parse_workers=0) as fetcher:
            if guard is not None:
                assert fetcher._page_backend is not None
                fetcher._page_backend.guard = guard
            return [await fetcher.fetch_page(request) for request in requests]

    return asyncio.run(main())


def page(url: str, **overrides: Any) -> PageFetch:
    return pages([PageRequest(url=url, entry_id=1, respect_robots=False)], **overrides)[0]


def test_loopback_page_is_refused_and_fetched_when_allowed() -> None:
    with FeedServer({"/a.html": PAGE}) as server:
        refused = page(server.url("/a.html"))
        by_name = page(f"http://localhost:{server.port}/a.html")
        requests_while_refused = len(server.requests)
        allowed = page(server.url("/a.html"), allow_private_networks=True)
    assert refused.error == f"refused: 127.0.0.1 is a loopback address {HINT}"
    assert refused.body is None and refused.http_status is None
    assert by_name.error == f"refused: localhost resolves to 127.0.0.1, a loopback address {HINT}"
    assert requests_while_refused == 0
    assert allowed.error is None
    assert allowed.body == html()


@pytest.mark.skipif(not can_bind("::1"), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_page_is_refused_and_fetched_when_allowed() -> None:
    with BoundFeedServer("::1", {"/a.html": PAGE}) as server:
        refused = page(server.url("/a.html"))
        seen = len(server.requests)
        allowed = page(server.url("/a.html"), allow_private_networks=True)
    assert refused.error == f"refused: ::1 is a loopback address {HINT}"
    assert seen == 0
    assert allowed.error is None and allowed.body == html()


def _except_127_0_0_1(address: IPAddress) -> str | None:
    """The real guard, but 127.0.0.1 plays a public server."""
    return None if address == IPv4Address("127.0.0.1") else blocked_reason(address)


@pytest.mark.skipif(not can_bind("127.0.0.2"), reason="127.0.0.2 is not a loopback address here")
def test_redirect_to_loopback_is_refused() -> None:
    with BoundFeedServer("127.0.0.2", {"/inside.html": PAGE}) as inside:
        routes = {"/moved": Reply(302, headers={"Location": inside.url("/inside.html")})}
        with FeedServer(routes) as public:
            refused = page(public.url("/moved"), guard=_except_127_0_0_1)
            inside_seen = len(inside.requests)
            allowed = page(public.url("/moved"), allow_private_networks=True)
    assert refused.error == f"refused: 127.0.0.2 is a loopback address {HINT}"
    assert refused.final_url == inside.url("/inside.html")
    assert inside_seen == 0
    assert allowed.error is None
    assert allowed.final_url == inside.url("/inside.html")
    assert allowed.body == html()


@pytest.mark.skipif(not can_bind("::1"), reason="no IPv6 loopback on this machine")
def test_redirect_to_ipv6_loopback_is_refused() -> None:
    with BoundFeedServer("::1", {"/inside.html": PAGE}) as inside:
        routes = {"/moved": Reply(301, headers={"Location": inside.url("/inside.html")})}
        with FeedServer(routes) as public:
            refused = page(public.url("/moved"), guard=_except_127_0_0_1)
            inside_seen = len(inside.requests)
    assert refused.error == f"refused: ::1 is a loopback address {HINT}"
    assert inside_seen == 0


def test_private_addresses_are_refused_without_a_packet_sent() -> None:
    """Through the whole Fetcher, with a socket layer that cannot send anything."""
    urls = {
        "http://10.0.0.5/news.html": f"refused: 10.0.0.5 is a private address {HINT}",
        "http://169.254.169.254/latest/meta-data/": (
            f"refused: 169.254.169.254 is the link-local cloud metadata address {HINT}"
        ),
        "https://192.168.1.1/": f"refused: 192.168.1.1 is a private address {HINT}",
        "http://[fd00::1]:8080/": f"refused: fd00::1 is a private address (unique local) {HINT}",
        "http://[::ffff:10.0.0.5]/": (
            f"refused: ::ffff:a00:5 is a private address (10.0.0.5 inside IPv6) {HINT}"
        ),
    }
    inner = NoNetwork()

    async def main() -> list[PageFetch]:
        async with Fetcher(settings(), parse_workers=0) as fetcher:
            assert fetcher._page_backend is not None
            fetcher._page_backend.inner = inner
            requests = [PageRequest(url=url, entry_id=i) for i, url in enumerate(urls)]
            results = [r async for r in fetcher.fetch_pages(requests)]
            assert fetcher._page_backend.connects == 0
            return results

    results = asyncio.run(main())
    assert {r.url: r.error for r in results} == urls
    assert inner.attempts == []


def test_feeds_are_trusted_and_connections_are_not_shared() -> None:
    """A feed on a private address is fetched; a page on the same host is refused."""
    routes = {"/feed.xml": Reply(body=rss()), "/a.html": PAGE}
    with FeedServer(routes) as server:

        async def main() -> tuple[Any, PageFetch, Any]:
            async with Fetcher(settings(concurrency=1), parse_workers=0) as fetcher:
                feed = await fetcher.fetch_feed(
                    FeedRequest(source_id="s", url=server.url("/feed.xml"))
                )
                article = await fetcher.fetch_page(PageRequest(url=server.url("/a.html")))
                again = await fetcher.fetch_feed(
                    FeedRequest(source_id="s", url=server.url("/feed.xml"))
                )
                return feed, article, again

        feed, article, again = asyncio.run(main())
        paths = server.paths()
    assert feed.outcome is FetchOutcome.OK
    assert again.outcome is FetchOutcome.OK
    assert article.error == f"refused: 127.0.0.1 is a loopback address {HINT}"
    assert paths == ["/feed.xml", "/feed.xml"]  # the kept-alive feed connection was not used


class LoopbackOnly(httpcore.AnyIOBackend):
    """The real socket layer for 127.0.0.1; any other connect is recorded and refused."""

    def __init__(self) -> None:
        self.refused: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host != "127.0.0.1":
            self.refused.append((host, port))
            raise httpcore.ConnectError("[Errno 111] Connection refused (not loopback)")
        return await super().connect_tcp(host, port, timeout, local_address, socket_options)


#: Targets a redirect must not reach, whatever their form; the guard refuses each
#: before any connect.
PRIVATE_TARGETS = {
    "http://169.254.169.254/latest/meta-data/": (
        "refused: 169.254.169.254 is the link-local cloud metadata address"
    ),
    "http://10.0.0.5/feed.xml": "refused: 10.0.0.5 is a private address",
    "http://192.168.1.1:8080/": "refused: 192.168.1.1 is a private address",
    "http://[fd00::1]/": "refused: fd00::1 is a private address (unique local)",
    "http://[::ffff:169.254.169.254]/": (
        "refused: ::ffff:a9fe:a9fe is the link-local cloud metadata address"
        " (169.254.169.254 inside IPv6)"
    ),
    "http://2130706433/": "refused: 2130706433 resolves to 127.0.0.1, a loopback address",
    "http://0x7f.1/": "refused: 0x7f.1 resolves to 127.0.0.1, a loopback address",
    "http://127.1/": "refused: 127.1 resolves to 127.0.0.1, a loopback address",
}


def test_address_forms_of_article_links_are_refused_without_a_packet_sent() -> None:
    """Decimal, hex, short and IPv6 forms of private addresses; 0177.0.0.1 (octal to
    some parsers, decimal to others) is no URL at all."""
    expected = {url: f"{message} {HINT}" for url, message in PRIVATE_TARGETS.items()}
    expected["http://0177.0.0.1/"] = (
        "not a valid URL: http://0177.0.0.1/ (Invalid IPv4 address: '0177.0.0.1')"
    )
    inner = NoNetwork()

    async def main() -> list[PageFetch]:
        async with Fetcher(settings(), parse_workers=0) as fetcher:
            assert fetcher._page_backend is not None
            fetcher._page_backend.inner = inner
            requests = [PageRequest(url=url, entry_id=i) for i, url in enumerate(expected)]
            return [r async for r in fetcher.fetch_pages(requests)]

    results = asyncio.run(main())
    assert {r.url: r.error for r in results} == expected
    assert inner.attempts == []


def test_page_redirects_to_private_addresses_are_refused_without_a_packet_sent() -> None:
    # 127.0.0.1 plays the public server here, so the forms of it are left out.
    targets = {u: m for u, m in PRIVATE_TARGETS.items() if "127.0.0.1" not in m}
    routes = {
        f"/r{i}": Reply(302, headers={"Location": target}) for i, target in enumerate(targets)
    }
    inner = LoopbackOnly()
    with FeedServer(routes) as public:

        async def main() -> list[PageFetch]:
            async with Fetcher(settings(), parse_workers=0) as fetcher:
                assert fetcher._page_backend is not None
                fetcher._page_backend.guard = _except_127_0_0_1  # plays a public server
                fetcher._page_backend.inner = inner
                requests = [
                    PageRequest(url=public.url(path), respect_robots=False) for path in routes
                ]
                return [await fetcher.fetch_page(request) for request in requests]

        results = asyncio.run(main())
    assert [(r.final_url, r.error) for r in results] == [
        (target, f"{message} {HINT}") for target, message in targets.items()
    ]
    assert inner.refused == []


# --- feeds: the configured URL is trusted, its redirects are not (#10) ------------------

FEED_HINT = "(a feed's redirects may not reach private networks; see allow_private_networks)"


def feeds(requests: list[FeedRequest], *, inner: Any = None, **overrides: Any) -> list[FeedFetch]:
    """Fetch feeds one after the other with a fresh Fetcher; ``inner``: the guarded
    backend's socket layer (the trusted one stays real: feeds are on loopback)."""

    async def main() -> list[FeedFetch]:
        async with Fetcher(settings(**overrides), parse_workers=0) as fetcher:
            if inner is not None:
                assert fetcher._page_backend is not None
                fetcher._page_backend.inner = inner
            return [await fetcher.fetch_feed(request) for request in requests]

    return asyncio.run(main())


def test_feed_redirect_to_another_local_server_is_refused_unless_allowed() -> None:
    with FeedServer({"/inside.xml": Reply(body=rss())}) as inside:
        target = inside.url("/inside.xml")
        with FeedServer({"/feed.xml": Reply(302, headers={"Location": target})}) as server:
            url = server.url("/feed.xml")
            (refused,) = feeds([FeedRequest(source_id="s", url=url)])
            seen_while_refused = inside.paths()
            by_source, _ = feeds(
                [
                    FeedRequest(source_id="s", url=url, allow_private_networks=True),
                    FeedRequest(source_id="t", url=url),
                ],
                allow_private_networks=False,
            )
            (by_setting,) = feeds(
                [FeedRequest(source_id="s", url=url)], allow_private_networks=True
            )
    assert refused.outcome is FetchOutcome.ERROR
    assert refused.error == (
        f"redirect to {target}: refused: 127.0.0.1 is a loopback address {FEED_HINT}"
    )
    assert refused.final_url == target and refused.feed is None
    assert seen_while_refused == []
    for allowed in (by_source, by_setting):
        assert allowed.outcome is FetchOutcome.OK, allowed.error
        assert allowed.final_url == target
        assert allowed.feed is not None and len(allowed.feed.entries) == 3


def test_feed_redirects_within_its_own_origin_keep_its_trust() -> None:
    """The operator trusts the feed's server: /feed → /feed/ there is followed."""
    routes = {
        "/feed": Reply(301, headers={"Location": "/feed/"}),
        "/feed/": Reply(302, headers={"Location": "/feed.xml"}),
        "/feed.xml": Reply(body=rss()),
    }
    with FeedServer(routes) as server:
        (result,) = feeds([FeedRequest(source_id="s", url=server.url("/feed"))])
        (by_name,) = feeds(  # a name and its address are two origins: only the name is trusted
            [FeedRequest(source_id="s", url=f"http://localhost:{server.port}/feed")]
        )
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.final_url == server.url("/feed.xml")
    assert by_name.outcome is FetchOutcome.OK, by_name.error


def test_feed_redirects_to_private_addresses_are_refused_without_a_packet_sent() -> None:
    routes = {
        f"/f{i}.xml": Reply(301, headers={"Location": target})
        for i, target in enumerate(PRIVATE_TARGETS)
    }
    inner = NoNetwork()
    with FeedServer(routes) as server:
        requests = [
            FeedRequest(source_id=f"s{i}", url=server.url(path)) for i, path in enumerate(routes)
        ]
        results = feeds(requests, inner=inner)
    assert [r.error for r in results] == [
        f"redirect to {target}: {message} {FEED_HINT}"
        for target, message in PRIVATE_TARGETS.items()
    ]
    assert all(r.outcome is FetchOutcome.ERROR for r in results)
    assert inner.attempts == []  # every hop was refused before any connect


def test_a_feed_moved_by_redirects_is_not_trusted_as_its_configured_url() -> None:
    """After permanent redirects the stored URL is the target: a third party chose it, so
    it is checked like a redirect; the configured URL's origin keeps its trust."""
    with FeedServer({"/inside.xml": Reply(body=rss())}) as inside:
        with FeedServer({"/feed.xml": Reply(body=rss())}) as server:
            moved, home = feeds(
                [
                    FeedRequest(
                        source_id="s",
                        url=inside.url("/inside.xml"),
                        configured_url=server.url("/feed.xml"),
                    ),
                    FeedRequest(
                        source_id="s",
                        url=server.url("/feed.xml?v=2"),
                        configured_url=server.url("/feed.xml"),
                    ),
                ]
            )
            inside_seen = inside.paths()
    assert moved.error == f"refused: 127.0.0.1 is a loopback address {FEED_HINT}"
    assert inside_seen == []
    assert home.outcome is FetchOutcome.OK, home.error


# --- the real thing, in a network namespace without routes -------------------------------

_NAMESPACE_SNIPPET = """
import asyncio, json, sys
from datetime import timedelta
from curator.config import FetchSettings
from curator.fetch.client import Fetcher
from curator.model import PageRequest

async def main(allow):
    settings = FetchSettings(
        allow_private_networks=allow,
        timeout=timedelta(seconds=3),
        connect_timeout=timedelta(seconds=1),
    )
    async with Fetcher(settings, parse_workers=0) as fetcher:
        requests = [PageRequest(url=url, respect_robots=False) for url in sys.argv[1:]]
        return {p.url: p.error async for p in fetcher.fetch_pages(requests)}

print(json.dumps([asyncio.run(main(False)), asyncio.run(main(True))]))
"""


def test_private_addresses_in_a_network_namespace(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare")
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn not permitted: {probe.stderr.decode().strip()}")
    urls = ["http://10.0.0.5/a.html", "http://169.254.169.254/latest/meta-data/"]
    done = subprocess.run(
        [unshare, "-rn", sys.executable, "-c", textwrap.dedent(_NAMESPACE_SNIPPET), *urls],
        capture_output=True,
        check=False,
        timeout=30,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr.decode()
    guarded, unguarded = json.loads(done.stdout)
    assert guarded == {
        "http://10.0.0.5/a.html": f"refused: 10.0.0.5 is a private address {HINT}",
        "http://169.254.169.254/latest/meta-data/": (
            f"refused: 169.254.169.254 is the link-local cloud metadata address {HINT}"
        ),
    }
    # Without the guard the connect is attempted: the namespace has no route for it.
    for url in urls:
        assert unguarded[url].startswith("could not connect to"), unguarded[url]


# --- TLS: SNI and the certificate stay the host name --------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_tls_uses_the_host_name_for_sni_and_the_certificate(
    certificate: tuple[str, str],
) -> None:
    """The guarded backend connects to 127.0.0.1, yet TLS is with "localhost"."""
    cert, key = certificate
    with TlsFeedServer(cert, key, {"/a.html": PAGE}) as server:

        async def main() -> tuple[httpx.Response, list[tuple[str, int]]]:
            seen: list[tuple[str, int]] = []

            class Recording(httpcore.AnyIOBackend):
                async def connect_tcp(
                    self,
                    host: str,
                    port: int,
                    timeout: float | None = None,  # noqa: ASYNC109
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None,
                ) -> httpcore.AsyncNetworkStream:
                    seen.append((host, port))
                    return await super().connect_tcp(
                        host, port, timeout, local_address, socket_options
                    )

            backend = PacedBackend(guard=ssrf.allow_all, inner=Recording())
            context = ssl.create_default_context(cafile=cert)
            transport = make_transport(
                ssl_context=context, limits=httpx.Limits(max_connections=1), backend=backend
            )
            async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
                response = await client.get(server.url("/a.html"))
            return response, seen

        response, seen = asyncio.run(main())
        names = server.server_names
        host_header = server.requests[0].headers["host"]
    assert response.status_code == 200
    assert response.content == html()
    assert seen == [("127.0.0.1", server.port)]  # the checked address, not the name
    assert names == ["localhost"]  # SNI: the name, and the certificate verified for it
    assert host_header == f"localhost:{server.port}"
