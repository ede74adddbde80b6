"""Every file of ../shared/corpora/feeds through parse_feed, checked against feedparser 6.

MANIFEST.tsv records what feedparser 6.0.14 made of each file (``fp6_entries``). Where
our counts differ on purpose, EXPECTED_COUNTS says why.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from curator.errors import FeedParseError
from curator.fetch import parse as parse_module
from curator.fetch.parse import parse_feed
from curator.model import ParsedFeed

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "feeds"
URL = "http://example.com/feed.xml"

# Two entries with no id or link and identical content collapse into one entry.
EXPECTED_COUNTS = {
    "feedparser/wellformed/node_precedence/atom10_arbitrary_element.xml": 1,
    "feedparser/wellformed/node_precedence/atom10_title.xml": 1,
}


def _rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _rows()


def _content_type(row: dict[str, str]) -> str | None:
    name, _, value = row["http_headers"].partition(":")
    return value.strip() if name.strip().lower() == "content-type" else None


def _expected(row: dict[str, str], body: bytes) -> int:
    if row["path"] in EXPECTED_COUNTS:
        return EXPECTED_COUNTS[row["path"]]
    if row["path"].endswith(".json"):  # feedparser 6 does not read JSON Feed; we do
        return len(json.loads(body)["items"])
    return int(row["fp6_entries"])


@pytest.fixture(scope="module", autouse=True)
def _needs_corpus() -> None:
    if not ROWS:
        pytest.skip(f"needs the feed corpus in ../shared ({CORPUS} is absent)")


@pytest.mark.parametrize("row", ROWS or [None], ids=[r["path"] for r in ROWS] or ["absent"])
def test_corpus_file(row: dict[str, str]) -> None:
    body = (CORPUS / row["path"]).read_bytes()
    content_type = _content_type(row)
    expected = _expected(row, body)
    try:
        feed = parse_feed(body, url=URL, content_type=content_type)
    except FeedParseError as e:
        assert expected == 0, f"FeedParseError on a file with {expected} entries: {e}"
        assert e.message and "\n" not in e.message
        return
    assert len(feed.entries) == expected
    assert feed.parser in ("lxml", "feedparser", "json")
    if feed.parser == "lxml":
        _assert_same_as_feedparser(body, content_type, feed)


def _assert_same_as_feedparser(body: bytes, content_type: str | None, fast: ParsedFeed) -> None:
    title, link, raws, warning, ttl = parse_module._parse_feedparser(
        body, url=URL, content_type=content_type
    )
    slow = parse_module._build(title, link, raws, parser="feedparser", warning=warning, ttl=ttl)
    assert warning is None, "the fast path accepted a document feedparser calls bozo"
    assert fast.entries == slow.entries
    assert (fast.title, fast.link, fast.ttl) == (slow.title, slow.link, slow.ttl)


def test_fast_path_covers_part_of_the_corpus() -> None:
    parsers = []
    for row in ROWS:
        body = (CORPUS / row["path"]).read_bytes()
        try:
            parsers.append(parse_feed(body, url=URL, content_type=_content_type(row)).parser)
        except FeedParseError:
            parsers.append("error")
    assert parsers.count("lxml") >= 50
    assert parsers.count("json") == 3


_DANGEROUS = (
    "<script",
    "<iframe",
    "<object",
    "<embed",
    "<applet",
    "<meta",
    "<style",
    "javascript:",
)


@pytest.mark.parametrize(
    "row",
    [r for r in ROWS if "/sanitize/" in r["path"]] or [None],
    ids=[r["path"] for r in ROWS if "/sanitize/" in r["path"]] or ["absent"],
)
def test_hostile_markup_is_sanitised(row: dict[str, str]) -> None:
    """The corpus's sanitize/ files: no active content survives into stored entry HTML."""
    body = (CORPUS / row["path"]).read_bytes()
    try:
        feed = parse_feed(body, url=URL, content_type=_content_type(row))
    except FeedParseError:
        return
    for entry in feed.entries:
        for html in (entry.summary or "", entry.content or ""):
            lowered = html.lower()
            assert not any(bad in lowered for bad in _DANGEROUS), html
            assert not re.search(r"<[^>]*\son[a-z]+\s*=", lowered), html
