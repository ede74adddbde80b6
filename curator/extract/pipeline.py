"""One page in, one Extraction out: the body, then the quotes in it.

Pure and top-level, so the facade can run it in a process pool. Failures are
values (``Extraction.error``), so one bad page never stops a batch.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Sequence

from curator.config import DEFAULT_MAX_BYTES
from curator.errors import ExtractError
from curator.extract.article import article_from_text
from curator.extract.article import extract_article
from curator.extract.quotes import ENGINE_VERSION
from curator.extract.quotes import find_quotes
from curator.model import Article
from curator.model import Extraction
from curator.model import Quote
from curator.model import QuoteKind

#: Bump when the body extractor's output changes (the quote engine has its own).
ARTICLE_VERSION = "2"
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
            if not article.text.strip():
                raise ExtractError("empty text")
        else:
            article = extract_article(content, url=url, content_type=content_type)
    except ExtractError as e:
        return Extraction(article=None, error=e.message, version=EXTRACTION_VERSION)
    return quotes_of(article)


def quotes_of(article: Article) -> Extraction:
    return Extraction(
        article=article,
        quotes=drop_repeats(find_quotes(article.text, article.blocks)),
        version=EXTRACTION_VERSION,
    )


def drop_repeats(quotes: Sequence[Quote]) -> tuple[Quote, ...]:
    """Keep one of each quote. Pull quotes repeat body text: the copy quoted in a
    paragraph (with its speaker and cue in context) is the one to keep."""
    keys = [_normalise(q.text) for q in quotes]
    if len(quotes) > _MAX_PAIRWISE:  # a pathological page: exact repeats only
        first = {key: i for i, key in reversed(list(enumerate(keys)))}
        return tuple(q for i, q in enumerate(quotes) if first[keys[i]] == i)

    def repeats(i: int, j: int) -> bool:
        if i == j or not keys[i] or keys[i] not in keys[j]:
            return False
        if quotes[i].kind is QuoteKind.BLOCKQUOTE:
            # inside a paragraph quote, or inside a longer (or earlier) block quote
            return (
                quotes[j].kind is not QuoteKind.BLOCKQUOTE or len(keys[j]) > len(keys[i]) or j < i
            )
        return keys[i] == keys[j] and quotes[j].kind is not QuoteKind.BLOCKQUOTE and j < i

    return tuple(
        q for i, q in enumerate(quotes) if not any(repeats(i, j) for j in range(len(quotes)))
    )


_MAX_PAIRWISE = 500
_NON_WORD = re.compile(r"\W+")


def _normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def read_input(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a local input file, gunzipped when its name ends in .gz.

    Gunzipped as a stream that stops past ``max_bytes``: a small .gz can expand to
    gigabytes, which must not be made in memory first (#10).
    """
    if not name.lower().endswith(".gz"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
            content = packed.read(max_bytes + 1)  # decompresses at most this much
    except (OSError, EOFError, zlib.error) as e:
        raise ExtractError(f"not a valid gzip file: {e}") from e
    if len(content) > max_bytes:
        raise ExtractError(f"file is over the {max_bytes:,}-byte cap once gunzipped")
    return content


def _decode_text(content: bytes, charset: str | None) -> str:
    if b"\x00" in content[:8192] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("binary file, not text")
    try:
        return content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return content.decode("utf-8", errors="replace")
