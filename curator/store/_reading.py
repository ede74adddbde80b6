"""The read models' queries (#12): the draft queue, the draft page, source health and
who gets quoted. Reads only, each in one transaction of one or two queries.

A mixin of :class:`curator.store.Store`, like DraftStore. The queue's full-text search
is the database's (migration 0010): FTS5 on SQLite, a GIN index on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import column
from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.sql.elements import TextClause

from curator.errors import NotFoundError
from curator.model import Article
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import Source
from curator.model import SourceStatus
from curator.readmodels import DraftPage
from curator.readmodels import DraftQuery
from curator.readmodels import FailedPage
from curator.readmodels import QueueItem
from curator.readmodels import QueuePage
from curator.readmodels import SourceHealth
from curator.readmodels import SpeakerQuote
from curator.readmodels import VoiceCount
from curator.readmodels import VoicesReport
from curator.store import tables
from curator.store._articles import _article_from_row
from curator.store._articles import _quote_from_row
from curator.store._drafts import _draft_from_row
from curator.store._drafts import _dropped_from_row
from curator.store._drafts import _event_from_row
from curator.store._ledger import _row as _ledger_row

#: The text PostgreSQL's search index holds (migration 0010 created the index on this
#: exact expression: the planner uses it only for the same expression).
PG_SEARCH_DOCUMENT: Final = (
    "to_tsvector('simple'::regconfig,"
    " coalesce((content ->> 'headline'), '') || ' ' ||"
    " coalesce((content ->> 'summary'), '') || ' ' ||"
    " coalesce(jsonb_path_query_array((content)::jsonb, '$.quotes[*].text')::text, '') || ' ' ||"
    " coalesce(jsonb_path_query_array((content)::jsonb, '$.quotes[*].speaker')::text, ''))"
)

#: A WHERE clause: an expression, or SQL text where the two databases differ.
Clause = ColumnElement[bool] | TextClause

# Words of a search: letters and digits (both databases split text on everything else).
_WORD = re.compile(r"[^\W_]+")


def search_words(search: str | None) -> list[str]:
    """The words a search looks for (each as a word prefix, all of them)."""
    return _WORD.findall(search.casefold()) if search else []


class ReadingStore:
    """Read-model queries; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    def source_statuses(self) -> list[SourceStatus]:
        raise NotImplementedError  # provided by Store

    # -- the queue ---------------------------------------------------------------

    def draft_queue(
        self, query: DraftQuery, *, starting_after: int | None = None, limit: int = 50
    ) -> QueuePage:
        """A page of drafts matching ``query``, newest (highest id) first, after
        ``starting_after``; with the counts per state of the query without its state
        filter. Three queries: the page, the counts, the page's "also reported by"."""
        d, s, q = tables.drafts, tables.sources, tables.quotes
        with self._transaction("could not read the draft queue") as conn:
            dialect = conn.dialect.name
            common = _filters(query, dialect)
            quote_count = (
                select(func.count()).where(q.c.article_id == d.c.article_id).scalar_subquery()
            )
            speakers = (
                select(_json_array_of_distinct(q.c.speaker, dialect))
                .where(q.c.article_id == d.c.article_id, q.c.speaker.is_not(None))
                .scalar_subquery()
            )
            # The page's ids first: the quote counts are then made for those rows only,
            # not for every draft the filters keep before the sort.
            page_ids = select(d.c.id).where(*common).order_by(d.c.id.desc()).limit(limit + 1)
            if query.states:
                page_ids = page_ids.where(
                    d.c.state.in_([DraftState(x).value for x in query.states])
                )
            if starting_after is not None:
                page_ids = page_ids.where(d.c.id < starting_after)
            # Every draft column but `machine` (the machine's own version, as big as the
            # content): the queue shows it nowhere; decoding it was half the page's JSON work.
            columns: list[Any] = [c for c in d.c if c.name != "machine"]
            columns += [
                null().label("machine"),
                s.c.name.label("source_name"),
                quote_count.label("quote_count"),
                speakers.label("speakers"),
            ]
            items = (
                select(*columns)
                .join(s, s.c.id == d.c.source_id)
                .where(d.c.id.in_(page_ids.scalar_subquery()))
                .order_by(d.c.id.desc())
            )
            rows = conn.execute(items).all()
            counts = dict.fromkeys((state.value for state in DraftState), 0)
            for state, count in conn.execute(
                select(d.c.state, func.count()).where(*common).group_by(d.c.state)
            ):
                counts[state] = int(count)
            page = rows[:limit]
            ds = tables.draft_sources
            credits: dict[int, list[Credit]] = {}
            for credit in conn.execute(
                select(ds.c.draft_id, ds.c.outlet, ds.c.url)
                .where(ds.c.draft_id.in_([row.id for row in page]))
                .order_by(ds.c.id)
            ):
                credits.setdefault(credit.draft_id, []).append(
                    Credit(outlet=credit.outlet, url=credit.url)
                )
        return QueuePage(
            items=tuple(
                QueueItem(
                    draft=_with_credits(_draft_from_row(row), credits.get(row.id, ())),
                    source_name=row.source_name,
                    quote_count=int(row.quote_count),
                    speakers=tuple(sorted(_json_list(row.speakers))),
                )
                for row in page
            ),
            counts=counts,
            next_after=page[-1].id if len(rows) > limit else None,
        )

    # -- the draft page -------------------------------------------------------------

    def draft_page(self, draft_id: int) -> tuple[DraftPage, Article | None]:
        """The stored parts of the draft page (the draft without its checks, no budget:
        the facade adds them) and the article they need. One transaction of look-ups
        by key: the draft with its source and entry, its article, quotes, history and
        ledger."""
        d, s, e, a = tables.drafts, tables.sources, tables.entries, tables.articles
        q, ev, led = tables.quotes, tables.draft_events, tables.publish_ledger
        ds = tables.draft_sources
        query = (
            select(
                d,
                e.c.link.label("entry_url"),
                s.c.id.label("src_id"),
                s.c.configured_url.label("src_url"),
                s.c.name.label("src_name"),
                s.c.outlet.label("src_outlet"),
                s.c.enabled.label("src_enabled"),
                s.c.tags.label("src_tags"),
            )
            .join(e, e.c.id == d.c.entry_id)
            .outerjoin(s, s.c.id == d.c.source_id)
            .where(d.c.id == draft_id)
        )
        with self._transaction(f"could not read draft {draft_id}") as conn:
            row = conn.execute(query).one_or_none()
            if row is None:
                raise NotFoundError(f"no draft with id {draft_id}", object_id=str(draft_id))
            article_row = (
                conn.execute(select(a).where(a.c.id == row.article_id)).one_or_none()
                if row.article_id is not None
                else None
            )
            quotes = tuple(
                _quote_from_row(r)
                for r in conn.execute(
                    select(q).where(q.c.article_id == row.article_id).order_by(q.c.position)
                )
            )
            history = tuple(
                _event_from_row(r)
                for r in conn.execute(select(ev).where(ev.c.draft_id == draft_id).order_by(ev.c.id))
            )
            credits = [
                Credit(outlet=r.outlet, url=r.url)
                for r in conn.execute(
                    select(ds.c.outlet, ds.c.url).where(ds.c.draft_id == draft_id).order_by(ds.c.id)
                )
            ]
            ledger = tuple(
                _ledger_row(r)
                for r in conn.execute(
                    select(led).where(led.c.draft_id == draft_id).order_by(led.c.target)
                )
            )
        article = _article_from_row(article_row) if article_row is not None else None
        source = (
            Source(
                id=row.src_id,
                url=row.src_url,
                name=row.src_name,
                outlet=row.src_outlet,
                enabled=row.src_enabled,
                tags=tuple(row.src_tags),
            )
            if row.src_id is not None
            else None
        )
        draft = _with_credits(_draft_from_row(row), credits)
        page = DraftPage(
            draft=draft,
            also_reported=draft.content.also_reported_by,
            source=source,
            entry_url=row.entry_url,
            article_text=article.text if article is not None else None,
            quotes=quotes,
            history=history,
            ledger=ledger,
        )
        return page, article

    # -- sources ---------------------------------------------------------------------

    def source_health(
        self, source_id: str | None = None, *, per_source: int = 20
    ) -> list[SourceHealth]:
        """Every source's status (or one's), with its latest ``per_source`` failed
        article pages and dropped entries, newest first."""
        statuses = [
            s for s in self.source_statuses() if source_id is None or s.source_id == source_id
        ]
        if not statuses:
            return []
        a, e, dr = tables.articles, tables.entries, tables.dropped_entries
        failed_rank = (
            func.row_number()
            .over(partition_by=e.c.source_id, order_by=(a.c.fetched_at.desc(), a.c.id.desc()))
            .label("rank")
        )
        failed = (
            select(
                e.c.source_id,
                e.c.id.label("entry_id"),
                a.c.url,
                func.coalesce(a.c.fetch_error, a.c.extract_error).label("error"),
                a.c.http_status,
                a.c.attempts,
                a.c.fetched_at,
                a.c.next_try_at,
                failed_rank,
            )
            .join(e, e.c.link == a.c.url)
            .where(or_(a.c.fetch_error.is_not(None), a.c.extract_error.is_not(None)))
        )
        dropped_rank = (
            func.row_number()
            .over(partition_by=dr.c.source_id, order_by=(dr.c.at.desc(), dr.c.id.desc()))
            .label("rank")
        )
        dropped = select(
            dr.c.source_id,
            dr.c.entry_id,
            dr.c.reason,
            dr.c.at,
            e.c.title,
            e.c.link,
            dropped_rank,
        ).join(e, e.c.id == dr.c.entry_id)
        if source_id is not None:
            failed = failed.where(e.c.source_id == source_id)
            dropped = dropped.where(dr.c.source_id == source_id)
        failed_sq, dropped_sq = failed.subquery(), dropped.subquery()
        pages: dict[str, list[FailedPage]] = {}
        drops: dict[str, list[DroppedEntry]] = {}
        with self._transaction("could not read the source health") as conn:
            for row in conn.execute(
                select(failed_sq)
                .where(failed_sq.c.rank <= per_source)
                .order_by(failed_sq.c.source_id, failed_sq.c.rank)
            ):
                pages.setdefault(row.source_id, []).append(
                    FailedPage(
                        entry_id=row.entry_id,
                        url=row.url,
                        error=row.error,
                        http_status=row.http_status,
                        attempts=row.attempts,
                        fetched_at=row.fetched_at,
                        next_try_at=row.next_try_at,
                    )
                )
            for row in conn.execute(
                select(dropped_sq)
                .where(dropped_sq.c.rank <= per_source)
                .order_by(dropped_sq.c.source_id, dropped_sq.c.rank)
            ):
                drops.setdefault(row.source_id, []).append(_dropped_from_row(row))
        return [
            SourceHealth(
                status=status,
                failed_pages=tuple(pages.get(status.source_id, ())),
                dropped=tuple(drops.get(status.source_id, ())),
            )
            for status in statuses
        ]

    # -- voices ------------------------------------------------------------------------

    def voices(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        source_id: str | None = None,
        limit: int = 100,
    ) -> VoicesReport:
        """Speakers of the quotes in the articles of drafts (not rejected) made in the
        period, by number of quotes; and how many quotes have no known speaker."""
        d, q = tables.drafts, tables.quotes
        where = _voices_scope(since, until, source_id)
        unknown = _unknown_speaker()
        with self._transaction("could not count the voices") as conn:
            dialect = conn.dialect.name
            quotes = func.count().label("quotes")
            # Grouped by an expression, not the column: SQLite would walk the speaker
            # index for the grouping and look up every quote's row at random (4× slower).
            speaker = func.coalesce(q.c.speaker, "").label("speaker")
            by_speaker = (
                select(
                    speaker,
                    quotes,
                    func.count(distinct(d.c.id)).label("drafts"),
                    _json_array_of_distinct(d.c.source_id, dialect).label("sources"),
                )
                .join(d, d.c.article_id == q.c.article_id)
                .where(*where, ~unknown)
                .group_by(speaker)
                .order_by(quotes.desc(), speaker)
                .limit(limit)
            )
            voices = tuple(
                VoiceCount(
                    speaker=row.speaker,
                    quotes=int(row.quotes),
                    drafts=int(row.drafts),
                    sources=tuple(sorted(_json_list(row.sources))),
                )
                for row in conn.execute(by_speaker)
            )
            total, unknown_count = conn.execute(
                select(func.count(), func.coalesce(func.sum(case((unknown, 1), else_=0)), 0))
                .select_from(q)
                .join(d, d.c.article_id == q.c.article_id)
                .where(*where)
            ).one()
        return VoicesReport(
            since=since,
            until=until,
            source_id=source_id,
            voices=voices,
            total_quotes=int(total),
            unknown_quotes=int(unknown_count),
        )

    def speaker_quotes(self, speaker: str, *, limit: int = 200) -> list[SpeakerQuote]:
        """A speaker's quotes (exactly this name), newest drafts first."""
        d, q = tables.drafts, tables.quotes
        query = (
            select(
                q,
                d.c.id.label("draft_id"),
                d.c.content.label("draft_content"),
                d.c.source_id,
                d.c.created_at,
            )
            .join(d, d.c.article_id == q.c.article_id)
            .where(q.c.speaker == speaker)
            .order_by(d.c.created_at.desc(), d.c.id.desc(), q.c.position)
            .limit(limit)
        )
        with self._transaction("could not read the speaker's quotes") as conn:
            return [
                SpeakerQuote(
                    quote=_quote_from_row(row),
                    draft_id=row.draft_id,
                    headline=str(row.draft_content.get("headline", "")),
                    source_id=row.source_id,
                    at=row.created_at,
                )
                for row in conn.execute(query)
            ]


def _with_credits(draft: Draft, credits: Sequence[Credit]) -> Draft:
    """ "Also reported by" adds the stories merged into this one (as get_draft does)."""
    known = set(draft.content.also_reported_by)
    extra = tuple(c for c in credits if c not in known)
    if not extra:
        return draft
    merged = draft.content.also_reported_by + extra
    return replace(draft, content=replace(draft.content, also_reported_by=merged))


# -- query parts -----------------------------------------------------------------------


def _filters(query: DraftQuery, dialect: str) -> list[Clause]:
    """The queue's WHERE clauses, but the state filter (the counts leave it out)."""
    d, q = tables.drafts, tables.quotes
    where: list[Clause] = []
    if query.source_ids:
        where.append(d.c.source_id.in_(list(query.source_ids)))
    if query.since is not None:
        where.append(d.c.created_at >= query.since)
    if query.until is not None:
        where.append(d.c.created_at < query.until)
    if query.flags:
        where.append(
            _json_array_has(dialect, "drafts.flags", "flags", [str(f) for f in query.flags])
        )
    if query.tags:
        where.append(_json_array_has(dialect, "drafts.content", "tags", list(query.tags), "tags"))
    if query.speaker:
        # Not a correlated EXISTS: the speaker's articles, found once by their index.
        where.append(d.c.article_id.in_(select(q.c.article_id).where(q.c.speaker == query.speaker)))
    words = search_words(query.search)
    if words:
        where.append(_search(dialect, words))
    return where


def _json_array_has(
    dialect: str, column_sql: str, name: str, values: list[str], path: str | None = None
) -> TextClause:
    """The JSON array in ``column_sql`` (at key ``path``) holds one of ``values``."""
    if dialect == "postgresql":
        array = f"{column_sql} -> '{path}'" if path else column_sql
        sql = f"EXISTS (SELECT 1 FROM json_array_elements_text({array}) AS v WHERE v IN :{name})"
    else:
        where = f"{column_sql}, '$.{path}'" if path else column_sql
        sql = f"EXISTS (SELECT 1 FROM json_each({where}) AS v WHERE v.value IN :{name})"
    return text(sql).bindparams(bindparam(name, values, expanding=True))


def _search(dialect: str, words: Sequence[str]) -> Clause:
    """Every word, as a word prefix, in the headline, summary or quotes."""
    d = tables.drafts
    if dialect == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return text(f"{PG_SEARCH_DOCUMENT} @@ to_tsquery('simple', :search)").bindparams(
            search=tsquery
        )
    match = " ".join(f'"{word}"*' for word in words)
    found = (
        text("SELECT rowid FROM drafts_search WHERE drafts_search MATCH :search")
        .bindparams(search=match)
        .columns(column("rowid", Integer))
    )
    return d.c.id.in_(found)


def _json_array_of_distinct(value: Any, dialect: str) -> Any:
    """An aggregate: the distinct values as a JSON array."""
    if dialect == "postgresql":
        return func.json_agg(distinct(value))
    return func.json_group_array(distinct(value))


def _json_list(value: Any) -> list[Any]:
    # SQLite hands the JSON text over; psycopg decodes json itself; none is no rows.
    if value is None:
        return []
    values = json.loads(value) if isinstance(value, str) else value
    return [v for v in values if v is not None]


def _voices_scope(
    since: datetime | None, until: datetime | None, source_id: str | None
) -> list[ColumnElement[bool]]:
    d = tables.drafts
    where: list[ColumnElement[bool]] = [d.c.state != DraftState.REJECTED.value]
    if since is not None:
        where.append(d.c.created_at >= since)
    if until is not None:
        where.append(d.c.created_at < until)
    if source_id is not None:
        where.append(d.c.source_id == source_id)
    return where


def _unknown_speaker() -> ColumnElement[bool]:
    q = tables.quotes
    return or_(q.c.speaker.is_(None), q.c.speaker == "", q.c.speaker_kind == "unknown")
