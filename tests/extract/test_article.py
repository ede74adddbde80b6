"""extract_article / article_from_text on hand-written pages (tests/data/articles/)."""

from __future__ import annotations

import copy
import random
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from curator.errors import ExtractError
from curator.extract import MAX_PAGE_BYTES
from curator.extract import article_from_text
from curator.extract import extract_article
from curator.extract.charset import decode_html
from curator.extract.charset import pick_charset
from curator.model import Article
from curator.model import BlockKind

DATA = Path(__file__).resolve().parents[1] / "data" / "articles"
SEED_POST = Path(__file__).resolve().parents[3] / "shared" / "seed" / "example-post.txt"
URL = "https://courier.example/2026/03/night-ferry?utm_source=feed"

PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the story says something plain about the harbour, the boats "
    f"and the people who work on them, in words that are long enough to count.</p>\n"
    for n in range(1, 6)
)


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><article>{body}</article></body></html>"


def block_texts(article: Article) -> list[tuple[BlockKind, str]]:
    return [(b.kind, article.text[b.start : b.end]) for b in article.blocks]


def check_offsets(article: Article) -> None:
    """Blocks are in order, non-empty, joined by a blank line, and make up the text."""
    previous_end = None
    for block in article.blocks:
        assert 0 <= block.start < block.end <= len(article.text)
        text = article.text[block.start : block.end]
        assert text == text.strip() and "\n\n" not in text
        if previous_end is not None:
            assert article.text[previous_end : block.start] == "\n\n"
        previous_end = block.end
    assert article.text == "\n\n".join(t for _, t in block_texts(article))


@pytest.fixture(scope="module")
def quotes_page() -> Article:
    return extract_article((DATA / "quotes.html").read_bytes(), url=URL)


# --- structure ------------------------------------------------------------------------


def test_paragraphs_in_order(quotes_page: Article) -> None:
    check_offsets(quotes_page)
    texts = [t for _, t in block_texts(quotes_page)]
    assert texts[0].startswith("The town council of Orchard voted on Tuesday evening")
    assert texts[-1].startswith("The council will review the ferry's finances")
    assert quotes_page.blocks[0].kind is BlockKind.PARAGRAPH


def test_title_byline_nav_and_footer_are_not_body(quotes_page: Article) -> None:
    assert "Orchard Town Votes" not in quotes_page.text
    assert "By Marta Olsen" not in quotes_page.text
    assert "Home" not in quotes_page.text
    assert "All rights reserved" not in quotes_page.text


def test_blockquote_in_the_middle(quotes_page: Article) -> None:
    blocks = block_texts(quotes_page)
    quoted = [i for i, (kind, _) in enumerate(blocks) if kind is BlockKind.BLOCKQUOTE]
    assert [blocks[i][1] for i in quoted] == [
        "We are not a town that leaves people stranded on the wrong side of the water at midnight.",
        "If the ferry goes, the hospital loses a third of its night staff overnight.",
    ]
    assert blocks[quoted[0] - 1][1].startswith("The ferry, which carries nurses")
    assert blocks[quoted[-1] + 1][1].startswith("Those words, read out by the council chair")
    assert quotes_page.text.count("stranded on the wrong side") == 1


def test_embedded_tweet(quotes_page: Article) -> None:
    tweets = [t for kind, t in block_texts(quotes_page) if kind is BlockKind.TWEET]
    assert tweets == [
        "Packed hall tonight for the ferry vote. Standing room only and the coffee ran out "
        "by seven.\n— Valley Courier Newsroom (@courier_news) March 14, 2026"
    ]
    assert quotes_page.text.count("Packed hall tonight") == 1


def test_q_gets_quotation_marks_and_stays_inline(quotes_page: Article) -> None:
    (paragraph,) = [t for _, t in block_texts(quotes_page) if "Jonas Berg" in t]
    assert "told to “expect the worst and hope for a miracle”, and that" in paragraph


def test_heading_and_list_items(quotes_page: Article) -> None:
    blocks = block_texts(quotes_page)
    assert (BlockKind.HEADING, "What the vote means") in blocks
    items = [t for kind, t in blocks if kind is BlockKind.LIST_ITEM]
    assert items == [
        "The last crossing moves from half past midnight to one o'clock.",
        "Fares for shift workers are frozen until the end of next year.",
        "A second, smaller boat covers the route when the main ferry is in dry dock.",
    ]


def test_metadata(quotes_page: Article) -> None:
    assert quotes_page.title == "Orchard Town Votes to Keep Its Night Ferry"
    assert quotes_page.byline == "Marta Olsen"
    assert quotes_page.published_at == datetime(2026, 3, 14, 17, 30, tzinfo=UTC)
    assert quotes_page.url == URL
    assert quotes_page.canonical_url == "https://courier.example/2026/03/night-ferry"
    assert quotes_page.site_name == "The Valley Courier"
    assert quotes_page.lead_image == "https://courier.example/images/ferry-at-dusk.jpg"
    assert quotes_page.language == "en-GB"


def test_metadata_from_json_ld_only() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "x"}, '
        '{"@type": ["NewsArticle"], "headline": "Harbour boats", "datePublished": '
        '"2025-07-01T08:00:00", "author": [{"name": "Ana Reyes"}, {"name": "Li Wen"}], '
        '"image": {"url": "https://img.example/a.jpg"}, "publisher": {"name": "Harbour Post"}, '
        '"inLanguage": "pt_BR"}]}</script>'
    )
    article = extract_article(page(PARAGRAPHS, head))
    assert article.title == "Harbour boats"
    assert article.byline == "Ana Reyes, Li Wen"
    assert article.published_at == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)  # naive → UTC
    assert article.lead_image == "https://img.example/a.jpg"
    assert article.site_name == "Harbour Post"
    assert article.language == "pt-BR"
    assert article.url is None


HOVER_CARD = (
    '<p>South Dakota Gov. <span class="rollover-people"><a href="/people/kn">Kristi Noem</a>'
    '<span class="rollover-people-block"><span class="rollover-block"><a class="name">'
    'Kristi Lynn Noem</a><a>South Dakota governor doubles down</a> <a class="more">MORE</a>'
    "</span></span></span> (R) is defending the state’s launch of an anti-drug campaign, "
    'said <span class="tooltip">Tooltip text</span>a spokesman for the governor'
    '<span hidden>hidden words</span><span style="display: none">invisible</span>.</p>'
)


def test_hover_cards_and_hidden_spans_inside_paragraphs_are_dropped() -> None:
    """The Hill's people cards put "Kristi Lynn Noem … MORE" after every name (#9)."""
    article = extract_article(page(HOVER_CARD + PARAGRAPHS))
    first = article.text.split("\n\n")[0]
    assert first == (
        "South Dakota Gov. Kristi Noem (R) is defending the state’s launch of an anti-drug "
        "campaign, said a spokesman for the governor."
    )


def test_broken_json_ld_is_ignored() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", </script>'
    article = extract_article(page(PARAGRAPHS, head))
    assert article.text.startswith("Paragraph 1 of the story")


def test_plain_page_uses_trafilatura_metadata_and_title_tag() -> None:
    article = extract_article(page(PARAGRAPHS, "<title>Boats and people</title>"))
    assert article.title == "Boats and people"
    assert article.published_at is None
    assert article.canonical_url is None


# --- charsets -------------------------------------------------------------------------


def test_windows_1252_declared_in_meta_only() -> None:
    article = extract_article((DATA / "windows-1252.html").read_bytes())
    assert "“We had our best summer in ten years" in article.text
    assert "the café owner Renée Dubois, who has sold crêpes" in article.text
    assert "city’s works department next week to ask for a temporary crossing — a pontoon" in (
        article.text
    )
    assert "\ufffd" not in article.text
    assert article.title == "Café owners rally behind the river market"


def test_charset_only_in_content_type() -> None:
    html = page(
        "<p>Der Bürgermeister sagte, die Brücke über den Fluss werde im Frühjahr für den "
        "Verkehr geöffnet, nachdem die Prüfungen der Statik abgeschlossen seien.</p>"
        "<p>Die Anwohner äußerten sich erleichtert über die Nachricht, denn der Umweg über "
        "die Nachbarstadt kostet jeden Tag fast eine halbe Stunde.</p>"
    )
    data = html.encode("iso-8859-1")
    article = extract_article(data, content_type="text/html; charset=ISO-8859-1")
    assert "Der Bürgermeister sagte, die Brücke über den Fluss" in article.text
    assert "äußerten" in article.text


def test_content_type_charset_wins_over_meta() -> None:
    data = page("<p>Ein schöner Tag am See, sagte die Försterin am Morgen.</p>" * 3).encode(
        "windows-1252"
    )
    data = data.replace(b"<head>", b'<head><meta charset="utf-8">')
    assert pick_charset(data, "text/html; charset=windows-1252") == ("cp1252", 0)
    assert "schöner" in extract_article(data, content_type="text/html; charset=windows-1252").text


def test_xhtml_with_xml_declaration() -> None:
    article = extract_article((DATA / "xhtml-latin1.xhtml").read_bytes())
    assert "am südlichen Seeufer begonnen" in article.text
    assert "Fußgänger" in article.text
    assert article.language == "de"


def test_bom_wins() -> None:
    html = page("<p>Grüße vom Hafen, schrieb die Kapitänin in ihrem letzten Brief.</p>" * 3)
    assert "Grüße" in decode_html(
        b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=latin-1"
    )
    utf16 = "\ufeff".encode("utf-16-le") + html.encode("utf-16-le")
    assert "Grüße vom Hafen" in extract_article(utf16).text


def test_undeclared_charset_is_detected() -> None:
    html = page(
        "<p>Большой паром вышел из гавани утром, и пассажиры долго махали с палубы.</p>" * 4
    )
    article = extract_article(html.encode("windows-1251"))
    assert "Большой паром вышел из гавани утром" in article.text


def test_invalid_utf8_is_replaced() -> None:
    data = page(PARAGRAPHS + "<p>Broken bytes here \xff\xfe and there \xc3 end of the line.</p>")
    raw = (
        data.encode("utf-8")
        .replace("\u00ff\u00fe".encode(), b"\xff\xfe")
        .replace("\u00c3".encode(), b"\xc3")
    )
    article = extract_article(raw, content_type="text/html; charset=utf-8")
    assert "Broken bytes here \ufffd\ufffd and there \ufffd end of the line." in article.text


def test_nul_bytes_are_stripped() -> None:
    raw = page(PARAGRAPHS).encode("utf-8").replace(b"harbour", b"har\x00bour")
    article = extract_article(raw)
    assert "\x00" not in article.text
    assert "the harbour, the boats" in article.text
    assert "\x00" not in extract_article(page(PARAGRAPHS).replace("boats", "bo\x00ats")).text


def test_str_input() -> None:
    article = extract_article(page(PARAGRAPHS), url="https://example.com/x")
    assert article.text.startswith("Paragraph 1 of the story")
    check_offsets(article)


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t ", ""])
def test_empty_page(content: bytes | str) -> None:
    with pytest.raises(ExtractError, match="empty page"):
        extract_article(content)


def test_page_with_only_a_script() -> None:
    with pytest.raises(ExtractError, match="no article text found"):
        extract_article(
            b"<html><script>var x = 'a long script that is no article';</script></html>"
        )


def test_page_without_text() -> None:
    with pytest.raises(ExtractError, match="no article text found"):
        extract_article(b"<html><head><title>t</title></head><body><div></div></body></html>")


@pytest.mark.parametrize(
    "content",
    [
        random.Random(7).randbytes(200_000),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10,
        b"\x1f\x8b\x08\x00" + random.Random(8).randbytes(5000),
    ],
    ids=["random", "pdf", "png", "gzip"],
)
def test_binary_garbage(content: bytes) -> None:
    with pytest.raises(ExtractError, match="not HTML"):
        extract_article(content)


def test_plain_text_is_not_html() -> None:
    with pytest.raises(ExtractError, match="not HTML.*article_from_text"):
        extract_article(b"Just a line of text.\n\nAnd another one, with no markup at all.")


def test_deeply_nested_page_does_not_crash() -> None:
    depth = 100_000
    html = (
        "<html><body><article>"
        + PARAGRAPHS
        + "<div>" * depth
        + "<p>deep text</p>"
        + "</div>" * depth
    )
    start = time.perf_counter()
    article = extract_article(html.encode())
    assert time.perf_counter() - start < 10
    assert article.text.startswith("Paragraph 1 of the story")  # what lies above the cut
    check_offsets(article)


def test_deeply_nested_page_with_nothing_above_the_cut() -> None:
    depth = 100_000
    html = "<html><body>" + "<div>" * depth + "<p>deep text</p>" + "</div>" * depth
    with pytest.raises(ExtractError, match="nested more than 255 levels"):
        extract_article(html)


def test_huge_page_is_refused_quickly() -> None:
    content = b"<html><body>" + b"<p>" + b"a" * (50 * 1024 * 1024) + b"</p></body></html>"
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="page too large"):
        extract_article(content)
    with pytest.raises(ExtractError, match="page too large"):
        extract_article("x" * (MAX_PAGE_BYTES + 1))
    assert time.perf_counter() - start < 2


def test_trafilatura_errors_become_extract_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError("broken tree")

    monkeypatch.setattr(trafilatura, "bare_extraction", boom)
    with pytest.raises(ExtractError, match="could not extract article: ValueError") as info:
        extract_article(page(PARAGRAPHS))
    assert isinstance(info.value.__cause__, ValueError)


def test_trafilatura_none_is_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    with pytest.raises(ExtractError, match="no article text found"):
        extract_article(page(PARAGRAPHS))


def test_quotes_are_restored_when_trafilatura_drops_them(monkeypatch: pytest.MonkeyPatch) -> None:
    real = trafilatura.bare_extraction

    def without_quotes(tree: Any, **kwargs: Any) -> object:
        pruned = copy.deepcopy(tree)
        for element in pruned.xpath("//blockquote"):
            element.drop_tree()
        return real(pruned, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", without_quotes)
    article = extract_article((DATA / "quotes.html").read_bytes())
    blocks = block_texts(article)
    kinds = [kind for kind, _ in blocks]
    assert kinds.count(BlockKind.BLOCKQUOTE) == 2
    assert kinds.count(BlockKind.TWEET) == 1
    first = kinds.index(BlockKind.BLOCKQUOTE)
    assert blocks[first - 1][1].startswith("The ferry, which carries nurses")
    tweet = kinds.index(BlockKind.TWEET)
    assert blocks[tweet - 1][1].startswith("The ferry operator welcomed the decision.")
    check_offsets(article)


def test_sidebar_quote_is_not_inserted() -> None:
    html = page(
        PARAGRAPHS,
        head="",
    ).replace(
        "</article>",
        "</article><aside><blockquote><p>Subscribe to our weekly letter for more news from "
        "the harbour and the boats.</p></blockquote></aside>",
    )
    article = extract_article(html)
    assert "Subscribe" not in article.text


# --- plain text -----------------------------------------------------------------------


def test_text_paragraphs_and_indented_quote() -> None:
    text = (
        "First paragraph, on one line.\n"
        "Second paragraph after a single newline.\r\n"
        "\r\n"
        "Third after a blank line.\n"
        "\n"
        "    An indented paragraph is a block quote,\n"
        "\tand its next indented line belongs to it.\n"
        " One leading space is not indentation.\n"
        "\n\n\n"
        "Last\x00 line.   \n"
    )
    article = article_from_text(text, title="  A title ")
    assert block_texts(article) == [
        (BlockKind.PARAGRAPH, "First paragraph, on one line."),
        (BlockKind.PARAGRAPH, "Second paragraph after a single newline."),
        (BlockKind.PARAGRAPH, "Third after a blank line."),
        (
            BlockKind.BLOCKQUOTE,
            "An indented paragraph is a block quote,\nand its next indented line belongs to it.",
        ),
        (BlockKind.PARAGRAPH, "One leading space is not indentation."),
        (BlockKind.PARAGRAPH, "Last line."),
    ]
    assert article.title == "A title"
    check_offsets(article)


def test_text_empty() -> None:
    article = article_from_text("  \n\n ")
    assert article.text == "" and article.blocks == () and article.title is None


def test_text_seed_post() -> None:
    if not SEED_POST.exists():
        pytest.skip(f"needs ../shared ({SEED_POST} is absent)")
    article = article_from_text(SEED_POST.read_text(encoding="utf-8"))
    check_offsets(article)
    quotes = [t for kind, t in block_texts(article) if kind is BlockKind.BLOCKQUOTE]
    assert len(quotes) == 1
    assert quotes[0].startswith("The Russia LGBT Network spokesperson told BuzzFeed News")
    assert quotes[0].endswith(
        "“we were informed that the US is not going to issue visas for people from Chechnya.”"
    )
    assert article.blocks[0].kind is BlockKind.PARAGRAPH
    assert article.text.startswith("Thursday, 18 May 2017\n\nU.S. Is Reportedly Denying Visas")
