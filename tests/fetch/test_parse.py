"""parse_feed on hand-written documents in tests/data/feeds/."""

from __future__ import annotations

import importlib
import json
import pickle
import resource
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from curator.errors import FeedParseError
from curator.fetch import parse as parse_module
from curator.fetch.parse import parse_feed
from curator.model import ParsedFeed

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
URL = "https://feeds.example/feed.xml"


def parse(name: str, content_type: str | None = None) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), url=URL, content_type=content_type)


def via_feedparser(content: bytes, content_type: str | None = None) -> ParsedFeed:
    """The same document through the feedparser path only."""
    title, link, raws, warning, ttl = parse_module._parse_feedparser(
        content, url=URL, content_type=content_type
    )
    return parse_module._build(title, link, raws, parser="feedparser", warning=warning, ttl=ttl)


def test_rss20() -> None:
    feed = parse("rss20.xml", "application/rss+xml; charset=utf-8")
    assert feed.parser == "lxml"
    assert feed.warning is None
    assert (feed.title, feed.link) == ("Example News", "https://news.example/")
    first, second = feed.entries
    assert first.key == first.guid == "article-1"
    assert first.link == "https://news.example/articles/1"
    assert first.title == "Council & budget vote"
    assert first.author == "Maria Lopez"
    assert first.summary == "<p>The council <b>voted</b>.</p>"  # sanitised like feedparser
    assert first.content is not None
    assert 'href="https://feeds.example/relative"' in first.content
    assert first.published_at == datetime(2023, 11, 14, 21, 13, 20, tzinfo=UTC)
    assert first.updated_at is None
    assert second.link == "https://feeds.example/articles/2"  # relative to the feed URL
    assert second.author == "desk@news.example (News Desk)"
    assert second.summary == "Plain summary"
    assert second.content is None


def test_atom10() -> None:
    feed = parse("atom10.xml")
    assert feed.parser == "lxml"
    assert (feed.title, feed.link) == ("Atom Example", "https://atom.example/")
    first, second = feed.entries
    assert first.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert first.link == "https://atom.example/2023/quotes"
    assert first.title == "Quotes <em>matter</em>"
    assert first.author == "Chen Wei (chen@atom.example)"
    assert first.summary == "Short summary."
    assert first.content == '<p>Body <img src="https://feeds.example/pic.png"></p>'
    assert first.published_at == datetime(2023, 11, 14, 16, 30, 2, tzinfo=UTC)
    assert first.updated_at == datetime(2023, 11, 15, 9, 0, tzinfo=UTC)
    # feedparser uses a permalink id as the link; text content doubles as summary
    assert second.link == second.guid == "https://atom.example/2023/no-link"
    assert second.summary == second.content == "Just text &amp; more"  # always HTML


def test_rdf() -> None:
    feed = parse("rdf10.xml")
    assert feed.parser == "lxml"
    assert feed.title == "RDF Example"
    assert [e.key for e in feed.entries] == ["https://rdf.example/a", "https://rdf.example/b"]
    assert feed.entries[0].author == "Anna Novak"
    assert feed.entries[0].updated_at == datetime(2023, 11, 14, 10, tzinfo=UTC)


@pytest.mark.parametrize("content_type", [None, "application/feed+json"])
def test_json_feed_11(content_type: str | None) -> None:
    feed = parse("jsonfeed11.json", content_type)
    assert feed.parser == "json"
    assert (feed.title, feed.link) == ("JSON Example", "https://json.example/")
    first, second = feed.entries
    assert (first.key, first.title, first.author) == ("2", "Second", "Samir Haddad")
    assert (first.summary, first.content) == ("Hi", "<p>Hello</p>")
    assert first.published_at == datetime(2023, 11, 14, 9, tzinfo=UTC)
    assert first.updated_at == datetime(2023, 11, 14, 12, tzinfo=UTC)
    assert (second.key, second.link) == ("1", "https://json.example/1")
    assert second.content == "Plain text only"
    assert second.author == "Feed Author"


def test_json_that_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed(b'{"hello": "world"}', url=URL, content_type="application/json")
    with pytest.raises(FeedParseError, match="malformed JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1", ', url=URL)


def test_malformed_xml_with_recoverable_entries() -> None:
    feed = parse("malformed_recoverable.xml")
    assert feed.parser == "feedparser"
    assert feed.warning is not None
    assert feed.warning.startswith("recovered from malformed XML")
    assert [e.title for e in feed.entries] == ["Café opens \xa0 downtown", "Second"]
    assert feed.entries[0].link == "https://broken.example/1?a=1&b=2"


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match="^not a feed: looks like HTML$") as info:
        parse("html_page.html", "text/html; charset=utf-8")
    assert info.value.url == URL
    with pytest.raises(FeedParseError, match="looks like HTML"):
        parse("html_page.html")


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="^empty document$"):
        parse_feed(body, url=URL)


def test_garbage_is_malformed_xml_with_a_line() -> None:
    with pytest.raises(FeedParseError, match=r"^malformed XML: .* at line \d+$"):
        parse_feed(b"<?xml version='1.0'?>\n<rss><channel><", url=URL)


def test_well_formed_feed_without_entries_is_fine() -> None:
    feed = parse_feed(b'<rss version="2.0"><channel></channel></rss>', url=URL)
    assert feed.entries == ()
    assert feed.warning is None


def test_well_formed_xml_that_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed(b"<?xml version='1.0'?><config><a>1</a></config>", url=URL)


def test_windows_1252_declared_utf8() -> None:
    feed = parse("cp1252_declared_utf8.xml", "application/rss+xml; charset=utf-8")
    assert feed.parser == "feedparser"
    assert feed.entries[0].title == "\u201cQuoted\u201d text \u2013 dash"
    assert feed.warning is not None and "windows-1252" in feed.warning


def test_latin1_without_declaration() -> None:
    feed = parse("latin1_no_declaration.xml")
    assert feed.title == "Café news"
    assert feed.entries[0].title == "Crème brûlée"
    assert feed.warning is not None


def test_http_charset_overrides_the_xml_declaration() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Ça</title>'
    body += "<item><title>é</title><link>https://x.example/1</link></item></channel></rss>"
    feed = parse_feed(body.encode("iso-8859-1"), url=URL, content_type="text/xml; charset=latin-1")
    assert feed.parser == "feedparser"  # the fast path leaves charset overrides alone
    assert feed.entries[0].title == "é"


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def test_billion_laughs_is_refused() -> None:
    before = _peak_rss_mb()
    with pytest.raises(FeedParseError, match="unsafe entity declarations"):
        parse("billion_laughs.xml")
    assert _peak_rss_mb() - before < 200


def test_billion_laughs_inside_a_feed_keeps_the_entries() -> None:
    before = _peak_rss_mb()
    feed = parse("billion_laughs_rss.xml")
    assert _peak_rss_mb() - before < 200
    assert feed.warning is not None
    assert feed.warning.startswith("removed a DOCTYPE with unsafe entity declarations")
    assert [e.link for e in feed.entries] == ["https://bomb.example/1"]
    assert len(feed.entries[0].title or "") < 100


def test_quadratic_blowup_is_defused() -> None:
    value = "x" * 50_000
    refs = "&a;" * 50_000  # 2.5 GB if expanded
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "{value}">\n]>\n'
        f'<rss version="2.0"><channel><title>Q</title><item><title>{refs}</title>'
        "<link>https://q.example/1</link></item></channel></rss>"
    ).encode()
    before = _peak_rss_mb()
    feed = parse_feed(body, url=URL)
    assert _peak_rss_mb() - before < 200
    assert feed.warning is not None and "unsafe entity" in feed.warning
    assert len(feed.entries) == 1


def test_small_internal_entities_still_work() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY co "Example Corp">\n]>\n'
        b'<rss version="2.0"><channel><title>&co;</title><item><title>By &co;</title>'
        b"<link>https://e.example/1</link></item></channel></rss>"
    )
    feed = parse_feed(body, url=URL)
    assert feed.warning is None
    assert feed.title == "Example Corp"
    assert feed.entries[0].title == "By Example Corp"


def test_utf16_entity_declarations_are_refused() -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(FeedParseError, match="refused"):
        parse_feed(body.encode("utf-16"), url=URL)


def test_duplicate_guids() -> None:
    feed = parse("duplicate_guids.xml")
    keys = [e.key for e in feed.entries]
    # the exact repeat collapses; g-2 is not unique so its links identify the two items
    assert keys == [
        "https://feeds.example/g-1",  # a permalink guid is resolved, as feedparser does
        "https://dupes.example/2",
        "https://dupes.example/3",
        "https://feeds.example/g-4",
    ]
    assert len(set(keys)) == len(keys)


def test_same_key_different_content_is_disambiguated() -> None:
    item = "<item><title>T</title><link>https://s.example/a</link><guid>k</guid>{}</item>"
    body = '<rss version="2.0"><channel><title>T</title>{}</channel></rss>'.format(
        item.format("<description>one</description>")
        + item.format("<description>two</description>")
        + item.format("<description>one</description>")
    )
    feed = parse_feed(body.encode(), url=URL)
    assert [e.summary for e in feed.entries] == ["one", "two"]
    first, second = (e.key for e in feed.entries)
    assert first.startswith("h:")
    assert second == first + "#2"
    again = parse_feed(body.encode(), url=URL)
    assert [e.key for e in again.entries] == [first, second]


def test_empty_guids_fall_back_to_link_then_hash() -> None:
    feed = parse("empty_guids.xml")
    a, b, c = feed.entries
    assert (a.guid, a.key) == (None, "https://eg.example/a")
    assert (b.guid, b.key) == (None, "https://eg.example/b")
    assert c.key.startswith("h:") and len(c.key) == 34


def test_same_link_different_titles() -> None:
    feed = parse("same_link_titles.xml")
    keys = [e.key for e in feed.entries]
    assert len(feed.entries) == 3
    assert all(k.startswith("h:") for k in keys)
    assert len(set(keys)) == 3


@pytest.mark.parametrize(
    "name", sorted(p.name for p in DATA.iterdir() if p.suffix != ".html" and "laughs" not in p.name)
)
def test_identity_is_stable(name: str) -> None:
    try:
        first = parse(name)
    except FeedParseError:
        pytest.skip("not a feed")
    second = parse(name)
    assert [(e.key, e.content_hash) for e in first.entries] == [
        (e.key, e.content_hash) for e in second.entries
    ]
    assert all(len(e.content_hash) == 64 for e in first.entries)


def test_content_hash_changes_with_content() -> None:
    body = (DATA / "rss20.xml").read_bytes()
    before = parse_feed(body, url=URL).entries[1]
    after = parse_feed(body.replace(b"Plain summary", b"Updated summary"), url=URL).entries[1]
    assert before.key == after.key
    assert before.content_hash != after.content_hash


@pytest.mark.parametrize(
    "name", ["rss20.xml", "atom10.xml", "rdf10.xml", "duplicate_guids.xml", "same_link_titles.xml"]
)
def test_fast_path_matches_feedparser(name: str) -> None:
    body = (DATA / name).read_bytes()
    fast = parse_feed(body, url=URL)
    assert fast.parser == "lxml"
    slow = via_feedparser(body)
    assert fast.entries == slow.entries
    assert (fast.title, fast.link) == (slow.title, slow.link)


def test_generated_farm_feed_matches_feedparser() -> None:
    farm = Path(__file__).resolve().parents[2].parent / "shared" / "bench"
    if not (farm / "feed_farm.py").exists():
        pytest.skip(f"needs ../shared ({farm} is absent)")
    sys.path.insert(0, str(farm))
    try:
        feed_farm = importlib.import_module("feed_farm")
    finally:
        sys.path.remove(str(farm))
    body = feed_farm.make_feed(7, 20, 0, "http://127.0.0.1:8765")
    fast = parse_feed(body, url=URL, content_type="application/rss+xml")
    assert fast.parser == "lxml"
    assert len(fast.entries) == 20
    assert fast.entries == via_feedparser(body, "application/rss+xml").entries


def test_results_and_errors_pickle() -> None:
    feed = parse("rss20.xml")
    assert pickle.loads(pickle.dumps(feed)) == feed
    try:
        parse_feed(b"", url=URL)
    except FeedParseError as e:
        assert pickle.loads(pickle.dumps(e)).message == "empty document"


def test_json_feed_html_is_sanitised_like_xml_feeds() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": [
                {
                    "id": "1",
                    "content_html": '<p onclick="x()">Hi<script>alert(1)</script>'
                    '<a href="javascript:alert(2)">a</a></p>',
                    "summary": "A & B",
                }
            ],
        }
    ).encode()
    (entry,) = parse_feed(body, url=URL, content_type="application/feed+json").entries
    assert entry.content == '<p>Hi<a rel="noopener noreferrer">a</a></p>'
    assert entry.summary == "A &amp; B"


def _rss_with(channel_extra: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example/</link>{channel_extra}"
        "<item><guid>1</guid><title>a</title><ttl>5</ttl></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<ttl>60</ttl>", timedelta(minutes=60)),
        ("<ttl> 90 </ttl>", timedelta(minutes=90)),
        ("<ttl>30</ttl><ttl>45</ttl>", timedelta(minutes=45)),  # the last, as feedparser
        ("", None),
        ("<ttl>0</ttl>", None),
        ("<ttl>-5</ttl>", None),
        ("<ttl>soon</ttl>", None),
        ('<ttl unit="h">6</ttl>', None),
        ("<ttl>99999999999</ttl>", timedelta(days=365)),  # far past the policy's cap
    ],
)
def test_rss_ttl_in_minutes_same_on_both_paths(extra: str, expected: timedelta | None) -> None:
    body = _rss_with(extra)
    feed = parse_feed(body, url=URL, content_type="application/rss+xml")
    slow = via_feedparser(body, "application/rss+xml")
    assert feed.ttl == slow.ttl == expected
    assert slow.parser == "feedparser"
    if extra != '<ttl unit="h">6</ttl>':
        assert feed.parser == "lxml"  # the item's <ttl> does not count, nor force a fallback
