"""Articles (raw pages and their extraction) and quotes: the Store's methods for #4.

A mixin of :class:`curator.store.Store`, kept apart so neither file grows past a
few hundred lines. It relies on ``Store._transaction`` for connections and error
translation.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from curator.errors import NotFoundError
from curator.model import Article
from curator.model import ArticleToFetch
from curator.model import Block
from curator.model import BlockKind
from curator.model import Extraction
from curator.model import PageFetch
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import RawPage
from curator.model import SpeakerKind
from curator.model import StoredQuote
from curator.store import tables

_ARTICLE_FIELDS = (
    "title",
    "byline",
    "published_at",
    "canonical_url",
    "site_name",
    "lead_image",
    "language",
    "text",
)


class ArticleStore:
    """Article and quote storage; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    def articles_to_fetch(
        self,
        *,
        source_ids: Sequence[str] = (),
        entry_ids: Sequence[int] = (),
        limit: int = 1000,
        now: datetime | None = None,
    ) -> list[ArticleToFetch]:
        """Entries with a link, of sources that fetch articles, which the filters did not
        drop and whose page was never fetched, or failed and is due again at ``now``
        (without ``now``, never-fetched pages only; never permanently failed ones)."""
        e, s, a, d = tables.entries, tables.sources, tables.articles, tables.dropped_entries
        due: ColumnElement[bool] = a.c.id.is_(None)
        if now is not None:
            due = or_(due, and_(a.c.fetch_error.is_not(None), a.c.next_try_at <= now))
        query = (
            select(e.c.id, e.c.source_id, e.c.link, func.coalesce(a.c.attempts, 0).label("n"))
            .join(s, s.c.id == e.c.source_id)
            .outerjoin(a, a.c.entry_id == e.c.id)
            .outerjoin(d, d.c.entry_id == e.c.id)
            .where(
                due,
                d.c.id.is_(None),
                e.c.link.is_not(None),
                s.c.fetch_articles.is_(True),
                s.c.removed.is_(False),
            )
            .order_by(e.c.first_seen_at, e.c.id)
            .limit(limit)
        )
        if source_ids:
            query = query.where(e.c.source_id.in_(list(source_ids)))
        if entry_ids:
            query = query.where(e.c.id.in_(list(entry_ids)))
        with self._transaction("could not list the articles to fetch") as conn:
            return [
                ArticleToFetch(
                    entry_id=row.id, source_id=row.source_id, url=row.link, attempts=row.n
                )
                for row in conn.execute(query)
            ]

    def save_article(
        self,
        source_id: str,
        page: PageFetch,
        extraction: Extraction | None,
        *,
        now: datetime,
        next_try_at: datetime | None = None,
    ) -> int:
        """Store a fetched page (raw, gzip) and its extraction, in one transaction.

        Re-saving the same entry replaces the row and its quotes and counts one more
        attempt. A failed page is tried again from ``next_try_at`` (None: it failed
        permanently); a page without error has no next try. Returns the article id.
        """
        if page.entry_id is None:
            raise ValueError("a stored article needs the entry it belongs to")
        a = tables.articles
        values: dict[str, Any] = {
            "source_id": source_id,
            "url": page.url,
            "final_url": page.final_url,
            "http_status": page.http_status,
            "content_type": page.content_type,
            "charset": page.charset,
            "raw_gzip": gzip.compress(page.body, 6) if page.body is not None else None,
            "raw_bytes": len(page.body) if page.body is not None else None,
            "fetched_at": page.started_at or now,
            "fetch_error": page.error,
            "next_try_at": next_try_at if page.error is not None else None,
            **_extraction_values(extraction, now),
        }
        action = f"could not store the article of entry {page.entry_id}"
        with self._transaction(action, write=True) as conn:
            existing = conn.execute(
                select(a.c.id).where(a.c.entry_id == page.entry_id)
            ).scalar_one_or_none()
            if existing is None:
                result = conn.execute(
                    insert(a).values(entry_id=page.entry_id, **values).returning(a.c.id)
                )
                article_id = int(result.scalar_one())
            else:
                article_id = int(existing)
                conn.execute(
                    update(a)
                    .where(a.c.id == article_id)
                    .values(attempts=a.c.attempts + 1, **values)
                )
            _replace_quotes(conn, article_id, extraction.quotes if extraction else ())
        return article_id

    def retry_articles(
        self,
        *,
        now: datetime,
        source_ids: Sequence[str] = (),
        entry_ids: Sequence[int] = (),
        all_failed: bool = False,
    ) -> int:
        """Make permanently failed pages (``all_failed``: every failed page) due at ``now``,
        their attempts counted anew. Returns how many."""
        a = tables.articles
        query = update(a).where(a.c.fetch_error.is_not(None)).values(next_try_at=now, attempts=0)
        if not all_failed:
            query = query.where(a.c.next_try_at.is_(None))
        if source_ids:
            query = query.where(a.c.source_id.in_(list(source_ids)))
        if entry_ids:
            query = query.where(a.c.entry_id.in_(list(entry_ids)))
        with self._transaction("could not schedule the failed pages", write=True) as conn:
            return int(conn.execute(query).rowcount)

    def save_extraction(self, article_id: int, extraction: Extraction, *, now: datetime) -> None:
        """Replace the extraction (fields and quotes) of a stored article."""
        a = tables.articles
        with self._transaction(f"could not store article {article_id}", write=True) as conn:
            done = conn.execute(
                update(a).where(a.c.id == article_id).values(**_extraction_values(extraction, now))
            )
            if done.rowcount == 0:
                raise NotFoundError(f"no article with id {article_id}", object_id=str(article_id))
            _replace_quotes(conn, article_id, extraction.quotes)

    def raw_page_ids(
        self, *, source_ids: Sequence[str] = (), since: datetime | None = None
    ) -> list[int]:
        """Ids of stored articles that have a raw page, oldest first."""
        a = tables.articles
        query = select(a.c.id).where(a.c.raw_gzip.is_not(None)).order_by(a.c.id)
        if source_ids:
            query = query.where(a.c.source_id.in_(list(source_ids)))
        if since is not None:
            query = query.where(a.c.fetched_at >= since)
        with self._transaction("could not list the stored pages") as conn:
            return [int(row[0]) for row in conn.execute(query)]

    def get_raw_page(self, article_id: int) -> RawPage:
        a = tables.articles
        query = select(a).where(a.c.id == article_id)
        with self._transaction(f"could not read article {article_id}") as conn:
            row = conn.execute(query).one_or_none()
        if row is None or row.raw_gzip is None:
            raise NotFoundError(
                f"no stored page for article {article_id}", object_id=str(article_id)
            )
        return RawPage(
            article_id=row.id,
            entry_id=row.entry_id,
            source_id=row.source_id,
            url=row.url,
            final_url=row.final_url,
            content_type=row.content_type,
            charset=row.charset,
            body=gzip.decompress(row.raw_gzip),
        )

    def get_article(self, article_id: int) -> tuple[Article | None, tuple[Quote, ...]]:
        """The stored extraction of an article (None when extraction failed) and its quotes."""
        a = tables.articles
        with self._transaction(f"could not read article {article_id}") as conn:
            row = conn.execute(select(a).where(a.c.id == article_id)).one_or_none()
            if row is None:
                raise NotFoundError(f"no article with id {article_id}", object_id=str(article_id))
            quotes = tuple(_quote_from_row(q) for q in _quote_rows(conn, [article_id]))
        return _article_from_row(row), quotes

    def count_articles(self, source_id: str | None = None) -> int:
        a = tables.articles
        query = select(func.count()).select_from(a)
        if source_id is not None:
            query = query.where(a.c.source_id == source_id)
        with self._transaction("could not count the articles") as conn:
            return int(conn.execute(query).scalar_one())

    def list_quotes(
        self,
        *,
        source_ids: Sequence[str] = (),
        speaker: str | None = None,
        limit: int = 100,
    ) -> list[StoredQuote]:
        """Stored quotes, newest articles first; ``speaker`` matches case-insensitively."""
        q, a = tables.quotes, tables.articles
        query = (
            select(
                q,
                a.c.entry_id,
                a.c.source_id,
                a.c.title.label("article_title"),
                func.coalesce(a.c.canonical_url, a.c.final_url, a.c.url).label("article_url"),
            )
            .join(a, a.c.id == q.c.article_id)
            .order_by(a.c.fetched_at.desc(), a.c.id.desc(), q.c.position)
            .limit(limit)
        )
        if source_ids:
            query = query.where(a.c.source_id.in_(list(source_ids)))
        if speaker:
            pattern = "%" + speaker.lower().replace("%", r"\%").replace("_", r"\_") + "%"
            query = query.where(func.lower(q.c.speaker).like(pattern, escape="\\"))
        with self._transaction("could not list the quotes") as conn:
            return [
                StoredQuote(
                    id=row.id,
                    quote=_quote_from_row(row),
                    article_id=row.article_id,
                    entry_id=row.entry_id,
                    source_id=row.source_id,
                    article_title=row.article_title,
                    article_url=row.article_url,
                )
                for row in conn.execute(query)
            ]


def _extraction_values(extraction: Extraction | None, now: datetime) -> dict[str, Any]:
    if extraction is None:
        return dict.fromkeys(
            (*_ARTICLE_FIELDS, "blocks", "extracted_at", "extraction_version", "extract_error")
        )
    article = extraction.article
    values: dict[str, Any] = {
        name: getattr(article, name) if article is not None else None for name in _ARTICLE_FIELDS
    }
    values["blocks"] = (
        [[b.kind.value, b.start, b.end] for b in article.blocks] if article is not None else None
    )
    values["extracted_at"] = now
    values["extraction_version"] = extraction.version
    values["extract_error"] = extraction.error
    return values


def _replace_quotes(conn: Connection, article_id: int, quotes: Sequence[Quote]) -> None:
    q = tables.quotes
    conn.execute(delete(q).where(q.c.article_id == article_id))
    if quotes:
        conn.execute(
            insert(q),
            [
                {
                    "article_id": article_id,
                    "position": position,
                    "text": quote.text,
                    "speaker": quote.speaker,
                    "speaker_kind": quote.speaker_kind.value,
                    "cue": quote.cue,
                    "kind": quote.kind.value,
                    "start": quote.start,
                    "end": quote.end,
                    "confidence": quote.confidence,
                    "outlet": quote.outlet,
                }
                for position, quote in enumerate(quotes)
            ],
        )


def _quote_rows(conn: Connection, article_ids: list[int]) -> Iterator[Any]:
    q = tables.quotes
    query = select(q).where(q.c.article_id.in_(article_ids)).order_by(q.c.article_id, q.c.position)
    yield from conn.execute(query)


def _quote_from_row(row: Any) -> Quote:
    return Quote(
        text=row.text,
        speaker=row.speaker,
        speaker_kind=SpeakerKind(row.speaker_kind),
        cue=row.cue,
        kind=QuoteKind(row.kind),
        start=row.start,
        end=row.end,
        confidence=row.confidence,
        outlet=row.outlet,
    )


def _article_from_row(row: Any) -> Article | None:
    if row.text is None:
        return None
    return Article(
        text=row.text,
        blocks=tuple(
            Block(kind=BlockKind(kind), start=start, end=end)
            for kind, start, end in row.blocks or []
        ),
        url=row.final_url or row.url,
        **{name: getattr(row, name) for name in _ARTICLE_FIELDS if name != "text"},
    )
