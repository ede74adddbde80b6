"""One page in, one Extraction out: the body, then the quotes in it.

Pure and top-level, so the facade can run it in a process pool. Failures are
values (``Extraction.error``), so one bad page never stops a batch.
"""

from __future__ import annotations

import gzip
import zlib

from curator.errors import ExtractError
from curator.extract.article import article_from_text
from curator.extract.article import extract_article
from curator.extract.quotes import ENGINE_VERSION
from curator.extract.quotes import find_quotes
from curator.model import Article
from curator.model import Extraction

#: Bump when the body extractor's output changes (the quote engine has its own).
ARTICLE_VERSION = "1"
#: Stored with every extraction: re-extraction is worth it when this changes.
EXTRACTION_VERSION = f"a{ARTICLE_VERSION}+q{ENGINE_VERSION}"

_TEXT_TYPES = ("text/plain",)


def extract_page(
    content: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
) -> Extraction:
    """HTML (or plain text, by content type) → article + quotes, or the reason it failed."""
    try:
        if content_type and charset and "charset=" not in content_type.lower():
            content_type = f"{content_type}; charset={charset}"
        if content_type and content_type.split(";")[0].strip().lower() in _TEXT_TYPES:
            article = article_from_text(_decode_text(content, charset))
        else:
            article = extract_article(content, url=url, content_type=content_type)
    except ExtractError as e:
        return Extraction(article=None, error=e.message, version=EXTRACTION_VERSION)
    return quotes_of(article)


def quotes_of(article: Article) -> Extraction:
    return Extraction(
        article=article,
        quotes=find_quotes(article.text, article.blocks),
        version=EXTRACTION_VERSION,
    )


def read_input(data: bytes, name: str) -> bytes:
    """The bytes of a local input file, gunzipped when its name ends in .gz."""
    if not name.lower().endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise ExtractError(f"not a valid gzip file: {e}") from e


def _decode_text(content: bytes, charset: str | None) -> str:
    if b"\x00" in content[:8192] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("binary file, not text")
    try:
        return content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return content.decode("utf-8", errors="replace")
