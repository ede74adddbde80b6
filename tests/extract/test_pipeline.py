"""curator/extract/pipeline.py: one page in, one Extraction out; local input files."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from curator.errors import ExtractError
from curator.extract.pipeline import ARTICLE_VERSION
from curator.extract.pipeline import EXTRACTION_VERSION
from curator.extract.pipeline import extract_page
from curator.extract.pipeline import read_input
from curator.extract.quotes import ENGINE_VERSION
from curator.model import BlockKind
from curator.model import Extraction
from curator.model import QuoteKind
from curator.model import SpeakerKind

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
DEPOT = (PAGES / "depot-detentions.html").read_bytes()
NIGHT_TXT = (PAGES / "night-shift.txt").read_bytes()

# A page with no <meta charset>: its bytes are windows-1252, which only the caller knows.
CP1252_PAGE = (
    "<html><head><title>Caf\u00e9 owners \u201cworried\u201d</title></head><body><article>"
    "<p>The owners of the harbour caf\u00e9 met the council on Tuesday to talk about rents.</p>"
    "<p>\u201cWe cannot pay twice the rent for the same room,\u201d said Ren\u00e9e Dubois, "
    "who has run the caf\u00e9 for eleven years.</p></article></body></html>"
).encode("cp1252")
CP1252_TEXT = "\u201cPrices will rise,\u201d said Ren\u00e9e Dubois.".encode("cp1252")


def test_version_names_both_stages() -> None:
    assert EXTRACTION_VERSION == f"a{ARTICLE_VERSION}+q{ENGINE_VERSION}"
    assert re.fullmatch(r"a\d+\+q\d+", EXTRACTION_VERSION)


def test_html_page_gives_the_article_and_its_quotes() -> None:
    result = extract_page(DEPOT, url="https://ledger.example/x", content_type="text/html")
    assert result.error is None
    assert result.version == EXTRACTION_VERSION
    article = result.article
    assert article is not None
    assert article.title == "Dock Workers Held Without Charge at Calder Bay Depot"
    assert article.byline == "Petra Lindqvist"
    assert article.canonical_url == "https://ledger.example/2031/04/depot-detentions"
    assert article.site_name == "The Ledger"
    assert [b.kind for b in article.blocks] == [BlockKind.PARAGRAPH] * 5
    assert article.text == "\n\n".join(article.text[b.start : b.end] for b in article.blocks)
    assert [(q.speaker, q.text) for q in result.quotes] == [
        ("A Harbour Workers Union spokesperson", "talks have been difficult"),
        (
            "A Harbour Workers Union spokesperson",
            "we were told that no visitors will be allowed this month",
        ),
        ("A spokesperson for the Coastal Border Agency", "continues to be concerned"),
        ("A spokesperson for the Coastal Border Agency", "serious"),
        (
            "A spokesperson for the Coastal Border Agency",
            "As records are confidential, we are unable to discuss individual cases.",
        ),
        ("Commissioner Jane Roe", "cannot be ignored"),
    ]
    for quote in result.quotes:
        assert article.text[quote.start : quote.end] == quote.text
        assert 0 < quote.confidence <= 1
    roe = result.quotes[-1]
    assert (roe.speaker_kind, roe.kind, roe.cue, roe.outlet) == (
        SpeakerKind.PERSON,
        QuoteKind.PARTIAL,
        "said",
        None,
    )


def test_html_is_the_default_when_no_content_type_is_given() -> None:
    result = extract_page(DEPOT)
    assert result.error is None and result.article is not None
    assert len(result.quotes) == 6


@pytest.mark.parametrize("content_type", ["text/plain", "TEXT/PLAIN; charset=utf-8"])
def test_plain_text_by_content_type(content_type: str) -> None:
    result = extract_page(NIGHT_TXT, content_type=content_type)
    assert result.error is None and result.version == EXTRACTION_VERSION
    article = result.article
    assert article is not None
    assert article.text.startswith("Night Shift Crane Drivers Vote to Strike")
    assert [(q.speaker, q.kind, q.cue) for q in result.quotes] == [
        ("Olga Brandt", QuoteKind.DIRECT, "said"),
        ("The port’s owners", QuoteKind.INDIRECT, "said"),
    ]
    assert result.quotes[0].text == (
        "We have asked for a fair rota for two years and we are still waiting"
    )


def test_html_text_is_not_taken_for_plain_text() -> None:
    """The same words as text/plain keep their tags; as text/html they are parsed."""
    as_text = extract_page(DEPOT, content_type="text/plain")
    assert as_text.article is not None
    assert "<p>" in as_text.article.text


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/html", "windows-1252"),
        ("text/html", "cp1252"),
        ("text/html; charset=windows-1252", None),
    ],
)
def test_charset_passed_separately_decodes_the_page(content_type: str, charset: str | None) -> None:
    result = extract_page(CP1252_PAGE, content_type=content_type, charset=charset)
    assert result.error is None and result.article is not None
    assert result.article.title == "Café owners “worried”"
    assert [(q.speaker, q.text) for q in result.quotes] == [
        ("Renée Dubois", "We cannot pay twice the rent for the same room")
    ]


def test_a_charset_in_the_content_type_wins_over_the_separate_one() -> None:
    page = (
        "<html><head><title>Caf\u00e9</title></head><body><article><p>x</p></article></body></html>"
    )
    body = (
        page.replace("<p>x</p>", "<p>" + "A line of words about the café. " * 5 + "</p>")
    ).encode()
    result = extract_page(body, content_type="text/html; charset=utf-8", charset="iso-8859-1")
    assert result.article is not None
    assert result.article.title == "Café"  # utf-8 as the header says, not "CafÃ©"


def test_plain_text_charset() -> None:
    decoded = extract_page(CP1252_TEXT, content_type="text/plain", charset="windows-1252")
    assert decoded.article is not None
    assert decoded.article.text == "“Prices will rise,” said Renée Dubois."
    assert [(q.speaker, q.text) for q in decoded.quotes] == [("Renée Dubois", "Prices will rise")]

    # A missing, wrong or unknown charset does not raise: the text is still read.
    for charset in (None, "utf-8", "no-such-charset"):
        read = extract_page(CP1252_TEXT, content_type="text/plain", charset=charset)
        assert read.error is None and read.article is not None
        assert "Prices will rise," in read.article.text
        assert read.article.text.endswith(" Dubois.")


@pytest.mark.parametrize(
    ("content", "content_type", "error"),
    [
        (b"", "text/html", "empty page"),
        (b"   \n\t", "text/html", "empty page"),
        (bytes(range(256)) * 4, "text/html", "not HTML: the content looks like binary data"),
        (b"\x00\x01binary\x00" * 40, "text/plain", "binary file, not text"),
        (
            b"just some words and no markup",
            "text/html",
            "not HTML: no markup found (use article_from_text for plain text)",
        ),
        (
            b"<html><head><title>t</title></head><body><script>var a;</script></body></html>",
            "text/html",
            "no article text found",
        ),
        (b"<!-- a comment -->", "text/html", "no article text found: the page has no HTML content"),
    ],
)
def test_failures_are_values_not_exceptions(content: bytes, content_type: str, error: str) -> None:
    result = extract_page(content, url="https://x.example/a", content_type=content_type)
    assert result == Extraction(article=None, quotes=(), error=error, version=EXTRACTION_VERSION)


def test_a_utf16_text_with_a_bom_is_not_binary() -> None:
    body = "“Tides are late,” said Ola Berg.".encode("utf-16")
    result = extract_page(body, content_type="text/plain", charset="utf-16")
    assert result.error is None and result.article is not None
    assert [(q.speaker, q.text) for q in result.quotes] == [("Ola Berg", "Tides are late")]


# --- read_input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page.html.gz", "PAGE.HTML.GZ", "dir/notes.txt.gz"])
def test_read_input_gunzips_gz_names(name: str) -> None:
    assert read_input(gzip.compress(DEPOT), name) == DEPOT


def test_read_input_of_an_empty_gz_is_empty() -> None:
    """An empty .gz is an empty input (extraction then says "empty page"), not an error."""
    assert read_input(b"", "page.html.gz") == b""


@pytest.mark.parametrize("name", ["page.html", "notes.txt", "page.gz.html"])
def test_read_input_leaves_other_names_alone(name: str) -> None:
    packed = gzip.compress(DEPOT)
    assert read_input(packed, name) == packed  # not unpacked: the name decides
    assert read_input(DEPOT, name) == DEPOT


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"<html>plain, not gzip</html>", "Not a gzipped file"),
        (gzip.compress(DEPOT)[:40], "Compressed file ended before the end-of-stream marker"),
        (gzip.compress(DEPOT)[:-8] + b"\x00" * 8, "CRC check failed"),
    ],
)
def test_read_input_refuses_a_bad_gzip(data: bytes, detail: str) -> None:
    with pytest.raises(ExtractError) as caught:
        read_input(data, "page.html.gz")
    assert caught.value.message.startswith("not a valid gzip file: ")
    assert detail in caught.value.message


def test_read_input_gunzips_at_most_the_cap() -> None:
    """A .gz bomb stops at max_bytes of output; it is never gunzipped whole (#10).
    The peak memory of the real command: tests/test_hostile_input.py."""
    assert read_input(gzip.compress(DEPOT), "page.html.gz", len(DEPOT)) == DEPOT
    bomb = gzip.compress(bytes(50_000_000), 9)  # 50 MB of zeros in ~50 kB
    with pytest.raises(ExtractError) as caught:
        read_input(bomb, "page.html.gz", 1_000_000)
    assert caught.value.message == "file is over the 1,000,000-byte cap once gunzipped"
    with pytest.raises(ExtractError):
        read_input(gzip.compress(DEPOT), "page.html.gz", len(DEPOT) - 1)


def test_read_input_takes_every_member_of_a_gzip_file() -> None:
    """As gunzip does (and gzip.decompress did): concatenated members are one file."""
    assert read_input(gzip.compress(b"<p>a</p>") + gzip.compress(b"<p>b</p>"), "x.gz") == (
        b"<p>a</p><p>b</p>"
    )
