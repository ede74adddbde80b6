"""Article pages through the Fetcher, against real local servers. No mocks, no internet.

The servers are on 127.0.0.1, which the SSRF guard refuses, so these tests set
``allow_private_networks`` (tests/fetch/test_ssrf.py tests the guard itself).
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from curator.config import FetchSettings
from curator.fetch import pages
from curator.fetch.client import Fetcher
from curator.model import FeedFetch
from curator.model import FeedRequest
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import PageRequest

from .servers import FeedServer
from .servers import RawServer
from .servers import Reply
from .servers import Seen
from .servers import drip
from .servers import html
from .servers import rss

SAMPLES = Path(__file__).parents[2] / "curator" / "samples"
HTML = {"Content-Type": "text/html; charset=utf-8"}


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


def fetch_page(url: str, *, allow_file: bool = False, **overrides: Any) -> PageFetch:
    request = PageRequest(
        url=url, entry_id=7, source_id="s", respect_robots=False, allow_file=allow_file
    )
    return fetch_pages([request], **overrides)[0]


# --- success ------------------------------------------------------------------------------


def test_html_page() -> None:
    reply = Reply(body=html("Hello"), headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    with FeedServer({"/a.html": reply}) as server:
        result = fetch_page(server.url("/a.html"))
        seen = server.requests
    assert result.error is None
    assert result.url == result.final_url == server.url("/a.html")
    assert result.entry_id == 7 and result.source_id == "s"
    assert result.http_status == 200
    assert result.content_type == "text/html"
    assert result.charset == "ISO-8859-1"  # as sent: decoding is extraction's job
    assert result.body == html("Hello")
    assert result.started_at is not None and result.started_at.tzinfo is UTC
    assert timedelta(0) < result.duration < timedelta(seconds=5)
    assert seen[0].headers["user-agent"] == "curator-tests/1 (+https://example.org/contact)"


@pytest.mark.parametrize(
    ("content_type", "media", "charset"),
    [
        ("application/xhtml+xml", "application/xhtml+xml", None),
        ('TEXT/HTML; Charset="windows-1252"', "text/html", "windows-1252"),
        ("text/html;charset=utf-8;foo=bar", "text/html", "utf-8"),
    ],
)
def test_html_content_types(content_type: str, media: str, charset: str | None) -> None:
    with FeedServer({"/a": Reply(body=html(), headers={"Content-Type": content_type})}) as server:
        result = fetch_page(server.url("/a"))
    assert result.error is None
    assert result.content_type == media
    assert result.charset == charset


def test_redirected_page() -> None:
    routes = {
        "/short": Reply(301, headers={"Location": "/2024/long-name.html"}),
        "/2024/long-name.html": Reply(body=html(), headers=HTML),
    }
    with FeedServer(routes) as server:
        result = fetch_page(server.url("/short"))
    assert result.error is None
    assert result.url == server.url("/short")
    assert result.final_url == server.url("/2024/long-name.html")


# --- what is not a page -------------------------------------------------------------------


def test_pdf_is_refused_without_reading_its_body() -> None:
    pdf = b"%PDF-1.7\n" + b"x" * 3_000_000
    reply = Reply(body=pdf, headers={"Content-Type": "application/pdf"})
    with FeedServer({"/paper.pdf": reply}) as server:
        result = fetch_page(server.url("/paper.pdf"), max_bytes=1000)
    assert result.error == "not an HTML page (Content-Type: application/pdf)"
    assert result.http_status == 200
    assert result.content_type == "application/pdf"
    assert result.body is None  # and not "over the cap": it was never read


def test_missing_content_type_is_sniffed() -> None:
    routes = {"/page": Reply(body=b"\n  " + html()), "/blob": Reply(body=b"\x00\x01binary")}
    with FeedServer(routes) as server:
        page = fetch_page(server.url("/page"))
        blob = fetch_page(server.url("/blob"))
    assert page.error is None
    assert page.content_type is None
    assert page.body == b"\n  " + html()
    assert blob.error == "not an HTML page (no Content-Type, and the body does not look like HTML)"
    assert blob.body is None


@pytest.mark.parametrize(
    ("body", "looks"),
    [
        (b"<!DOCTYPE html><p>x", True),
        (b"\xef\xbb\xbf<html><body>x", True),
        ("<html>".encode("utf-16-le").join([b"\xff\xfe", b""]), True),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", True),
        (b"<?xml version='1.0'?><rss version='2.0'><channel>", False),
        (b"<p>just a paragraph", False),
        (b'{"json": true}', False),
        (b"%PDF-1.7", False),
    ],
)
def test_looks_like_html(body: bytes, looks: bool) -> None:
    assert pages.looks_like_html(body) is looks


def test_empty_page() -> None:
    with FeedServer({"/a": Reply(body=b"", headers=HTML)}) as server:
        result = fetch_page(server.url("/a"))
    assert result.error == "empty response body"
    assert result.body is None


def test_http_errors() -> None:
    with FeedServer({"/gone": Reply(410, b"gone", headers=HTML)}) as server:
        missing = fetch_page(server.url("/missing"))
        gone = fetch_page(server.url("/gone"))
    assert missing.error == "HTTP 404 Not Found"
    assert missing.http_status == 404
    assert missing.body is None
    assert gone.error == "HTTP 410 Gone"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/a.html", "unsupported URL scheme 'ftp'"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript'"),
        ("http:///a.html", "invalid URL http:///a.html: no host"),
        ("http://[::1/a", "invalid URL http://[::1/a: Invalid IPv6 URL"),
    ],
)
def test_unusable_links(url: str, error: str) -> None:
    result = fetch_page(url)
    assert result.error == error
    assert result.body is None


def test_redirect_to_a_file_is_refused() -> None:
    routes = {"/a": Reply(302, headers={"Location": "file:///etc/passwd"})}
    with FeedServer(routes) as server:
        result = fetch_page(server.url("/a"))
    assert result.error is not None
    assert result.error.startswith("redirect to unsupported URL file:")


# --- limits -------------------------------------------------------------------------------


def test_size_cap() -> None:
    with FeedServer({"/big.html": Reply(body=html(text="x" * 5000), headers=HTML)}) as server:
        result = fetch_page(server.url("/big.html"), max_bytes=2000)
    assert result.error == "response body over 2 kB cap"
    assert result.body is None


def test_slow_drip_hits_the_deadline() -> None:
    with RawServer(drip) as server:
        result = fetch_page(server.url("/a.html"), timeout=timedelta(seconds=1))
    assert result.error == "timed out after 1s"  # the drip would go on for minutes


def test_429_retry_after_pauses_the_host_for_pages_and_feeds() -> None:
    routes = {
        "/limited.html": Reply(429, headers={"Retry-After": "120"}),
        "/a.html": Reply(body=html(), headers=HTML),
        "/feed.xml": Reply(body=rss()),
    }
    with FeedServer(routes) as server:

        async def main() -> tuple[PageFetch, PageFetch, FeedFetch]:
            async with Fetcher(settings(), parse_workers=0) as fetcher:
                limited = await fetcher.fetch_page(
                    PageRequest(url=server.url("/limited.html"), respect_robots=False)
                )
                page = await fetcher.fetch_page(
                    PageRequest(url=server.url("/a.html"), respect_robots=False)
                )
                feed = await fetcher.fetch_feed(
                    FeedRequest(source_id="s", url=server.url("/feed.xml"))
                )
                return limited, page, feed

        limited, page, feed = asyncio.run(main())
        paths = server.paths()
    assert limited.error == "HTTP 429 Too Many Requests (retry after 120s)"
    assert limited.http_status == 429
    assert page.error is not None
    assert page.error.startswith(f"not fetched: 127.0.0.1:{server.port} is paused for 1")
    assert page.error.endswith("more (it answered HTTP 429 with Retry-After)")
    assert feed.outcome is FetchOutcome.ERROR and feed.retry_after is not None
    assert paths == ["/limited.html"]


def test_per_host_limits_hold_for_pages() -> None:
    starts: list[float] = []
    lock = threading.Lock()

    def timed(seen: Seen) -> Reply:
        with lock:
            starts.append(time.monotonic())
        return Reply(body=html(), headers=HTML, delay=0.05)

    with FeedServer({"/a.html": timed}) as server:
        requests = [
            PageRequest(url=server.url(f"/a.html?{i}"), entry_id=i, respect_robots=False)
            for i in range(3)
        ]
        results = fetch_pages(
            requests, per_host_concurrency=3, per_host_delay=timedelta(seconds=0.2)
        )
        max_active = server.max_active
    assert [r.error for r in results] == [None] * 3
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 0.15 for gap in gaps), gaps
    assert max_active == 1


def test_pages_come_in_completion_order_and_failures_do_not_stop_the_rest() -> None:
    routes = {
        "/slow.html": Reply(body=html(), headers=HTML, delay=0.3),
        "/fast.html": Reply(body=html(), headers=HTML),
        "/broken.html": Reply(500),
    }
    with FeedServer(routes) as server:
        requests = [
            PageRequest(url=server.url(f"/{name}.html"), entry_id=i, respect_robots=False)
            for i, name in enumerate(["slow", "fast", "broken"])
        ]
        requests.append(PageRequest(url="gopher://example.org/", entry_id=3))
        results = fetch_pages(requests, per_host_concurrency=4)
    assert [r.entry_id for r in results][-1] == 0  # the slow one last
    errors = {r.entry_id: r.error for r in results}
    assert errors == {
        0: None,
        1: None,
        2: "HTTP 500 Internal Server Error",
        3: "unsupported URL scheme 'gopher'",
    }


# --- file: --------------------------------------------------------------------------------


def test_file_pages_only_for_file_sources(tmp_path: Path) -> None:
    path = tmp_path / "story.html"
    path.write_bytes(html("Story"))
    refused = fetch_page(path.as_uri())
    allowed = fetch_page(path.as_uri(), allow_file=True)
    assert refused.error == "refused: file: links are only followed for file: sources"
    assert refused.body is None
    assert allowed.error is None
    assert allowed.body == html("Story")
    assert allowed.content_type == "text/html"
    assert allowed.charset is None


def test_file_page_rules(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "big.html").write_bytes(html(text="x" * 3000))
    (tmp_path / "noext").write_bytes(html())
    pdf = fetch_page((tmp_path / "paper.pdf").as_uri(), allow_file=True)
    big = fetch_page((tmp_path / "big.html").as_uri(), allow_file=True, max_bytes=1000)
    missing = fetch_page((tmp_path / "missing.html").as_uri(), allow_file=True)
    sniffed = fetch_page((tmp_path / "noext").as_uri(), allow_file=True)
    assert pdf.error == "not an HTML page (Content-Type: application/pdf)"
    assert big.error == "file over 1 kB cap"
    assert missing.error == f"file not found: {tmp_path / 'missing.html'}"
    assert sniffed.error is None and sniffed.content_type is None


def test_offline_sample_articles() -> None:
    """The sample feed's article links, resolved against the file: feed, are fetched."""
    files = sorted((SAMPLES / "articles").glob("*.html"))
    assert files
    requests = [
        PageRequest(url=path.as_uri(), entry_id=i, source_id="sample", allow_file=True)
        for i, path in enumerate(files)
    ]
    results = fetch_pages(requests, allow_private_networks=False)
    assert [r.error for r in results] == [None] * len(files)
    assert {r.body for r in results} == {path.read_bytes() for path in files}
