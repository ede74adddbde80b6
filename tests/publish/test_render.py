from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from curator.config import PublishSettings
from curator.errors import PublishError
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftQuote
from curator.model import DraftState
from curator.publish import draft_id_from_slug
from curator.publish import render_post
from curator.publish import safe_url
from curator.publish import slug_for

T0 = datetime(2017, 5, 18, 9, 30, tzinfo=UTC)
T1 = datetime(2017, 5, 18, 12, 0, tzinfo=UTC)

XSS = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'


def make_content(**changes: Any) -> DraftContent:
    content = DraftContent(
        headline="Port Authority Said to Stall Talks With Harbour Workers",
        summary=(
            "Talks between the port authority and its workers have stalled for weeks. "
            "The union says no date has been set for the next round."
        ),
        attribution=(
            "A Harbour Workers Union spokesperson told The Ledger that “talks have been "
            "difficult” with the authority’s negotiators:"
        ),
        excerpt=(
            "The Harbour Workers Union spokesperson told The Ledger that “talks have been "
            "difficult” with representatives of the authority."
        ),
        quotes=(
            DraftQuote(text="talks have been difficult", speaker="A union spokesperson"),
            DraftQuote(text="We remain at the table", speaker="Port Authority"),
            DraftQuote(text="No comment", speaker=None),
        ),
        source_url="https://ledger.example/2017/05/harbour-talks",
        outlet="The Ledger",
        tags=("labour", "ports"),
        also_reported_by=(
            Credit(outlet="Coast Courier", url="https://courier.example/harbour"),
            Credit(outlet="Dock Daily", url="https://dockdaily.example/a/1"),
        ),
    )
    return replace(content, **changes)


def make_draft(draft_id: int = 7, **changes: Any) -> Draft:
    return Draft(
        id=draft_id,
        state=DraftState.APPROVED,
        version=3,
        content=make_content(**changes),
        source_id="ledger",
        entry_id=1,
        created_at=T0,
        updated_at=T0,
    )


def render(draft: Draft, settings: PublishSettings | None = None) -> lxml.html.HtmlElement:
    post = render_post(
        draft, published_at=T0, updated_at=T1, settings=settings or PublishSettings()
    )
    return lxml.html.fragment_fromstring(post.html, create_parent="div")


def test_render_post_in_the_seed_shape() -> None:
    post = render_post(make_draft(), published_at=T0, updated_at=T1, settings=PublishSettings())
    assert post.draft_id == 7
    assert post.slug == "curator-7"
    assert post.title == "Port Authority Said to Stall Talks With Harbour Workers"
    assert post.outlet == "The Ledger"
    assert post.source_url == "https://ledger.example/2017/05/harbour-talks"
    assert post.published_at == T0 and post.updated_at == T1
    assert post.tags == ("labour", "ports")
    assert len(post.content_hash) == 64

    root = lxml.html.fragment_fromstring(post.html, create_parent="div")
    paragraphs = [p.text_content() for p in root.findall("p")]
    assert paragraphs[0].startswith("Talks between the port authority")
    assert paragraphs[1].startswith("A Harbour Workers Union spokesperson told The Ledger")
    (blockquote,) = root.findall("blockquote")
    assert "with representatives of the authority" in blockquote.text_content()
    items = [li.text_content() for li in root.iter("li")]
    assert items == [
        "“talks have been difficult” — A union spokesperson",
        "“We remain at the table” — Port Authority",
        "“No comment”",
    ]
    source = next(p for p in root.findall("p") if p.text_content().startswith("Source:"))
    (link,) = source.findall("a")
    assert link.get("href") == "https://ledger.example/2017/05/harbour-talks"
    assert link.text_content() == "The Ledger"
    also = next(p for p in root.findall("p") if p.text_content().startswith("Also reported by:"))
    assert [(a.text_content(), a.get("href")) for a in also.findall("a")] == [
        ("Coast Courier", "https://courier.example/harbour"),
        ("Dock Daily", "https://dockdaily.example/a/1"),
    ]


def test_excerpt_paragraphs_stay_in_one_blockquote() -> None:
    root = render(make_draft(excerpt="First paragraph.\n\nSecond paragraph."))
    (blockquote,) = root.findall("blockquote")
    assert [p.text_content() for p in blockquote.findall("p")] == [
        "First paragraph.",
        "Second paragraph.",
    ]


def test_slug_is_stable_when_the_headline_changes() -> None:
    settings = PublishSettings()
    a = render_post(make_draft(), published_at=T0, updated_at=T1, settings=settings)
    b = render_post(
        make_draft(headline="A new headline"), published_at=T0, updated_at=T1, settings=settings
    )
    assert a.slug == b.slug == slug_for(7)
    assert draft_id_from_slug(a.slug) == 7
    assert draft_id_from_slug("about") is None
    assert a.content_hash != b.content_hash


def test_content_hash_is_deterministic_and_follows_the_source_url() -> None:
    settings = PublishSettings()
    a = render_post(make_draft(), published_at=T0, updated_at=T1, settings=settings)
    again = render_post(make_draft(), published_at=T0, updated_at=T0, settings=settings)
    moved = render_post(
        make_draft(source_url="https://ledger.example/moved"),
        published_at=T0,
        updated_at=T1,
        settings=settings,
    )
    assert a.content_hash == again.content_hash
    assert a.content_hash != moved.content_hash


@pytest.mark.parametrize(
    "field", ["headline", "summary", "attribution", "excerpt", "outlet", "quotes", "also"]
)
def test_source_fields_are_escaped(field: str) -> None:
    changes: dict[str, Any] = {}
    if field == "quotes":
        changes["quotes"] = (DraftQuote(text=XSS, speaker=XSS),)
    elif field == "also":
        changes["also_reported_by"] = (Credit(outlet=XSS, url="javascript:alert(1)"),)
    else:
        changes[field] = XSS
    post = render_post(
        make_draft(**changes), published_at=T0, updated_at=T1, settings=PublishSettings()
    )
    assert "<script" not in post.html
    assert "<img" not in post.html and "<svg" not in post.html
    assert "javascript:" not in post.html
    root = lxml.html.fragment_fromstring(post.html, create_parent="div")
    assert_inert(root)
    if field == "headline":
        assert post.title == XSS  # kept as text; escaped where it is rendered
    elif field != "also":
        assert "alert(1)" in root.text_content()  # shown as text, not dropped silently


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        'https://ok.example/"><svg onload=alert(1)>',
        "vbscript:msgbox(1)",
        "//no-scheme.example/",
    ],
)
def test_unsafe_source_urls_get_no_link(url: str) -> None:
    assert safe_url(url) is None
    post = render_post(
        make_draft(source_url=url), published_at=T0, updated_at=T1, settings=PublishSettings()
    )
    assert post.source_url == ""
    root = lxml.html.fragment_fromstring(post.html, create_parent="div")
    assert_inert(root)
    source = next(p for p in root.findall("p") if p.text_content().startswith("Source:"))
    assert source.findall("a") == []
    assert source.text_content() == "Source: The Ledger"


def test_templates_dir_overrides_the_shipped_body(tmp_path: Path) -> None:
    (tmp_path / "body.html").write_text(
        "<h2>Custom</h2><p>{{ summary_paragraphs | join(' ') }}</p>"
        "<p><script>alert('template')</script>{{ outlet }}</p>",
        encoding="utf-8",
    )
    settings = PublishSettings(templates_dir=tmp_path)
    post = render_post(
        make_draft(outlet="<b>Ledger</b>"), published_at=T0, updated_at=T1, settings=settings
    )
    root = lxml.html.fragment_fromstring(post.html, create_parent="div")
    assert root.findtext("h2") == "Custom"
    assert "<script" not in post.html  # nh3 is the final gate even for overrides
    assert "<b>Ledger</b>" in root.text_content()  # autoescape still on


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(PublishError):
        render_post(
            make_draft(),
            published_at=datetime(2017, 5, 18),
            updated_at=T1,
            settings=PublishSettings(),
        )


def test_control_characters_are_dropped() -> None:
    post = render_post(
        make_draft(headline="Bell\x07 and\x00 nul"),
        published_at=T0,
        updated_at=T1,
        settings=PublishSettings(),
    )
    assert post.title == "Bell and nul"


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
