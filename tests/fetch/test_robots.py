"""robots.txt for article pages: the rules (pure) and the Fetcher against local servers."""

from __future__ import annotations

import asyncio
import zlib
from datetime import timedelta
from typing import Any

import pytest

from curator.config import FetchSettings
from curator.fetch import robots
from curator.fetch.client import Fetcher
from curator.model import PageFetch
from curator.model import PageRequest

from .servers import FeedServer
from .servers import Reply
from .servers import Route
from .servers import html
from .servers import unused_port

HTML = {"Content-Type": "text/html"}
PAGE = Reply(body=html(), headers=HTML)
ROBOTS = b"""\
User-agent: *
Disallow: /private/

User-agent: curator
Disallow: /no-curator/
Allow: /no-curator/but-this.html
"""


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "timeout": timedelta(seconds=5),
        "connect_timeout": timedelta(seconds=2),
        "user_agent": "curator-tests/1 (+https://example.org/contact)",
        "allow_private_networks": True,
    }
    values.update(overrides)
    return FetchSettings(**values)


def fetch_pages(requests: list[PageRequest], **overrides: Any) -> list[PageFetch]:
    async def main() -> list[PageFetch]:
        async with Fetcher(settings(**overrides), parse_workers=0) as fetcher:
            return [page async for page in fetcher.fetch_pages(requests)]

    return asyncio.run(main())


def errors(server: FeedServer, *paths: str, **overrides: Any) -> dict[str, str | None]:
    requests = [PageRequest(url=server.url(path), entry_id=i) for i, path in enumerate(paths)]
    return {
        r.url.removeprefix(server.base_url): r.error for r in fetch_pages(requests, **overrides)
    }


def site(robots_route: Route, **pages: Route) -> FeedServer:
    routes: dict[str, Route] = {"/robots.txt": robots_route}
    routes.update({f"/{name.replace('__', '/')}.html": route for name, route in pages.items()})
    return FeedServer(routes)


# --- the rules (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/news/a.html", True),
        ("/private/a.html", True),  # the curator group replaces the * group
        ("/no-curator/a.html", False),
        ("/no-curator/but-this.html", True),
        ("/robots.txt", True),
    ],
)
def test_rules_for_our_token(path: str, allowed: bool) -> None:
    rules = robots.rules_from_response(200, "OK", ROBOTS)
    refusal = rules.check("https://example.org" + path)
    assert (refusal is None) is allowed
    if not allowed:
        assert refusal == "disallowed by robots.txt"


def test_star_group_applies_without_a_curator_group() -> None:
    rules = robots.rules_from_response(200, "OK", b"\xef\xbb\xbfUser-agent: *\nDisallow: /x/\n")
    assert rules.check("http://example.org/x/1") == "disallowed by robots.txt"
    assert rules.check("http://example.org/y/1") is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_4xx_allows_everything(status: int) -> None:
    assert robots.rules_from_response(status, "x", None).check("http://e.org/a") is None


@pytest.mark.parametrize(
    ("status", "reason"), [(500, "Internal Server Error"), (503, "Service Unavailable"), (429, "")]
)
def test_5xx_and_429_disallow_everything(status: int, reason: str) -> None:
    refusal = robots.rules_from_response(status, reason, None).check("http://e.org/a")
    assert (
        refusal
        == f"disallowed by robots.txt (it could not be fetched: HTTP {status} {reason}".rstrip()
        + ")"
    )


@pytest.mark.parametrize(
    ("url", "robots_url"),
    [
        ("https://Example.ORG/a/b.html?x=1#f", "https://example.org/robots.txt"),
        ("http://example.org:8080/a", "http://example.org:8080/robots.txt"),
        ("HTTP://user:pw@example.org/a", "http://example.org/robots.txt"),
        ("http://[::1]:81/a", "http://[::1]:81/robots.txt"),
    ],
)
def test_robots_url(url: str, robots_url: str) -> None:
    assert robots.robots_url(url) == robots_url


# --- the Fetcher --------------------------------------------------------------------------


def test_allow_and_disallow() -> None:
    with site(Reply(body=ROBOTS), news=PAGE, no_curator__a=PAGE, private__a=PAGE) as server:
        result = errors(server, "/news.html", "/no-curator/a.html", "/private/a.html")
        paths = server.paths()
    assert result == {
        "/news.html": None,
        "/no-curator/a.html": "disallowed by robots.txt",
        "/private/a.html": None,
    }
    assert "/no-curator/a.html" not in paths


def test_robots_txt_is_fetched_once_per_origin() -> None:
    pages = {f"p{i}": PAGE for i in range(12)}
    with site(Reply(body=ROBOTS), **pages) as server, site(Reply(body=b""), a=PAGE) as other:
        requests = [
            PageRequest(url=server.url(f"/p{i}.html"), entry_id=i, source_id="s") for i in range(12)
        ]
        requests += [PageRequest(url=other.url("/a.html"), entry_id=99)]
        results = fetch_pages(requests, per_host_concurrency=4)
        paths, other_paths = server.paths(), other.paths()
    assert [r.error for r in results] == [None] * 13
    assert paths.count("/robots.txt") == 1
    assert paths[0] == "/robots.txt"  # before any page
    assert other_paths == ["/robots.txt", "/a.html"]
    assert server.requests[0].headers["user-agent"].startswith("curator-tests/1")


def test_404_robots_allows_everything() -> None:
    with site(Reply(404, b"nope"), a=PAGE, b=PAGE) as server:
        result = errors(server, "/a.html", "/b.html")
        paths = server.paths()
    assert result == {"/a.html": None, "/b.html": None}
    assert paths.count("/robots.txt") == 1


def test_500_robots_disallows_for_the_run() -> None:
    calls: list[int] = []

    def flaky(seen: object) -> Reply:
        calls.append(1)
        return Reply(500) if len(calls) == 1 else Reply(body=b"")

    with site(flaky, a=PAGE, b=PAGE) as server:

        async def main() -> tuple[PageFetch, PageFetch]:
            async with Fetcher(settings(), parse_workers=0) as fetcher:
                first = await fetcher.fetch_page(PageRequest(url=server.url("/a.html")))
                second = await fetcher.fetch_page(PageRequest(url=server.url("/b.html")))
                return first, second

        first, second = asyncio.run(main())
        next_run = errors(server, "/a.html")
        paths = server.paths()
    refusal = "disallowed by robots.txt (it could not be fetched: HTTP 500 Internal Server Error)"
    assert first.error == second.error == refusal
    assert first.body is None
    assert next_run == {"/a.html": None}  # a new Fetcher (the next run) asks again
    assert paths == ["/robots.txt", "/robots.txt", "/a.html"]


def test_unreachable_robots_disallows() -> None:
    url = f"http://127.0.0.1:{unused_port()}/a.html"
    result = fetch_pages([PageRequest(url=url)])[0]
    assert result.error == (
        "disallowed by robots.txt (it could not be fetched: connection refused by 127.0.0.1)"
    )


def test_respect_robots_false_skips_it() -> None:
    with site(Reply(body=b"User-agent: *\nDisallow: /\n"), a=PAGE) as server:
        ignored = fetch_pages([PageRequest(url=server.url("/a.html"), respect_robots=False)])[0]
        paths = server.paths()
        respected = fetch_pages([PageRequest(url=server.url("/a.html"))])[0]
    assert ignored.error is None
    assert paths == ["/a.html"]
    assert respected.error == "disallowed by robots.txt"


def test_robots_redirect_is_followed() -> None:
    routes: dict[str, Route] = {
        "/robots.txt": Reply(301, headers={"Location": "/real-robots.txt"}),
        "/real-robots.txt": Reply(body=b"User-agent: curator\nDisallow: /a.html\n"),
        "/a.html": PAGE,
        "/b.html": PAGE,
    }
    with FeedServer(routes) as server:
        result = errors(server, "/a.html", "/b.html")
    assert result == {"/a.html": "disallowed by robots.txt", "/b.html": None}


def test_large_robots_is_truncated_not_refused() -> None:
    body = b"User-agent: curator\nDisallow: /a.html\n" + b"# padding\n" * 60_000  # 600 kB
    with site(Reply(body=body), a=PAGE, b=PAGE) as server:
        result = errors(server, "/a.html", "/b.html", max_bytes=100_000)
    assert result == {"/a.html": "disallowed by robots.txt", "/b.html": None}


def test_a_compressed_robots_bomb_is_truncated_too() -> None:
    """Decoded a piece at a time up to ROBOTS_MAX_BYTES (#10): the rules before the
    padding hold, the rest (gigabytes, once) is never made."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = packer.compress(b"User-agent: curator\nDisallow: /a.html\n")
    body += b"".join(packer.compress(b"#" * 1024 * 1024) for _ in range(512)) + packer.flush()
    assert len(body) < 1_000_000  # 512 MiB on the wire as ~500 kB
    with site(Reply(body=body, headers={"Content-Encoding": "gzip"}), a=PAGE, b=PAGE) as server:
        result = errors(server, "/a.html", "/b.html")
    assert result == {"/a.html": "disallowed by robots.txt", "/b.html": None}


def test_redirect_to_another_origin_is_checked_against_its_robots() -> None:
    with site(Reply(body=b"User-agent: *\nDisallow: /blocked.html\n"), blocked=PAGE) as target:
        routes: dict[str, Route] = {
            "/robots.txt": Reply(404),
            "/moved.html": Reply(302, headers={"Location": target.url("/blocked.html")}),
        }
        with FeedServer(routes) as origin:
            result = fetch_pages([PageRequest(url=origin.url("/moved.html"))])[0]
            target_paths = target.paths()
    assert result.error == "disallowed by robots.txt"
    assert result.final_url == target.url("/blocked.html")
    assert target_paths == ["/robots.txt"]  # the page itself was not requested


def test_redirect_hops_never_deadlock_on_robots() -> None:
    """One global slot: a hop that holds it fetches the other origin's robots.txt itself."""
    with site(Reply(body=b""), b=Reply(body=html(), headers=HTML, delay=0.05)) as second:
        routes: dict[str, Route] = {
            "/robots.txt": Reply(body=b""),
            **{
                f"/a{i}.html": Reply(302, headers={"Location": second.url("/b.html")})
                for i in range(4)
            },
        }
        with FeedServer(routes) as first:
            requests = [PageRequest(url=first.url(f"/a{i}.html"), entry_id=i) for i in range(4)]
            requests += [PageRequest(url=second.url("/b.html"), entry_id=9)]

            async def main() -> list[PageFetch]:
                async with Fetcher(settings(concurrency=1), parse_workers=0) as fetcher:
                    async with asyncio.timeout(10):
                        return [page async for page in fetcher.fetch_pages(requests)]

            results = asyncio.run(main())
            second_paths = second.paths()
    assert [r.error for r in results] == [None] * 5
    assert 1 <= second_paths.count("/robots.txt") <= 2


def test_robots_answering_429_pauses_the_host_and_is_not_kept() -> None:
    with site(Reply(429, headers={"Retry-After": "120"}), a=PAGE, b=PAGE) as server:

        async def main() -> list[PageFetch]:
            async with Fetcher(settings(), parse_workers=0) as fetcher:
                return [
                    await fetcher.fetch_page(PageRequest(url=server.url(f"/{name}.html")))
                    for name in "ab"
                ]

        results = asyncio.run(main())
        paths = server.paths()
    for result in results:
        assert result.error is not None
        assert result.error.startswith(f"not fetched: 127.0.0.1:{server.port} is paused for 1")
        assert result.error.endswith("(it answered HTTP 429 with Retry-After)")
    assert paths == ["/robots.txt"]


def test_hop_with_a_large_redirect_body_still_checks_robots() -> None:
    """The redirect's connection is given back before the hop's robots.txt is fetched."""
    with site(Reply(body=b""), b=PAGE) as target:
        routes: dict[str, Route] = {
            "/robots.txt": Reply(404),
            "/a.html": Reply(302, b"x" * 200_000, headers={"Location": target.url("/b.html")}),
        }
        with FeedServer(routes) as origin:
            result = fetch_pages(
                [PageRequest(url=origin.url("/a.html"))],
                concurrency=1,
                timeout=timedelta(seconds=2),
            )[0]
            target_paths = target.paths()
    assert result.error is None
    assert target_paths == ["/robots.txt", "/b.html"]
