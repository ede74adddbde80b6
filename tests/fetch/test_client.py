"""Fetcher against real local servers (tests/fetch/servers.py). No mocks, no internet."""

from __future__ import annotations

import asyncio
import gzip
import os
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC
from datetime import timedelta
from pathlib import Path
from typing import Any

import brotli
import pytest

from curator.config import FetchSettings
from curator.fetch.client import Fetcher
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchOutcome

from .servers import FeedServer
from .servers import RawServer
from .servers import Reply
from .servers import Seen
from .servers import Unresponsive
from .servers import drip
from .servers import reset
from .servers import rss
from .servers import unused_port

FEED = rss(entries=3)


def make_settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "timeout": timedelta(seconds=5),
        "connect_timeout": timedelta(seconds=2),
        "user_agent": "curator-tests/1 (+https://example.org/contact)",
    }
    values.update(overrides)
    return FetchSettings(**values)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    parse_workers: int = 0,
    **overrides: Any,
) -> FeedFetch:
    """Fetch one URL with a fresh Fetcher."""
    request = FeedRequest(source_id="s", url=url, etag=etag, last_modified=last_modified)

    async def main() -> FeedFetch:
        async with Fetcher(make_settings(**overrides), parse_workers=parse_workers) as fetcher:
            return await fetcher.fetch_feed(request)

    return asyncio.run(main())


def fetch_all(requests: list[FeedRequest], **overrides: Any) -> list[FeedFetch]:
    async def main() -> list[FeedFetch]:
        async with Fetcher(make_settings(**overrides), parse_workers=0) as fetcher:
            return [result async for result in fetcher.fetch_feeds(requests)]

    return asyncio.run(main())


# --- success and caching ----------------------------------------------------------------


def test_200_is_parsed_and_recorded() -> None:
    headers = {
        "Content-Type": "application/rss+xml",
        "ETag": '"v1"',
        "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
    }
    with FeedServer({"/feed.xml": Reply(body=FEED, headers=headers)}) as server:
        result = fetch(server.url("/feed.xml"))
        seen = server.requests
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.error is None
    assert result.http_status == 200
    assert result.final_url == server.url("/feed.xml")
    assert result.permanent_redirect_url is None
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert result.feed is not None
    assert result.feed.title == "Test feed"
    assert [e.link for e in result.feed.entries] == [
        f"http://example.org/{i}.html" for i in range(3)
    ]
    assert result.started_at is not None and result.started_at.tzinfo is UTC
    assert timedelta(0) < result.duration < timedelta(seconds=5)
    assert len(seen) == 1
    assert seen[0].headers["user-agent"] == "curator-tests/1 (+https://example.org/contact)"
    assert "if-none-match" not in seen[0].headers
    assert "if-modified-since" not in seen[0].headers


def _conditional(seen: Seen) -> Reply:
    if seen.headers.get("if-none-match") == '"v1"':
        return Reply(304, headers={"ETag": '"v1"'})
    if seen.headers.get("if-modified-since") == "Mon, 01 Jan 2024 00:00:00 GMT":
        return Reply(304)  # no validators repeated: the request's are kept
    return Reply(body=FEED, headers={"ETag": '"v1"'})


def test_304_with_etag() -> None:
    with FeedServer({"/feed.xml": _conditional}) as server:
        result = fetch(server.url("/feed.xml"), etag='"v1"')
        seen = server.requests
    assert seen[0].headers["if-none-match"] == '"v1"'
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.http_status == 304
    assert result.feed is None
    assert result.error is None
    assert result.etag == '"v1"'


def test_304_with_last_modified() -> None:
    lm = "Mon, 01 Jan 2024 00:00:00 GMT"
    with FeedServer({"/feed.xml": _conditional}) as server:
        result = fetch(server.url("/feed.xml"), last_modified=lm)
        changed = fetch(server.url("/feed.xml"), last_modified="Sun, 31 Dec 2023 00:00:00 GMT")
        seen = server.requests
    assert seen[0].headers["if-modified-since"] == lm
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.last_modified == lm
    assert result.feed is None
    assert changed.outcome is FetchOutcome.OK
    assert changed.feed is not None and len(changed.feed.entries) == 3


_DATE = "Mon, 01 Jan 2024 00:00:00 GMT"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Cache-Control": "public, max-age=3600"}, timedelta(hours=1)),
        ({"Cache-Control": "max-age=600", "Age": "100"}, timedelta(seconds=500)),
        ({"Date": _DATE, "Expires": "Mon, 01 Jan 2024 02:00:00 GMT"}, timedelta(hours=2)),
        # max-age wins over Expires
        (
            {
                "Cache-Control": "max-age=60",
                "Date": _DATE,
                "Expires": "Tue, 02 Jan 2024 00:00:00 GMT",
            },
            timedelta(minutes=1),
        ),
        ({"Cache-Control": "no-store, max-age=3600"}, None),
        ({"Date": _DATE, "Expires": "0"}, None),
        ({}, None),
    ],
)
def test_cache_lifetime_from_cache_control_and_expires(
    headers: dict[str, str], expected: timedelta | None
) -> None:
    def route(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"', **headers})
        return Reply(body=FEED, headers={"ETag": '"v1"', **headers})

    with FeedServer({"/feed.xml": route}) as server:
        result = fetch(server.url("/feed.xml"))
        not_modified = fetch(server.url("/feed.xml"), etag='"v1"')
    assert result.outcome is FetchOutcome.OK
    assert result.cache_lifetime == expected
    assert not_modified.outcome is FetchOutcome.NOT_MODIFIED
    assert not_modified.cache_lifetime == expected


@pytest.mark.parametrize(
    ("encoding", "compress"), [("gzip", gzip.compress), ("br", brotli.compress)]
)
def test_compressed_bodies(encoding: str, compress: Callable[[bytes], bytes]) -> None:
    body = compress(FEED)
    assert body != FEED
    reply = Reply(body=body, headers={"Content-Encoding": encoding})
    with FeedServer({"/feed.xml": reply}) as server:
        result = fetch(server.url("/feed.xml"))
        seen = server.requests
    assert encoding in seen[0].headers["accept-encoding"]
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.feed is not None and len(result.feed.entries) == 3


def test_codings_are_decoded_by_curator_not_httpx() -> None:
    """Accept-Encoding offers exactly what `decode` bounds; x-gzip, raw deflate and two
    codings in a row are decoded; an undecodable body is one clear line (#10)."""
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    routes = {
        "/x-gzip.xml": Reply(body=gzip.compress(FEED), headers={"Content-Encoding": "x-gzip"}),
        "/raw.xml": Reply(
            body=raw.compress(FEED) + raw.flush(), headers={"Content-Encoding": "deflate"}
        ),
        "/two.xml": Reply(
            body=brotli.compress(gzip.compress(FEED)), headers={"Content-Encoding": "gzip, br"}
        ),
        "/bad.xml": Reply(body=b"not gzip", headers={"Content-Encoding": "gzip"}),
    }
    with FeedServer(routes) as server:
        results = {path: fetch(server.url(path)) for path in routes}
        seen = {r.headers["accept-encoding"] for r in server.requests}
    assert seen == {"gzip, deflate, br"}
    for path in ("/x-gzip.xml", "/raw.xml", "/two.xml"):
        assert results[path].outcome is FetchOutcome.OK, (path, results[path].error)
        assert results[path].feed is not None and len(results[path].feed.entries) == 3
    assert results["/bad.xml"].error == (
        "could not decode the response body (gzip):"
        " Error -3 while decompressing data: incorrect header check"
    )


def test_parsing_in_a_process_pool() -> None:
    with FeedServer({"/feed.xml": Reply(body=FEED)}) as server:
        result = fetch(server.url("/feed.xml"), parse_workers=1)
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.feed is not None and len(result.feed.entries) == 3


# --- redirects --------------------------------------------------------------------------


def test_permanent_redirect_chain() -> None:
    routes = {
        "/old": Reply(301, headers={"Location": "/older"}),
        "/older": Reply(308, headers={"Location": "/feed.xml"}),
        "/feed.xml": Reply(body=FEED),
    }
    with FeedServer(routes) as server:
        result = fetch(server.url("/old"))
        paths = server.paths()
    assert paths == ["/old", "/older", "/feed.xml"]
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.url == server.url("/old")
    assert result.final_url == server.url("/feed.xml")
    assert result.permanent_redirect_url == server.url("/feed.xml")


def test_temporary_hop_makes_redirect_not_permanent() -> None:
    routes = {
        "/old": Reply(301, headers={"Location": "/moved"}),
        "/moved": Reply(302, headers={"Location": "/feed.xml"}),
        "/feed.xml": Reply(body=FEED),
    }
    with FeedServer(routes) as server:
        result = fetch(server.url("/old"))
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.final_url == server.url("/feed.xml")
    assert result.permanent_redirect_url is None


def test_redirect_loop() -> None:
    routes = {
        "/a": Reply(301, headers={"Location": "/b"}),
        "/b": Reply(302, headers={"Location": "/a"}),
    }
    with FeedServer(routes) as server:
        result = fetch(server.url("/a"))
        paths = server.paths()
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == f"redirect loop (back to {server.url('/a')})"
    assert paths == ["/a", "/b"]


def test_too_many_redirects() -> None:
    routes: dict[str, Reply] = {
        f"/r{i}": Reply(302, headers={"Location": f"/r{i + 1}"}) for i in range(20)
    }
    with FeedServer(routes) as server:
        result = fetch(server.url("/r0"))
        paths = server.paths()
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "too many redirects (more than 10)"
    assert len(paths) == 11


# --- statuses ---------------------------------------------------------------------------


def test_410_is_gone() -> None:
    with FeedServer({"/feed.xml": Reply(410, b"gone")}) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.GONE
    assert result.http_status == 410
    assert result.feed is None


def test_500_is_an_error_with_status() -> None:
    with FeedServer({"/feed.xml": Reply(500, b"oops")}) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.ERROR
    assert result.http_status == 500
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.retry_after is None


def test_429_retry_after_pauses_the_host() -> None:
    routes = {
        "/limited": Reply(429, headers={"Retry-After": "120"}),
        "/feed.xml": Reply(body=FEED),
    }
    with FeedServer(routes) as server, FeedServer({"/feed.xml": Reply(body=FEED)}) as other:

        async def main() -> tuple[FeedFetch, FeedFetch, FeedFetch]:
            async with Fetcher(make_settings(), parse_workers=0) as fetcher:
                limited = await fetcher.fetch_feed(
                    FeedRequest(source_id="a", url=server.url("/limited"))
                )
                same_host = await fetcher.fetch_feed(
                    FeedRequest(source_id="b", url=server.url("/feed.xml"))
                )
                other_host = await fetcher.fetch_feed(
                    FeedRequest(source_id="c", url=other.url("/feed.xml"))
                )
                return limited, same_host, other_host

        limited, same_host, other_host = asyncio.run(main())
        paths = server.paths()
    assert limited.outcome is FetchOutcome.ERROR
    assert limited.http_status == 429
    assert limited.retry_after == timedelta(seconds=120)
    assert limited.error == "HTTP 429 Too Many Requests (retry after 120s)"
    assert paths == ["/limited"]  # the paused host got no second request
    assert same_host.outcome is FetchOutcome.ERROR
    assert same_host.error is not None and "paused" in same_host.error
    assert same_host.retry_after is not None
    assert timedelta(seconds=110) < same_host.retry_after <= timedelta(seconds=120)
    assert other_host.outcome is FetchOutcome.OK


def test_503_retry_after_http_date() -> None:
    when = time.time() + 3600
    from email.utils import formatdate

    reply = Reply(503, headers={"Retry-After": formatdate(when, usegmt=True)})
    with FeedServer({"/feed.xml": reply}) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.ERROR
    assert result.http_status == 503
    assert result.retry_after is not None
    assert timedelta(minutes=58) < result.retry_after <= timedelta(hours=1)


# --- bodies -----------------------------------------------------------------------------


def test_malformed_body_is_a_parse_error() -> None:
    with FeedServer({"/feed.xml": Reply(body=b"this is not a feed <<< &&& >>>")}) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.ERROR
    assert result.http_status == 200
    assert result.feed is None
    assert result.error


def test_empty_body() -> None:
    with FeedServer({"/feed.xml": Reply(body=b"")}) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "empty response body"


def test_body_over_cap() -> None:
    with FeedServer({"/feed.xml": Reply(body=b"x" * 5000)}) as server:
        result = fetch(server.url("/feed.xml"), max_bytes=2000)
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "response body over 2 kB cap"


def test_decompressed_body_over_cap() -> None:
    body = gzip.compress(b" " * 100_000)  # about 100 bytes on the wire
    assert len(body) < 2000
    reply = Reply(body=body, headers={"Content-Encoding": "gzip"})
    with FeedServer({"/feed.xml": reply}) as server:
        result = fetch(server.url("/feed.xml"), max_bytes=2000)
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "response body over 2 kB cap"


# --- network failures -------------------------------------------------------------------


def test_drip_server_hits_the_total_deadline() -> None:
    with RawServer(drip) as server:
        result = fetch(server.url("/feed.xml"), timeout=timedelta(seconds=1.5))
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "timed out after 1.5s"  # the drip would go on for minutes


def test_connection_reset() -> None:
    with RawServer(reset) as server:
        result = fetch(server.url("/feed.xml"))
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "connection reset by 127.0.0.1"


def test_dns_failure() -> None:
    result = fetch("http://no-such-host.invalid/feed.xml")
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "DNS lookup failed for host no-such-host.invalid"


def test_connection_refused() -> None:
    result = fetch(f"http://127.0.0.1:{unused_port()}/feed.xml")
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "connection refused by 127.0.0.1"


def test_connect_timeout() -> None:
    with Unresponsive() as server:
        result = fetch(server.url("/feed.xml"), connect_timeout=timedelta(seconds=0.5))
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "connecting to 127.0.0.1 timed out after 0.5s"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://[::1/feed.xml", "invalid URL http://[::1/feed.xml: Invalid IPv6 URL"),
        (
            "http://127.0.0.1:99999/x",
            "invalid URL http://127.0.0.1:99999/x: Port out of range 0-65535",
        ),
        ("http:///feed.xml", "invalid URL http:///feed.xml: no host"),
    ],
)
def test_invalid_urls(url: str, error: str) -> None:
    result = fetch(url)
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == error


def test_unsupported_scheme() -> None:
    result = fetch("ftp://example.org/feed.xml")
    assert result.outcome is FetchOutcome.ERROR
    assert result.error == "unsupported URL scheme 'ftp'"


# --- limits -----------------------------------------------------------------------------


def _requests(server: FeedServer, count: int, prefix: str = "s") -> list[FeedRequest]:
    return [
        FeedRequest(source_id=f"{prefix}{i}", url=server.url(f"/feed.xml?{i}"))
        for i in range(count)
    ]


def test_per_host_concurrency_is_respected() -> None:
    slow = Reply(body=FEED, delay=0.15)
    with FeedServer({"/feed.xml": slow}) as one, FeedServer({"/feed.xml": slow}) as two:
        results = fetch_all(
            _requests(one, 6, "a") + _requests(two, 6, "b"),
            concurrency=20,
            per_host_concurrency=2,
        )
        max_one, max_two = one.max_active, two.max_active
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 12
    assert max_one == 2
    assert max_two == 2


def test_global_concurrency_is_respected() -> None:
    with FeedServer({"/feed.xml": Reply(body=FEED, delay=0.15)}) as server:
        results = fetch_all(_requests(server, 9), concurrency=3, per_host_concurrency=10)
        max_active = server.max_active
    assert len(results) == 9
    assert all(r.outcome is FetchOutcome.OK for r in results)
    assert max_active == 3


def test_per_host_delay_spaces_requests() -> None:
    starts: list[float] = []
    lock = threading.Lock()

    def timed(seen: Seen) -> Reply:
        with lock:
            starts.append(time.monotonic())
        return Reply(body=FEED)

    with FeedServer({"/feed.xml": timed}) as server:
        results = fetch_all(
            _requests(server, 3), per_host_concurrency=3, per_host_delay=timedelta(seconds=0.2)
        )
    assert all(r.outcome is FetchOutcome.OK for r in results)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 2
    assert all(gap >= 0.15 for gap in gaps), gaps


def test_connections_are_kept_alive_across_statuses() -> None:
    routes = {
        "/feed.xml": _conditional,
        "/moved": Reply(301, b"moved", headers={"Location": "/feed.xml"}),
        "/broken": Reply(500, b"oops"),
    }
    with FeedServer(routes) as server:
        requests = [
            FeedRequest(source_id="ok", url=server.url("/feed.xml")),
            FeedRequest(source_id="304", url=server.url("/feed.xml"), etag='"v1"'),
            FeedRequest(source_id="301", url=server.url("/moved"), etag='"v1"'),
            FeedRequest(source_id="500", url=server.url("/broken")),
            FeedRequest(source_id="again", url=server.url("/feed.xml")),
        ]

        async def main() -> list[FeedFetch]:
            async with Fetcher(make_settings(concurrency=1), parse_workers=0) as fetcher:
                return [await fetcher.fetch_feed(request) for request in requests]

        results = asyncio.run(main())
        peers = {seen.peer for seen in server.requests}
    assert [r.http_status for r in results] == [200, 304, 304, 500, 200]
    assert len(server.requests) == 6
    assert len(peers) == 1  # one connection served them all


def test_results_come_in_completion_order() -> None:
    routes = {"/slow.xml": Reply(body=FEED, delay=0.3), "/fast.xml": Reply(body=FEED)}
    with FeedServer(routes) as server:
        results = fetch_all(
            [
                FeedRequest(source_id="slow", url=server.url("/slow.xml")),
                FeedRequest(source_id="fast", url=server.url("/fast.xml")),
            ]
        )
    assert [r.source_id for r in results] == ["fast", "slow"]


def test_many_sources_some_failing() -> None:
    routes = {
        **{f"/ok{i}.xml": Reply(body=rss(f"Feed {i}")) for i in range(20)},
        "/broken.xml": Reply(500),
        "/gone.xml": Reply(410),
        "/bad.xml": Reply(body=b"<html><body>not a feed"),
    }
    with FeedServer(routes) as server:
        requests = [
            FeedRequest(source_id=f"ok{i}", url=server.url(f"/ok{i}.xml")) for i in range(20)
        ]
        requests += [
            FeedRequest(source_id="broken", url=server.url("/broken.xml")),
            FeedRequest(source_id="gone", url=server.url("/gone.xml")),
            FeedRequest(source_id="missing", url=server.url("/missing.xml")),
            FeedRequest(source_id="bad", url=server.url("/bad.xml")),
            FeedRequest(source_id="refused", url=f"http://127.0.0.1:{unused_port()}/x.xml"),
        ]
        results = {r.source_id: r for r in fetch_all(requests, per_host_concurrency=4)}
    assert len(results) == 25
    for i in range(20):
        ok = results[f"ok{i}"]
        assert ok.outcome is FetchOutcome.OK, ok.error
        assert ok.feed is not None and ok.feed.title == f"Feed {i}"
    assert results["broken"].error == "HTTP 500 Internal Server Error"
    assert results["gone"].outcome is FetchOutcome.GONE
    assert results["missing"].error == "HTTP 404 Not Found"
    assert results["bad"].outcome is FetchOutcome.ERROR
    assert results["refused"].error == "connection refused by 127.0.0.1"


def test_stopping_early_cancels_the_rest() -> None:
    routes = {"/fast.xml": Reply(body=FEED), "/slow.xml": Reply(body=FEED, delay=1.0)}
    with FeedServer(routes) as server:

        async def main() -> list[str]:
            requests = [FeedRequest(source_id="fast", url=server.url("/fast.xml"))] + [
                FeedRequest(source_id=f"slow{i}", url=server.url(f"/slow.xml?{i}"))
                for i in range(3)
            ]
            seen = []
            async with Fetcher(make_settings(), parse_workers=0) as fetcher:
                results = fetcher.fetch_feeds(requests)
                async for result in results:
                    seen.append(result.source_id)
                    break
                await results.aclose()  # type: ignore[attr-defined]
            return seen

        seen = asyncio.run(main())
        # not waited for: the slow answers are still being made, or were never asked for
        in_flight = server.active
        asked = sum(path.startswith("/slow.xml") for path in server.paths())
    assert seen == ["fast"]
    assert in_flight > 0 or asked == 0, (in_flight, asked)


def test_fetcher_must_be_opened() -> None:
    async def main() -> None:
        await Fetcher(make_settings()).fetch_feed(FeedRequest(source_id="s", url="file:///x"))

    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(main())


# --- file:// ---------------------------------------------------------------------------


def test_file_url(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    first = fetch(path.as_uri())
    again = fetch(path.as_uri(), last_modified=first.last_modified)
    assert first.outcome is FetchOutcome.OK, first.error
    assert first.feed is not None and len(first.feed.entries) == 3
    assert first.last_modified == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert again.outcome is FetchOutcome.NOT_MODIFIED
    assert again.feed is None


def test_file_url_errors(tmp_path: Path) -> None:
    missing = fetch((tmp_path / "missing.xml").as_uri())
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 3000)
    too_big = fetch(big.as_uri(), max_bytes=1000)
    assert missing.outcome is FetchOutcome.ERROR
    assert missing.error == f"file not found: {tmp_path / 'missing.xml'}"
    assert too_big.error == "file over 1 kB cap"
