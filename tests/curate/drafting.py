"""Helpers for the build_draft tests: articles, entries and quotes as the engine gives them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime

from curator.config import CurateSettings
from curator.curate.budget import quoted_passages
from curator.curate.draft import build_draft
from curator.curate.marks import MarkedText
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import DraftContent
from curator.model import Entry
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
SETTINGS = CurateSettings()
SOURCE = Source(
    id="harbour-ledger",
    url="https://ledger.example/feed.xml",
    name="The Harbour Ledger",
    outlet="The Ledger",
    tags=("labour", "ports"),
)


def make_article(
    paragraphs: Sequence[str | tuple[BlockKind, str]],
    *,
    title: str | None = "A Headline About Harbours",
    **fields: object,
) -> Article:
    """An Article whose text is the blocks joined by blank lines."""
    blocks: list[Block] = []
    parts: list[str] = []
    position = 0
    for paragraph in paragraphs:
        kind, body = paragraph if isinstance(paragraph, tuple) else (BlockKind.PARAGRAPH, paragraph)
        blocks.append(Block(kind=kind, start=position, end=position + len(body)))
        parts.append(body)
        position += len(body) + 2
    return Article(text="\n\n".join(parts), blocks=tuple(blocks), title=title, **fields)  # type: ignore[arg-type]


def make_entry(**fields: object) -> Entry:
    values: dict[str, object] = {
        "id": 1,
        "source_id": SOURCE.id,
        "key": "k1",
        "guid": None,
        "link": "https://ledger.example/entry",
        "title": "Entry Title Of The Story",
        "author": None,
        "summary": None,
        "content": None,
        "published_at": datetime(2024, 4, 30, tzinfo=UTC),
        "updated_at": None,
        "content_hash": "h",
        "first_seen_at": NOW,
        "last_seen_at": NOW,
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def quote(
    article: Article | str,
    text: str,
    speaker: str | None = "Lena Vale",
    speaker_kind: SpeakerKind = SpeakerKind.PERSON,
    cue: str | None = "said",
    kind: QuoteKind = QuoteKind.PARTIAL,
    confidence: float = 0.9,
    outlet: str | None = None,
    occurrence: int | None = None,
) -> Quote:
    """A Quote as the quote engine returns it, offsets found in the article body (the
    only occurrence of ``text``, or the given one, counted from 0)."""
    body = article if isinstance(article, str) else article.text
    if occurrence is None:
        assert body.count(text) == 1, text
    start = -1
    for _ in range((occurrence or 0) + 1):
        start = body.index(text, start + 1)
    return Quote(
        text=text,
        speaker=speaker,
        speaker_kind=speaker_kind,
        cue=cue,
        kind=kind,
        start=start,
        end=start + len(text),
        confidence=confidence,
        outlet=outlet,
    )


def build(
    article: Article,
    quotes: Sequence[Quote] = (),
    *,
    entry: Entry | None = None,
    source: Source = SOURCE,
    settings: CurateSettings = SETTINGS,
) -> DraftContent:
    return build_draft(
        article=article,
        quotes=quotes,
        entry=entry or make_entry(),
        source=source,
        settings=settings,
    )


CLOSED = re.compile(r"[.!?…][”\"’»]?$|[”\"’»]\.$")  # a sentence's closing punctuation


def assert_trustworthy(draft: DraftContent, article: Article) -> None:
    """What every draft promises: marks only around marked words, no quote shown twice,
    attribution lines that are sentences."""
    marked = MarkedText(article.text, article.blocks)
    for q in draft.quotes:
        assert marked.is_marked(q.text), q.text
    for field in (draft.summary, draft.attribution, draft.excerpt):
        for passage in quoted_passages(field):
            assert marked.is_marked(passage), passage
    if draft.attribution:
        assert CLOSED.search(draft.attribution), draft.attribution
    elsewhere = " ".join((draft.summary, draft.attribution, draft.excerpt))
    for q in draft.quotes:
        assert q.text.rstrip(".,") not in elsewhere, q.text
    assert len({q.text for q in draft.quotes}) == len(draft.quotes)
