from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree
import lxml.html
import pytest

from curator.config import PublishSettings
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import Post
from curator.model import PublishResult
from curator.publish import render_post
from curator.publish import static
from curator.publish import write_static_site

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = PublishSettings(site_url="https://news.example/blog", site_title="Harbour News")
ATOM = "{http://www.w3.org/2005/Atom}"
XSS = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'


def make_post(
    draft_id: int,
    *,
    day: int = 1,
    settings: PublishSettings = SETTINGS,
    **changes: Any,
) -> Post:
    content = DraftContent(
        headline=f"Harbour talks stall, day {day}",
        summary="Talks between the port authority and its workers have stalled.",
        attribution="A Harbour Workers Union spokesperson told The Ledger that “talks have "
        "been difficult”:",
        excerpt="The spokesperson told The Ledger that “talks have been difficult”.",
        quotes=(DraftQuote(text="talks have been difficult", speaker="A union spokesperson"),),
        source_url=f"https://ledger.example/harbour/{draft_id}",
        outlet="The Ledger",
        also_reported_by=(Credit(outlet="Coast Courier", url="https://courier.example/h"),),
    )
    draft = Draft(
        id=draft_id,
        state=DraftState.APPROVED,
        version=1,
        content=replace(content, **changes),
        source_id="ledger",
        entry_id=draft_id,
        created_at=NOW,
        updated_at=NOW,
    )
    at = datetime(2024, 2, day, 8, 0, tzinfo=UTC)
    return render_post(
        draft, published_at=at, updated_at=at + timedelta(hours=1), settings=settings
    )


def outcomes(results: list[PublishResult]) -> dict[int, str]:
    return {r.draft_id: r.outcome for r in results}


def find(root: lxml.html.HtmlElement, path: str) -> lxml.html.HtmlElement:
    found = root.find(path)
    assert isinstance(found, lxml.html.HtmlElement), path
    return found


def canonical(root: lxml.html.HtmlElement) -> str | None:
    links = [el for el in root.iter("link") if el.get("rel") == "canonical"]
    assert len(links) == 1
    href = links[0].get("href")
    return str(href) if href is not None else None


def test_writes_index_pages_and_feed(tmp_path: Path) -> None:
    posts = [make_post(1, day=1), make_post(3, day=3), make_post(2, day=2)]
    results = write_static_site(posts, site_dir=tmp_path, settings=SETTINGS, now=NOW)

    assert outcomes(results) == {1: "created", 2: "created", 3: "created"}
    assert {r.target for r in results} == {"site"}
    by_id = {r.draft_id: r for r in results}
    assert by_id[3].remote_id == "curator-3"
    assert by_id[3].remote_url == "https://news.example/blog/posts/curator-3.html"
    assert sorted(p.name for p in (tmp_path / "posts").iterdir()) == [
        "curator-1.html",
        "curator-2.html",
        "curator-3.html",
    ]

    index = lxml.html.fromstring((tmp_path / "index.html").read_bytes())
    links = [a.get("href") for a in index.iterfind(".//article//h2/a")]
    assert links == ["posts/curator-3.html", "posts/curator-2.html", "posts/curator-1.html"]

    page = lxml.html.fromstring((tmp_path / "posts" / "curator-2.html").read_bytes())
    assert page.findtext(".//title") == "Harbour talks stall, day 2 — Harbour News"
    assert page.findtext(".//article/h1") == "Harbour talks stall, day 2"
    assert find(page, ".//article//time").get("datetime") == "2024-02-02T08:00:00+00:00"
    assert find(page, ".//article//time").text == "Friday, 2 February 2024"
    assert "talks have been difficult" in find(page, ".//article/blockquote").text_content()
    assert canonical(page) == "https://ledger.example/harbour/2"
    assert not list(tmp_path.rglob("*.tmp"))


def test_feed_parses_back_newest_first(tmp_path: Path) -> None:
    posts = [make_post(1, day=1), make_post(3, day=3), make_post(2, day=2)]
    write_static_site(posts, site_dir=tmp_path, settings=SETTINGS, now=NOW)
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Harbour News"
    assert parsed.feed.updated_parsed[:4] == (2024, 2, 3, 9)
    rels = {link.rel: link.href for link in parsed.feed.links}
    assert rels == {
        "self": "https://news.example/blog/feed.xml",
        "alternate": "https://news.example/blog/",
    }
    assert [e.title for e in parsed.entries] == [
        "Harbour talks stall, day 3",
        "Harbour talks stall, day 2",
        "Harbour talks stall, day 1",
    ]
    for entry, n in zip(parsed.entries, (3, 2, 1), strict=True):
        assert entry.id == f"tag:news.example,2024-02-0{n}:curator-{n}"
        assert entry.link == f"https://news.example/blog/posts/curator-{n}.html"
        assert entry.updated_parsed[:4] == (2024, 2, n, 9)
        assert entry.published_parsed[:4] == (2024, 2, n, 8)
        (content,) = entry.content
        assert content.type == "text/html"
        assert "<blockquote>" in content.value


def test_entry_ids_survive_a_headline_change(tmp_path: Path) -> None:
    write_static_site([make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    first = feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries[0].id
    changed = make_post(1, headline="New headline")
    results = write_static_site([changed], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    assert outcomes(results) == {1: "updated"}
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert parsed.entries[0].id == first
    assert parsed.entries[0].title == "New headline"


def test_unchanged_rewrite_reports_unchanged(tmp_path: Path) -> None:
    posts = [make_post(1, day=1), make_post(2, day=2)]
    write_static_site(posts, site_dir=tmp_path, settings=SETTINGS, now=NOW)
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    later = NOW + timedelta(days=1)
    results = write_static_site(posts, site_dir=tmp_path, settings=SETTINGS, now=later)
    assert outcomes(results) == {1: "unchanged", 2: "unchanged"}
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files


def test_dropped_post_loses_its_page(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "about.html").write_text("not ours", encoding="utf-8")
    posts = [make_post(1, day=1), make_post(2, day=2)]
    write_static_site(posts, site_dir=tmp_path, settings=SETTINGS, now=NOW)
    results = write_static_site(posts[:1], site_dir=tmp_path, settings=SETTINGS, now=NOW)

    assert outcomes(results) == {1: "unchanged", 2: "deleted"}
    assert not (tmp_path / "posts" / "curator-2.html").exists()
    assert (tmp_path / "posts" / "about.html").exists()  # not a page this target made
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "curator-2" not in index
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == ["https://news.example/blog/posts/curator-1.html"]


def test_empty_site(tmp_path: Path) -> None:
    assert write_static_site([], site_dir=tmp_path, settings=SETTINGS, now=NOW) == []
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated_parsed[:3] == (2024, 3, 1)


def test_canonical_points_at_own_page_when_configured(tmp_path: Path) -> None:
    settings = replace(SETTINGS, canonical_to_source=False)
    write_static_site([make_post(1)], site_dir=tmp_path, settings=settings, now=NOW)
    page = lxml.html.fromstring((tmp_path / "posts" / "curator-1.html").read_bytes())
    assert canonical(page) == "https://news.example/blog/posts/curator-1.html"


def test_unsafe_source_url_falls_back_to_own_canonical(tmp_path: Path) -> None:
    post = make_post(1, source_url="javascript:alert(1)")
    write_static_site([post], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    page = lxml.html.fromstring((tmp_path / "posts" / "curator-1.html").read_bytes())
    assert canonical(page) == "https://news.example/blog/posts/curator-1.html"


def test_templates_dir_override_is_used(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(
        "<!doctype html><title>{{ site_title }}</title><p id=custom>"
        "{% for item in posts %}{{ item.post.title }};{% endfor %}</p>\n",
        encoding="utf-8",
    )
    settings = replace(SETTINGS, templates_dir=templates)
    site = tmp_path / "site"
    write_static_site([make_post(1, headline=XSS)], site_dir=site, settings=settings, now=NOW)
    index = lxml.html.fromstring((site / "index.html").read_bytes())
    assert find(index, ".//p[@id='custom']").text_content() == XSS + ";"
    assert "<script" not in (site / "index.html").read_text(encoding="utf-8")
    # post.html was not overridden: the shipped one is used
    page = lxml.html.fromstring((site / "posts" / "curator-1.html").read_bytes())
    assert page.findtext(".//article/h1") == XSS


def test_unusable_slug_is_an_error_result(tmp_path: Path) -> None:
    bad = replace(make_post(1), slug="../escape")
    results = write_static_site([bad], site_dir=tmp_path / "site", settings=SETTINGS, now=NOW)
    assert [r.outcome for r in results] == ["error"]
    assert not (tmp_path / "escape.html").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"headline": XSS},
        {"summary": XSS},
        {"attribution": XSS, "excerpt": XSS},
        {"quotes": (DraftQuote(text=XSS, speaker=XSS),)},
        {"outlet": XSS},
        {"source_url": "javascript:alert(1)"},
        {"source_url": '"><svg onload=alert(1)>'},
        {"also_reported_by": (Credit(outlet=XSS, url="javascript:alert(1)"),)},
    ],
    ids=["headline", "summary", "excerpt", "quotes", "outlet", "source_url", "url_break", "also"],
)
def test_xss_payloads_are_inert_everywhere(tmp_path: Path, changes: dict[str, Any]) -> None:
    post = make_post(1, **changes)
    # also a hostile post that did not come through render_post
    raw = replace(make_post(2, day=2), html=f"<p>{XSS}</p><a href='javascript:alert(1)'>x</a>")
    write_static_site([post, raw], site_dir=tmp_path, settings=SETTINGS, now=NOW)

    for path in [
        tmp_path / "index.html",
        tmp_path / "posts" / "curator-1.html",
        tmp_path / "posts" / "curator-2.html",
    ]:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text and "<svg" not in text, path
        assert_inert(lxml.html.fromstring(text))

    feed_bytes = (tmp_path / "feed.xml").read_bytes()
    assert b"<script" not in feed_bytes and b"<svg" not in feed_bytes
    parsed = feedparser.parse(feed_bytes)
    assert parsed.bozo == 0
    tree = lxml.etree.fromstring(feed_bytes)
    for element in tree.iter():
        assert not isinstance(element.tag, str) or element.tag.startswith(ATOM)
        for name, value in element.attrib.items():
            assert not str(name).lower().startswith("on")
            assert not str(value).strip().lower().startswith("javascript:")
    for content in tree.iter(f"{ATOM}content", f"{ATOM}summary", f"{ATOM}title"):
        html = content.text or ""
        if html.strip():
            assert "<script" not in html.lower() or content.get("type") != "html"
            if content.get("type") == "html":
                assert_inert(lxml.html.fragment_fromstring(html, create_parent="div"))


def assert_inert(root: lxml.html.HtmlElement) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag not in {"script", "img", "svg", "iframe", "object", "embed", "style"}
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name.lower() in {"href", "src", "action", "formaction"}:
                head = value.strip().split("/")[0]
                scheme = head.split(":")[0].lower() if ":" in head else ""
                assert scheme in {"", "http", "https"}, (el.tag, name, value)


def test_temp_files_a_killed_writer_left_are_removed_on_the_next_write(tmp_path: Path) -> None:
    """kill -9 between mkstemp and os.replace leaves `.<name>.<random>.tmp` files; the
    next write (holding the site lock, so no live writer owns them) removes them, and
    nothing else."""
    write_static_site([make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    left = [
        tmp_path / "posts" / ".curator-1.html.k2j_9xq1.tmp",
        tmp_path / "posts" / ".curator-7.html.abc12345.tmp",
        tmp_path / ".index.html.zz9_0000.tmp",
        tmp_path / ".feed.xml.q1w2e3r4.tmp",
        tmp_path / ".style.css.a1b2c3d4.tmp",
    ]
    kept = [tmp_path / ".notes.tmp", tmp_path / "posts" / ".draft.md", tmp_path / "my.tmp"]
    for path in [*left, *kept]:
        path.write_bytes(b"partial")
    results = write_static_site([make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    assert outcomes(results) == {1: "unchanged"}
    assert not any(path.exists() for path in left)
    assert all(path.exists() for path in kept)


def test_feed_updated_is_never_before_published(tmp_path: Path) -> None:
    early = replace(make_post(1), updated_at=datetime(2024, 1, 1, tzinfo=UTC))
    write_static_site([early], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    [entry] = feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries
    assert entry.published_parsed <= entry.updated_parsed


def test_render_post_updated_is_never_before_published() -> None:
    content = DraftContent(
        headline="h", summary="s", attribution="", excerpt="", source_url="https://x.example/"
    )
    draft = Draft(
        id=1,
        state=DraftState.APPROVED,
        version=1,
        content=content,
        source_id="ledger",
        entry_id=1,
        created_at=NOW,
        updated_at=NOW,  # approved before it was first published
    )
    published = NOW + timedelta(hours=2)
    post = render_post(draft, published_at=published, updated_at=NOW, settings=SETTINGS)
    assert post.updated_at == published


# --- the story's date, the stylesheet, unset site settings (#12) ---------------------


def test_a_post_shows_its_storys_date_which_is_the_atom_published(tmp_path: Path) -> None:
    """The story ran on 28 January; the post went up on 2 February. Page, index and
    feed show the story's date; the Atom id keeps the posting day, and stays valid."""
    story = datetime(2024, 1, 28, 6, 30, tzinfo=UTC)
    post = make_post(2, day=2, published_at=story)
    assert post.story_published_at == story and post.published_at.day == 2
    write_static_site([post, make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)

    page = lxml.html.fromstring((tmp_path / "posts" / "curator-2.html").read_bytes())
    assert find(page, ".//article//time").get("datetime") == "2024-01-28T06:30:00+00:00"
    assert find(page, ".//article//time").text == "Sunday, 28 January 2024"
    index = lxml.html.fromstring((tmp_path / "index.html").read_bytes())
    dates = [t.get("datetime") for t in index.iterfind(".//article//time")]
    # Newest posted first; a post without a story date shows the day it was posted.
    assert dates == ["2024-01-28T06:30:00+00:00", "2024-02-01T08:00:00+00:00"]

    feed = (tmp_path / "feed.xml").read_bytes()
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert entry.id == "tag:news.example,2024-02-02:curator-2"
    assert entry.published_parsed[:5] == (2024, 1, 28, 6, 30)
    assert entry.updated_parsed[:4] == (2024, 2, 2, 9)
    tree = lxml.etree.fromstring(feed)
    for atom_entry in tree.iter(f"{ATOM}entry"):  # one of each, in RFC 4287's order of need
        assert [len(atom_entry.findall(f"{ATOM}{name}")) for name in ("id", "title")] == [1, 1]
        assert len(atom_entry.findall(f"{ATOM}updated")) == 1
        assert len(atom_entry.findall(f"{ATOM}published")) == 1


def test_a_story_dated_after_its_posting_keeps_updated_after_published(tmp_path: Path) -> None:
    later = datetime(2024, 3, 5, tzinfo=UTC)  # a feed whose clock runs ahead
    write_static_site(
        [make_post(1, published_at=later)], site_dir=tmp_path, settings=SETTINGS, now=NOW
    )
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    (entry,) = parsed.entries
    assert entry.published_parsed <= entry.updated_parsed <= parsed.feed.updated_parsed


def test_a_naive_story_date_is_left_out() -> None:
    post = make_post(1, published_at=datetime(2024, 1, 28, 6, 30))
    assert post.story_published_at is None


def test_the_stylesheet_is_shipped_written_and_linked_relatively(tmp_path: Path) -> None:
    shipped = resources.files("curator.publish") / "templates" / "style.css"
    assert shipped.is_file()
    write_static_site([make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    css = (tmp_path / "style.css").read_text(encoding="utf-8")
    assert css == shipped.read_text(encoding="utf-8")
    assert "max-width" in css
    # No network: no CDN, no web font, no @import.
    assert "http" not in css and "@import" not in css and "url(" not in css
    for page_path in ("index.html", "posts/curator-1.html"):
        page = lxml.html.fromstring((tmp_path / page_path).read_bytes())
        (href,) = [el.get("href") for el in page.iter("link") if el.get("rel") == "stylesheet"]
        # Relative: the site works from any folder or host.
        assert href is not None and "//" not in href
        assert urljoin(f"https://news.example/blog/{page_path}", href) == (
            "https://news.example/blog/style.css"
        )
    results = write_static_site([make_post(1)], site_dir=tmp_path, settings=SETTINGS, now=NOW)
    assert outcomes(results) == {1: "unchanged"}


def test_templates_dir_can_override_the_stylesheet(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "style.css").write_text("body { color: teal; }\n", encoding="utf-8")
    settings = replace(SETTINGS, templates_dir=templates)
    write_static_site([make_post(1)], site_dir=tmp_path / "site", settings=settings, now=NOW)
    assert (tmp_path / "site" / "style.css").read_text() == "body { color: teal; }\n"


def test_unset_site_settings_are_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    static._warn_unset.cache_clear()  # once per process: start this test from none
    caplog.set_level(logging.WARNING, logger="curator.publish.static")
    write_static_site([make_post(1)], site_dir=tmp_path / "a", settings=SETTINGS, now=NOW)
    assert caplog.records == []  # both set

    defaults = PublishSettings()
    post = make_post(1, settings=defaults)
    for site in ("b", "c"):
        write_static_site([post], site_dir=tmp_path / site, settings=defaults, now=NOW)
    (record,) = caplog.records
    message = record.getMessage()
    assert "publish.site_url" in message and "tag:localhost" in message
    assert "publish.site_title" in message and "sources.yaml" in message
    # What it warns about: the feed's ids.
    (entry,) = feedparser.parse((tmp_path / "b" / "feed.xml").read_bytes()).entries
    assert entry.id.startswith("tag:localhost,")

    only_title = replace(defaults, site_url="https://news.example/")
    write_static_site([post], site_dir=tmp_path / "d", settings=only_title, now=NOW)
    assert len(caplog.records) == 2
    assert "site_url" not in caplog.records[1].getMessage()
