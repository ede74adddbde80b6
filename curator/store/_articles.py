"""Articles (raw pages and their extraction) and quotes: the Store's methods for #4.

A mixin of :class:`curator.store.Store`, kept apart so neither file grows past a
few hundred lines. It relies on ``Store._transaction`` for connections and error
translation.

One article per page URL (#11): an entry's article is the one whose ``url`` is the
entry's link, so entries of several sources that link to one page share it, and the
unique key on ``url_key`` keeps a second process from storing the page again.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

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
        (without ``now``, never-fetched pages only; never permanently failed ones).

        One item per page: a link that several entries share is listed once, for the
        first entry seen, and a link whose page another entry fetched is not listed.
        """
        e, s, a, d = tables.entries, tables.sources, tables.articles, tables.dropped_entries
        due: ColumnElement[bool] = a.c.id.is_(None)
        if now is not None:
            due = or_(due, and_(a.c.fetch_error.is_not(None), a.c.next_try_at <= now))
        query = (
            select(e.c.id, e.c.source_id, e.c.link, func.coalesce(a.c.attempts, 0).label("n"))
            .join(s, s.c.id == e.c.source_id)
            .outerjoin(a, a.c.url == e.c.link)
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
            todo: dict[str, ArticleToFetch] = {}
            for row in conn.execute(query):
                todo.setdefault(
                    row.link,
                    ArticleToFetch(
                        entry_id=row.id, source_id=row.source_id, url=row.link, attempts=row.n
                    ),
                )
            return list(todo.values())

    def save_article(
        self,
        page: PageFetch,
        extraction: Extraction | None,
        *,
        now: datetime,
        next_try_at: datetime | None = None,
    ) -> int:
        """Store a fetched page (raw, gzip) and its extraction, in one transaction, as the
        article of ``page.url``. Returns the article id.

        A page already stored without error is kept as it is: saving it again (another
        process fetched it meanwhile) is a skip, not an error. A page stored as failed
        is replaced, with its quotes, and counts one more attempt. A failed page is
        tried again from ``next_try_at`` (None: it failed permanently); a page without
        error has no next try.
        """
        a = tables.articles
        key = url_key(page.url)
        values: dict[str, Any] = {
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
        with self._transaction(f"could not store the page {page.url}", write=True) as conn:
            stored = conn.execute(
                select(a.c.id, a.c.fetch_error).where(a.c.url_key == key)
            ).one_or_none()
            if stored is None:
                insert_page = (
                    _insert(conn, a)
                    .values(url_key=key, **values)
                    .on_conflict_do_nothing(index_elements=[a.c.url_key])
                    .returning(a.c.id)
                )
                inserted = conn.execute(insert_page).scalar_one_or_none()
                if inserted is None:  # another process stored this page meanwhile
                    return int(conn.execute(select(a.c.id).where(a.c.url_key == key)).scalar_one())
                article_id = int(inserted)
            elif stored.fetch_error is None:
                return int(stored.id)  # stored meanwhile; the first copy stays
            else:
                article_id = int(stored.id)
                # Only while it is still failed: a concurrent retry may have stored it.
                replaced = conn.execute(
                    update(a)
                    .where(a.c.id == article_id, a.c.fetch_error.is_not(None))
                    .values(attempts=a.c.attempts + 1, **values)
                )
                if replaced.rowcount == 0:
                    return article_id
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
        their attempts counted anew; ``source_ids``/``entry_ids``: the pages their
        entries link to. Returns how many."""
        a = tables.articles
        query = update(a).where(a.c.fetch_error.is_not(None)).values(next_try_at=now, attempts=0)
        if not all_failed:
            query = query.where(a.c.next_try_at.is_(None))
        if source_ids or entry_ids:
            query = query.where(_linked_by(source_ids=source_ids, entry_ids=entry_ids))
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
        """Ids of stored articles that have a raw page and an entry linking to them (of
        ``source_ids``, if given), oldest first."""
        a = tables.articles
        query = (
            select(a.c.id)
            .where(a.c.raw_gzip.is_not(None), _linked_by(source_ids=source_ids))
            .order_by(a.c.id)
        )
        if since is not None:
            query = query.where(a.c.fetched_at >= since)
        with self._transaction("could not list the stored pages") as conn:
            return [int(row[0]) for row in conn.execute(query)]

    def get_raw_page(self, article_id: int) -> RawPage:
        """A stored page with the entries it is the article of: those linking to it now
        and those whose draft was made from it."""
        a, e, d = tables.articles, tables.entries, tables.drafts
        with self._transaction(f"could not read article {article_id}") as conn:
            row = conn.execute(select(a).where(a.c.id == article_id)).one_or_none()
            if row is not None and row.raw_gzip is not None:
                drafted = select(d.c.entry_id).where(d.c.article_id == article_id)
                entries = conn.execute(
                    select(e.c.id, e.c.source_id)
                    .where(or_(e.c.link == row.url, e.c.id.in_(drafted)))
                    .order_by(e.c.id)
                ).all()
        if row is None or row.raw_gzip is None or not entries:
            raise NotFoundError(
                f"no stored page for article {article_id}", object_id=str(article_id)
            )
        return RawPage(
            article_id=row.id,
            entry_id=entries[0].id,
            source_id=entries[0].source_id,
            entry_ids=tuple(entry.id for entry in entries),
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
        """Stored articles (pages, failed ones too); of one source: the pages its
        entries link to."""
        a = tables.articles
        query = select(func.count()).select_from(a)
        if source_id is not None:
            query = query.where(_linked_by(source_ids=[source_id]))
        with self._transaction("could not count the articles") as conn:
            return int(conn.execute(query).scalar_one())

    def list_quotes(
        self,
        *,
        source_ids: Sequence[str] = (),
        speaker: str | None = None,
        limit: int = 100,
    ) -> list[StoredQuote]:
        """Stored quotes, newest articles first; ``speaker`` matches case-insensitively.
        Each quote names the first entry (of ``source_ids``, if given) linking to its
        article."""
        q, a, e = tables.quotes, tables.articles, tables.entries
        linked = e.alias("linked")
        first_entry = select(func.min(linked.c.id)).where(linked.c.link == a.c.url)
        if source_ids:
            first_entry = first_entry.where(linked.c.source_id.in_(list(source_ids)))
        owner = first_entry.correlate(a).scalar_subquery()
        query = (
            select(
                q,
                e.c.id.label("entry_id"),
                e.c.source_id,
                a.c.title.label("article_title"),
                func.coalesce(a.c.canonical_url, a.c.final_url, a.c.url).label("article_url"),
            )
            .join(a, a.c.id == q.c.article_id)
            .join(e, e.c.id == owner)
            .order_by(a.c.fetched_at.desc(), a.c.id.desc(), q.c.position)
            .limit(limit)
        )
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


def url_key(url: str) -> str:
    """The unique key of an article page: sha256 of its URL, hex."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _linked_by(
    *, source_ids: Sequence[str] = (), entry_ids: Sequence[int] = ()
) -> ColumnElement[bool]:
    """An article is the page of an entry (of these sources, among these entries)."""
    a, e = tables.articles, tables.entries
    query = exists().where(e.c.link == a.c.url)
    if source_ids:
        query = query.where(e.c.source_id.in_(list(source_ids)))
    if entry_ids:
        query = query.where(e.c.id.in_(list(entry_ids)))
    return query


def _insert(conn: Connection, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
