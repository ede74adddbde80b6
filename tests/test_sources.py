from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from curator.config import parse_sources_document
from curator.errors import ConfigError
from curator.model import Source
from curator.sources import append_sources_to_yaml
from curator.sources import export_opml
from curator.sources import new_sources_from_opml
from curator.sources import parse_opml
from curator.sources import slugify
from curator.sources import sources_yaml_items

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>subs</title></head><body>
  <outline text="World">
    <outline type="rss" text="BuzzFeed News" xmlUrl="https://www.buzzfeednews.com/news.xml"/>
    <outline type="rss" text="A &amp; B &lt;Daily&gt;" xmlUrl="https://ab.example/feed"/>
  </outline>
  <outline type="rss" title="Already" xmlUrl="https://known.example/rss"/>
  <outline text="no url"/>
</body></opml>"""


def test_parse_opml_finds_feeds_and_categories() -> None:
    outlines = parse_opml(OPML)
    assert [o.url for o in outlines] == [
        "https://www.buzzfeednews.com/news.xml",
        "https://ab.example/feed",
        "https://known.example/rss",
    ]
    assert outlines[0].category == "World"
    assert outlines[1].title == "A & B <Daily>"
    assert outlines[2].category is None


def test_import_skips_known_urls_and_makes_unique_ids() -> None:
    existing = [
        Source(id="buzzfeed-news", url="https://other.example/", name="x", outlet="x"),
        Source(id="already", url="https://known.example/rss", name="y", outlet="y"),
    ]
    added = new_sources_from_opml(parse_opml(OPML), existing)
    assert [(s.id, s.url) for s in added] == [
        ("buzzfeed-news-2", "https://www.buzzfeednews.com/news.xml"),
        ("a-b-daily", "https://ab.example/feed"),
    ]
    assert added[0].tags == ("world",)


def test_appended_yaml_is_valid_and_keeps_comments() -> None:
    original = "# my comment\nsources:\n  - id: a\n    url: https://a.example/feed\n"
    added = new_sources_from_opml(parse_opml(OPML), [])
    text = append_sources_to_yaml(original, sources_yaml_items(added))
    assert text.startswith("# my comment\n")
    settings = parse_sources_document(text, "s.yaml")
    assert [s.id for s in settings.sources] == ["a", "buzzfeed-news", "a-b-daily", "already"]
    assert settings.sources[2].name == "A & B <Daily>"


def test_append_refuses_when_sources_is_not_last() -> None:
    with pytest.raises(ConfigError, match="not the last top-level key"):
        append_sources_to_yaml("sources: []\nfetch: {}\n", "  - id: x\n    url: y\n")


def test_append_to_empty_list() -> None:
    text = append_sources_to_yaml("sources: []\n", "  - id: x\n    url: https://x.example/\n")
    assert [s.id for s in parse_sources_document(text, "s.yaml").sources] == ["x"]


def test_export_round_trips_through_import() -> None:
    sources = [
        Source(id="a", url="https://a.example/feed?x=1&y=2", name='A "quoted" <name>', outlet="A")
    ]
    text = export_opml(sources, title="t & t", now=datetime(2026, 11, 25, tzinfo=UTC))
    outlines = parse_opml(text.encode())
    assert [(o.url, o.title) for o in outlines] == [
        ("https://a.example/feed?x=1&y=2", 'A "quoted" <name>')
    ]


@pytest.mark.parametrize(
    "bad",
    [
        b"<opml><body><outline",
        b"<rss/>",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>',
    ],
)
def test_bad_opml_is_a_clear_error(bad: bytes) -> None:
    with pytest.raises(ConfigError):
        parse_opml(bad, path="subs.opml")


def test_slugify() -> None:
    assert slugify("BuzzFeed News — World") == "buzzfeed-news-world"
    assert slugify("Ünïcödé") == "unicode"
    assert slugify("!!!") == "source"
