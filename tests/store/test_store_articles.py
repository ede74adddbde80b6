"""Articles and quotes in the store (both backends)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from curator.errors import NotFoundError
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import Extraction
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind
from curator.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BODY = "First paragraph.\n\n“We were told no,” she said."


def _setup(store: Store, *, fetch_articles: bool = True) -> list[int]:
    sources = [
        Source(
            id="s",
            url="https://s.example/feed",
            name="S",
            outlet="S",
            fetch_articles=fetch_articles,
        ),
        Source(id="t", url="https://t.example/feed", name="T", outlet="T", fetch_articles=False),
    ]
    store.sync_sources(sources, now=NOW)
    for source in sources:
        state = store.get_source_state(source.id)
        entries = [
            FeedEntry(
                key=f"{source.id}{i}",
                link=f"https://{source.id}.example/{i}",
                title=f"T{i}",
                content_hash=str(i),
            )
            for i in range(3)
        ] + [FeedEntry(key=f"{source.id}-nolink", title="no link", content_hash="x")]
        attempt = FetchAttempt(
            source_id=source.id, started_at=NOW, duration=timedelta(0), outcome=FetchOutcome.OK
        )
        store.apply_fetch(state, attempt, entries, now=NOW)
    return [e.entry_id for e in store.articles_to_fetch()]


def _quote(start: int = 19, end: int = 35, speaker: str | None = "Maria Ortiz") -> Quote:
    return Quote(
        text=BODY[start:end],
        speaker=speaker,
        speaker_kind=SpeakerKind.PERSON,
        cue="said",
        kind=QuoteKind.DIRECT,
        start=start,
        end=end,
        confidence=0.9,
        outlet="The Ledger",
    )


def _extraction(quotes: tuple[Quote, ...] = ()) -> Extraction:
    article = Article(
        text=BODY,
        blocks=(
            Block(kind=BlockKind.PARAGRAPH, start=0, end=16),
            Block(kind=BlockKind.PARAGRAPH, start=18, end=len(BODY)),
        ),
        title="A title",
        byline="By Someone",
        published_at=NOW - timedelta(days=1),
        canonical_url="https://s.example/canonical",
        site_name="S",
        url="https://s.example/0",
    )
    return Extraction(article=article, quotes=quotes or (_quote(),), version="a1+q1")


def test_articles_to_fetch_only_for_sources_that_fetch_articles(store: Store) -> None:
    ids = _setup(store)
    todo = store.articles_to_fetch()
    assert len(ids) == 3
    assert {t.source_id for t in todo} == {"s"}
    assert [t.url for t in todo] == [f"https://s.example/{i}" for i in range(3)]
    assert store.articles_to_fetch(source_ids=["t"]) == []


def test_save_article_round_trip_and_not_fetched_again(store: Store) -> None:
    entry_id, *_ = _setup(store)
    page = PageFetch(
        url="https://s.example/0",
        entry_id=entry_id,
        final_url="https://s.example/0",
        http_status=200,
        content_type="text/html",
        charset="utf-8",
        body=b"<html>" + b"x" * 10_000 + b"</html>",
        started_at=NOW,
    )
    article_id = store.save_article(page, _extraction(), now=NOW)
    assert entry_id not in [t.entry_id for t in store.articles_to_fetch()]
    article, quotes = store.get_article(article_id)
    assert article is not None
    assert article.text == BODY and article.title == "A title"
    assert article.published_at == NOW - timedelta(days=1)
    assert [article.text[b.start : b.end] for b in article.blocks] == [
        "First paragraph.",
        "“We were told no,” she said.",
    ]
    assert quotes == (_quote(),)
    raw = store.get_raw_page(article_id)
    assert raw.body == page.body and raw.charset == "utf-8" and raw.entry_id == entry_id
    assert store.raw_page_ids() == [article_id]
    assert store.raw_page_ids(source_ids=["t"]) == []
    assert store.raw_page_ids(since=NOW + timedelta(seconds=1)) == []


def test_failed_fetch_is_stored_and_not_retried(store: Store) -> None:
    entry_id, *_ = _setup(store)
    page = PageFetch(
        url="https://s.example/0",
        entry_id=entry_id,
        error="HTTP 404 Not Found",
        http_status=404,
        started_at=NOW,
    )
    article_id = store.save_article(page, None, now=NOW)
    assert store.get_article(article_id) == (None, ())
    assert entry_id not in [t.entry_id for t in store.articles_to_fetch()]
    with pytest.raises(NotFoundError):
        store.get_raw_page(article_id)


def test_save_extraction_replaces_quotes(store: Store) -> None:
    entry_id, *_ = _setup(store)
    page = PageFetch(url="u", entry_id=entry_id, body=b"<p>x</p>", started_at=NOW)
    article_id = store.save_article(page, _extraction(), now=NOW)
    second = _quote(0, 5, speaker="Someone Else")
    store.save_extraction(article_id, _extraction((second, _quote())), now=NOW)
    _, quotes = store.get_article(article_id)
    assert quotes == (second, _quote())
    with pytest.raises(NotFoundError):
        store.save_extraction(999_999, _extraction(), now=NOW)


def test_list_quotes_filters(store: Store) -> None:
    _setup(store)
    for index, speaker in enumerate(("Maria Ortiz", "A Port Authority spokesperson")):
        page = PageFetch(url=f"https://s.example/{index}", body=b"<p/>", started_at=NOW)
        store.save_article(page, _extraction((_quote(speaker=speaker),)), now=NOW)
    assert len(store.list_quotes()) == 2
    assert [q.quote.speaker for q in store.list_quotes(speaker="ORTIZ")] == ["Maria Ortiz"]
    assert [q.quote.speaker for q in store.list_quotes(speaker="port auth")] == [
        "A Port Authority spokesperson"
    ]
    assert store.list_quotes(speaker="100%") == []
    assert store.list_quotes(source_ids=["t"]) == []
    (row,) = store.list_quotes(speaker="ortiz")
    assert (row.source_id, row.article_title, row.article_url) == (
        "s",
        "A title",
        "https://s.example/canonical",
    )
    assert store.count_articles() == 2 and store.count_articles("t") == 0


def _failed(index: int, status: int = 503) -> PageFetch:
    """The page of entry s<index> failed."""
    url = f"https://s.example/{index}"
    return PageFetch(url=url, http_status=status, error=f"HTTP {status}")


def _due(store: Store, at: datetime) -> dict[int, int]:
    """entry id → attempts so far, of the pages to fetch at ``at``."""
    return {t.entry_id: t.attempts for t in store.articles_to_fetch(now=at)}


def test_failed_page_is_due_again_at_its_next_try(store: Store) -> None:
    first, second, third = _setup(store)
    later = NOW + timedelta(minutes=10)
    store.save_article(_failed(0), None, now=NOW, next_try_at=later)
    assert _due(store, NOW) == {second: 0, third: 0}
    assert first not in [t.entry_id for t in store.articles_to_fetch()]  # no now: new ones
    assert _due(store, later) == {first: 1, second: 0, third: 0}
    # a second failure updates the one row and counts the attempt
    article_id = store.save_article(
        _failed(0), None, now=later, next_try_at=later + timedelta(minutes=20)
    )
    assert _due(store, later + timedelta(minutes=20))[first] == 2
    assert store.count_articles() == 1
    # success: no error, no next try, never fetched again
    page = PageFetch(url="https://s.example/0", entry_id=first, http_status=200, body=b"<p/>")
    assert store.save_article(page, _extraction(), now=later, next_try_at=later) == article_id
    assert first not in _due(store, NOW + timedelta(days=365))
    article, _ = store.get_article(article_id)
    assert article is not None and article.text == BODY
    assert store.source_statuses()[0].failed_pages == 0


def test_permanently_failed_page_stops_until_retried(store: Store) -> None:
    first, second, _ = _setup(store)
    store.save_article(_failed(0, 404), None, now=NOW)  # no next try: for good
    store.save_article(_failed(1), None, now=NOW, next_try_at=NOW + timedelta(hours=1))
    far = NOW + timedelta(days=365)
    assert first not in _due(store, far) and second in _due(store, far)
    statuses = {row.source_id: row.failed_pages for row in store.source_statuses()}
    assert statuses == {"s": 1, "t": 0}
    assert store.retry_articles(now=NOW, source_ids=["t"]) == 0
    assert store.retry_articles(now=NOW, entry_ids=[second]) == 0  # not permanently failed
    assert store.retry_articles(now=NOW, source_ids=["s"]) == 1
    assert _due(store, NOW)[first] == 0  # its tries counted anew
    assert store.source_statuses()[0].failed_pages == 0
    assert store.retry_articles(now=NOW, all_failed=True) == 2
    assert second in _due(store, NOW)
