"""Drafts, their history, "also reported by" links, tombstones and dropped entries:
the Store's methods for #5.

A mixin of :class:`curator.store.Store`, like ArticleStore. It relies on
``Store._transaction`` for connections and error translation. It stores what
the review rules (:mod:`curator.review.rules`) decide; it decides nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy import Connection
from sqlalchemy import Row
from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import insert
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from curator.errors import DraftError
from curator.errors import NotFoundError
from curator.errors import StaleVersionError
from curator.errors import StoreError
from curator.model import Credit
from curator.model import CreditEntry
from curator.model import CurationIntent
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import DropEntry
from curator.model import DroppedEntry
from curator.model import EntryToDraft
from curator.model import FieldChange
from curator.model import NewDraft
from curator.model import Override
from curator.model import Tombstone
from curator.store import tables

DEFAULT_LIMIT: Final = 100


# These two belong in curator.model (kept here until they move).
class DraftStore:
    """Draft storage; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    # -- drafts ----------------------------------------------------------------

    def create_draft(
        self,
        *,
        content: DraftContent,
        source_id: str,
        entry_id: int,
        story_url: str,
        now: datetime,
        flags: Sequence[DraftFlag] = (),
        article_id: int | None = None,
        extraction_version: str = "",
        signature: Any = None,
        by: str = "curator",
    ) -> Draft:
        """Store a new draft (state new, version 1) and its "created" event, together.

        One draft per entry: DraftError if the entry already has one or is
        another draft's "also reported by" entry. ``signature`` is any JSON value.
        """
        _require_aware(now)
        values = {
            "state": DraftState.NEW.value,
            "version": 1,
            "content": content_to_json(content),
            "proposed": null(),  # SQL NULL, not JSON null
            "machine": content_to_json(content),
            "flags": [DraftFlag(flag).value for flag in flags],
            "source_id": source_id,
            "entry_id": entry_id,
            "article_id": article_id,
            "extraction_version": extraction_version,
            "edited": False,
            "story_url": story_url,
            "signature": null() if signature is None else signature,
            "created_at": now,
            "updated_at": now,
        }
        d, ds = tables.drafts, tables.draft_sources
        with self._transaction(
            f"could not create the draft of entry {entry_id}", write=True
        ) as conn:
            taken = conn.execute(select(d.c.id).where(d.c.entry_id == entry_id)).scalar()
            if taken is None:
                taken = conn.execute(
                    select(ds.c.draft_id).where(ds.c.entry_id == entry_id)
                ).scalar()
            if taken is not None:
                raise DraftError(
                    f"entry {entry_id} already belongs to draft {taken}", draft_id=int(taken)
                )
            draft_id = int(conn.execute(insert(d).values(values).returning(d.c.id)).scalar_one())
            event = DraftEvent(draft_id=draft_id, at=now, by=by, action="created", version=1)
            conn.execute(insert(tables.draft_events).values(_event_values(event)))
            row = conn.execute(select(d).where(d.c.id == draft_id)).one()
        return _draft_from_row(row)

    def apply_curation(self, intent: CurationIntent, *, now: datetime) -> Draft | None:
        """Apply what curating one entry decided, in one transaction; the new draft, if any.

        Another process may have curated the same entry or drafted the same story
        meanwhile; the unique keys (one draft per entry, one per story URL) decide, and
        the loser is not an error: an entry that already belongs to a draft is left
        alone, and a story that already has a draft credits this entry to it instead.
        """
        _require_aware(now)
        with self._transaction(f"could not curate entry {intent.entry_id}", write=True) as conn:
            if isinstance(intent, DropEntry):
                _record_dropped(conn, intent.entry_id, intent.source_id, intent.reason, now)
                return None
            if _owner_of(conn, intent.entry_id) is not None:
                return None  # curated meanwhile (another process or an earlier run)
            if isinstance(intent, CreditEntry):
                _credit(conn, intent)
                return None
            same = _draft_of_story(conn, intent.story_url)
            if same is None:
                try:
                    with conn.begin_nested():  # a savepoint: a lost race rolls back alone
                        return _insert_draft(conn, intent, now)
                except IntegrityError:
                    if _owner_of(conn, intent.entry_id) is not None:
                        return None
                    same = _draft_of_story(conn, intent.story_url)
                    if same is None:
                        raise
            _credit(conn, _credit_for(intent, same))
            return None

    def get_draft(self, draft_id: int) -> Draft:
        """One draft by id. NotFoundError if there is none."""
        d = tables.drafts
        with self._transaction(f"could not read draft {draft_id}") as conn:
            row = conn.execute(select(d).where(d.c.id == draft_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no draft with id {draft_id}", object_id=str(draft_id))
        return _draft_from_row(row)

    def get_draft_by_entry(self, entry_id: int) -> Draft:
        """The draft made from an entry (its primary entry). NotFoundError if none."""
        d = tables.drafts
        with self._transaction(f"could not read the draft of entry {entry_id}") as conn:
            row = conn.execute(select(d).where(d.c.entry_id == entry_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no draft for entry {entry_id}", object_id=str(entry_id))
        return _draft_from_row(row)

    def list_drafts(
        self,
        *,
        states: Sequence[DraftState] = (),
        source_ids: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Draft]:
        """Drafts, newest (created) first; ``since`` keeps those created at or after it."""
        d = tables.drafts
        query = select(d).order_by(d.c.created_at.desc(), d.c.id.desc()).limit(limit)
        if states:
            query = query.where(d.c.state.in_([DraftState(s).value for s in states]))
        if source_ids:
            query = query.where(d.c.source_id.in_(list(source_ids)))
        if since is not None:
            query = query.where(d.c.created_at >= since)
        with self._transaction("could not list the drafts") as conn:
            return [_draft_from_row(row) for row in conn.execute(query)]

    def save_draft(
        self,
        draft: Draft,
        event: DraftEvent,
        *,
        expected_version: int,
        story: tuple[str, Any] | None = None,
        tombstone: Tombstone | None = None,
    ) -> None:
        """Store a changed draft and its event, if the stored draft is still at
        ``expected_version``; StaleVersionError otherwise (someone else saved it).
        A ``tombstone`` (a rejection) is written in the same transaction.

        Saves state, version, content, proposed, flags, edited, article_id,
        extraction_version and updated_at; ``story`` = (story_url, signature)
        replaces those too. Source, entry and created_at never change.
        """
        if event.draft_id != draft.id or event.version != draft.version:
            raise ValueError(
                f"event (draft {event.draft_id}, version {event.version}) does not match"
                f" draft {draft.id} version {draft.version}"
            )
        if draft.version <= expected_version:
            raise ValueError(
                f"draft {draft.id}: new version {draft.version} is not after {expected_version}"
            )
        _require_aware(draft.updated_at)
        d = tables.drafts
        values: dict[str, Any] = {
            "state": DraftState(draft.state).value,
            "version": draft.version,
            "content": content_to_json(draft.content),
            "proposed": null() if draft.proposed is None else content_to_json(draft.proposed),
            "machine": null() if draft.machine is None else content_to_json(draft.machine),
            "flags": [DraftFlag(flag).value for flag in draft.flags],
            "article_id": draft.article_id,
            "extraction_version": draft.extraction_version,
            "edited": draft.edited,
            "updated_at": draft.updated_at,
            "published_content": (
                null()
                if draft.published_content is None
                else content_to_json(draft.published_content)
            ),
            "override": null() if draft.override is None else _override_to_json(draft.override),
        }
        if story is not None:
            story_url, signature = story
            values["story_url"] = story_url
            values["signature"] = null() if signature is None else signature
        with self._transaction(f"could not save draft {draft.id}", write=True) as conn:
            done = conn.execute(
                update(d).where(d.c.id == draft.id, d.c.version == expected_version).values(values)
            )
            if done.rowcount == 0:
                stored = conn.execute(select(d).where(d.c.id == draft.id)).one_or_none()
                if stored is None:
                    raise NotFoundError(f"no draft with id {draft.id}", object_id=str(draft.id))
                raise StaleVersionError(
                    f"draft {draft.id} was changed by someone else (it is at version"
                    f" {stored.version}, not {expected_version}); reload it and try again",
                    draft_id=draft.id,
                    current=_draft_from_row(stored),
                )
            conn.execute(insert(tables.draft_events).values(_event_values(event)))
            if tombstone is not None:
                _insert_tombstone(conn, tombstone, draft.updated_at)

    def drafts_to_publish(self) -> list[Draft]:
        """Drafts the publisher renders: approved and published ones, and corrections
        under review (their ``published_content`` stays online), oldest first."""
        d = tables.drafts
        query = (
            select(d)
            .where(
                or_(
                    d.c.state.in_([DraftState.APPROVED.value, DraftState.PUBLISHED.value]),
                    d.c.published_content.is_not(None),
                )
            )
            .order_by(d.c.id)
        )
        with self._transaction("could not list the drafts to publish") as conn:
            return [_draft_from_row(row) for row in conn.execute(query)]

    def draft_history(self, draft_id: int) -> list[DraftEvent]:
        """A draft's events, oldest first. NotFoundError if there is no such draft."""
        d, ev = tables.drafts, tables.draft_events
        query = select(ev).where(ev.c.draft_id == draft_id).order_by(ev.c.id)
        with self._transaction(f"could not read the history of draft {draft_id}") as conn:
            events = [_event_from_row(row) for row in conn.execute(query)]
            if (
                not events
                and conn.execute(select(d.c.id).where(d.c.id == draft_id)).first() is None
            ):
                raise NotFoundError(f"no draft with id {draft_id}", object_id=str(draft_id))
        return events

    # -- stories: dedup and "also reported by" --------------------------------

    def recent_story_candidates(self, since: datetime) -> list[tuple[int, str, Any]]:
        """(draft_id, story_url, signature) of drafts created at or after ``since``,
        in every state (a rejected story's duplicates belong to it too), newest first."""
        d = tables.drafts
        query = (
            select(d.c.id, d.c.story_url, d.c.signature)
            .where(d.c.created_at >= since)
            .order_by(d.c.created_at.desc(), d.c.id.desc())
        )
        with self._transaction("could not read the recent stories") as conn:
            return [(int(row.id), row.story_url, row.signature) for row in conn.execute(query)]

    def add_also_reported(
        self, draft_id: int, source_id: str, entry_id: int, outlet: str, url: str
    ) -> None:
        """Link another entry reporting the draft's story. Linking the same entry to
        the same draft again does nothing; an entry that belongs to another draft
        (or is this draft's primary entry) is refused with DraftError."""
        d, ds = tables.drafts, tables.draft_sources
        action = f"could not link entry {entry_id} to draft {draft_id}"
        with self._transaction(action, write=True) as conn:
            if conn.execute(select(d.c.id).where(d.c.id == draft_id)).first() is None:
                raise NotFoundError(f"no draft with id {draft_id}", object_id=str(draft_id))
            owner = conn.execute(select(d.c.id).where(d.c.entry_id == entry_id)).scalar()
            if owner is not None:
                raise DraftError(
                    f"entry {entry_id} is the primary entry of draft {owner}", draft_id=draft_id
                )
            linked = conn.execute(select(ds.c.draft_id).where(ds.c.entry_id == entry_id)).scalar()
            if linked == draft_id:
                return
            if linked is not None:
                raise DraftError(
                    f"entry {entry_id} already belongs to draft {linked}", draft_id=draft_id
                )
            conn.execute(
                insert(ds).values(
                    draft_id=draft_id,
                    source_id=source_id,
                    entry_id=entry_id,
                    outlet=outlet,
                    url=url,
                )
            )

    def list_also_reported(self, draft_id: int) -> list[Credit]:
        """The "also reported by" links of a draft, in the order they were added."""
        ds = tables.draft_sources
        query = select(ds.c.outlet, ds.c.url).where(ds.c.draft_id == draft_id).order_by(ds.c.id)
        with self._transaction(f"could not read the sources of draft {draft_id}") as conn:
            return [Credit(outlet=row.outlet, url=row.url) for row in conn.execute(query)]

    # -- tombstones ------------------------------------------------------------

    def add_tombstone(
        self,
        *,
        reason: str,
        now: datetime,
        source_id: str | None = None,
        key: str | None = None,
        url: str | None = None,
    ) -> None:
        """Remember a story that must stay gone: by entry (``source_id`` + ``key``)
        and/or by normalised ``url`` (which matches in every source)."""
        _require_aware(now)
        tombstone = Tombstone(reason=reason, source_id=source_id, key=key, url=url)
        _check_tombstone(tombstone)
        with self._transaction("could not add the tombstone", write=True) as conn:
            _insert_tombstone(conn, tombstone, now)

    def is_tombstoned(self, source_id: str, key: str | None, url: str | None) -> bool:
        """Whether the entry (source_id, key) or the normalised URL is tombstoned."""
        t = tables.tombstones
        matches = []
        if key is not None:
            matches.append(and_(t.c.source_id == source_id, t.c.entry_key == key))
        if url is not None:
            matches.append(t.c.url == url)
        if not matches:
            return False
        query = select(exists().where(or_(*matches)))
        with self._transaction("could not read the tombstones") as conn:
            return bool(conn.execute(query).scalar())

    # -- dropped entries -------------------------------------------------------

    def record_dropped(self, entry_id: int, source_id: str, reason: str, now: datetime) -> None:
        """Remember that an entry makes no draft, and why (recording it again replaces it)."""
        _require_aware(now)
        with self._transaction(f"could not record dropped entry {entry_id}", write=True) as conn:
            _record_dropped(conn, entry_id, source_id, reason, now)

    def list_dropped(
        self, *, source_ids: Sequence[str] = (), limit: int = DEFAULT_LIMIT
    ) -> list[DroppedEntry]:
        """Dropped entries, most recently dropped first."""
        dr, e = tables.dropped_entries, tables.entries
        query = (
            select(dr, e.c.title, e.c.link)
            .join(e, e.c.id == dr.c.entry_id)
            .order_by(dr.c.at.desc(), dr.c.id.desc())
            .limit(limit)
        )
        if source_ids:
            query = query.where(dr.c.source_id.in_(list(source_ids)))
        with self._transaction("could not list the dropped entries") as conn:
            return [_dropped_from_row(row) for row in conn.execute(query)]

    # -- work to do ------------------------------------------------------------

    def entries_needing_drafts(
        self,
        *,
        source_ids: Sequence[str] = (),
        entry_ids: Sequence[int] = (),
        limit: int = DEFAULT_LIMIT,
    ) -> list[EntryToDraft]:
        """Entries to make drafts of, first seen first: their article was extracted
        (articles.text is not null) and they have no draft, are not dropped, are
        not another draft's "also reported by" entry, and are not tombstoned.

        Tombstones by URL match here only when equal to the entry's link or the
        article's URL, final URL or canonical URL as stored (no normalisation in
        SQL): check ``is_tombstoned`` with the normalised URL before drafting.
        """
        e, a, d = tables.entries, tables.articles, tables.drafts
        ds, dr, t = tables.draft_sources, tables.dropped_entries, tables.tombstones
        gone = or_(
            and_(t.c.source_id == e.c.source_id, t.c.entry_key == e.c.key),
            t.c.url == e.c.link,
            t.c.url == a.c.url,
            t.c.url == a.c.final_url,
            t.c.url == a.c.canonical_url,
        )
        query = (
            select(e.c.id, e.c.source_id, a.c.id.label("article_id"))
            .join(a, a.c.url == e.c.link)
            .where(
                a.c.text.is_not(None),
                ~exists().where(d.c.entry_id == e.c.id),
                ~exists().where(ds.c.entry_id == e.c.id),
                ~exists().where(dr.c.entry_id == e.c.id),
                ~exists().where(gone),
            )
            .order_by(e.c.first_seen_at, e.c.id)
            .limit(limit)
        )
        if source_ids:
            query = query.where(e.c.source_id.in_(list(source_ids)))
        if entry_ids:
            query = query.where(e.c.id.in_(list(entry_ids)))
        with self._transaction("could not find the entries needing drafts") as conn:
            return [
                EntryToDraft(entry_id=row.id, source_id=row.source_id, article_id=row.article_id)
                for row in conn.execute(query)
            ]


# -- DraftContent <-> JSON --------------------------------------------------------


def _check_tombstone(tombstone: Tombstone) -> None:
    if tombstone.key is not None and tombstone.source_id is None:
        raise ValueError("a tombstone by entry key needs the source_id")
    if tombstone.key is None and tombstone.url is None:
        raise ValueError("a tombstone needs an entry key or a URL")


def _insert_tombstone(conn: Connection, tombstone: Tombstone, now: datetime) -> None:
    _check_tombstone(tombstone)
    values = {
        "source_id": tombstone.source_id,
        "entry_key": tombstone.key,
        "url": tombstone.url,
        "reason": tombstone.reason,
        "at": now,
    }
    conn.execute(insert(tables.tombstones).values(values))


def _owner_of(conn: Connection, entry_id: int) -> int | None:
    """The draft an entry belongs to (as its primary entry or as "also reported by")."""
    d, ds = tables.drafts, tables.draft_sources
    owner = conn.execute(select(d.c.id).where(d.c.entry_id == entry_id)).scalar()
    if owner is None:
        owner = conn.execute(select(ds.c.draft_id).where(ds.c.entry_id == entry_id)).scalar()
    return None if owner is None else int(owner)


def _draft_of_story(conn: Connection, story_url: str) -> int | None:
    if not story_url:
        return None  # no URL: only near-duplicate detection can tell
    d = tables.drafts
    found = conn.execute(select(d.c.id).where(d.c.story_url == story_url)).scalar()
    return None if found is None else int(found)


def _credit_for(intent: NewDraft, draft_id: int) -> CreditEntry:
    return CreditEntry(
        draft_id=draft_id,
        entry_id=intent.entry_id,
        source_id=intent.source_id,
        outlet=intent.outlet,
        url=intent.url,
    )


def _credit(conn: Connection, intent: CreditEntry) -> None:
    conn.execute(
        insert(tables.draft_sources).values(
            draft_id=intent.draft_id,
            source_id=intent.source_id,
            entry_id=intent.entry_id,
            outlet=intent.outlet,
            url=intent.url,
        )
    )


def _insert_draft(conn: Connection, intent: NewDraft, now: datetime) -> Draft:
    d = tables.drafts
    values = {
        "state": DraftState.NEW.value,
        "version": 1,
        "content": content_to_json(intent.content),
        "proposed": null(),  # SQL NULL, not JSON null
        "machine": content_to_json(intent.content),
        "flags": [DraftFlag(flag).value for flag in intent.flags],
        "source_id": intent.source_id,
        "entry_id": intent.entry_id,
        "article_id": intent.article_id,
        "extraction_version": intent.extraction_version,
        "edited": False,
        "story_url": intent.story_url,
        "signature": null() if intent.signature is None else intent.signature,
        "created_at": now,
        "updated_at": now,
    }
    draft_id = int(conn.execute(insert(d).values(values).returning(d.c.id)).scalar_one())
    event = DraftEvent(draft_id=draft_id, at=now, by="curator", action="created", version=1)
    conn.execute(insert(tables.draft_events).values(_event_values(event)))
    return _draft_from_row(conn.execute(select(d).where(d.c.id == draft_id)).one())


def _record_dropped(
    conn: Connection, entry_id: int, source_id: str, reason: str, now: datetime
) -> None:
    dr = tables.dropped_entries
    done = conn.execute(
        update(dr)
        .where(dr.c.entry_id == entry_id)
        .values(source_id=source_id, reason=reason, at=now)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(dr).values(entry_id=entry_id, source_id=source_id, reason=reason, at=now)
        )


def content_to_json(content: DraftContent) -> dict[str, Any]:
    """A DraftContent as a JSON object (datetimes as ISO 8601 strings in UTC)."""
    published_at = content.published_at
    if published_at is not None:
        _require_aware(published_at)
        published_at_text: str | None = published_at.astimezone(UTC).isoformat()
    else:
        published_at_text = None
    return {
        "headline": content.headline,
        "summary": content.summary,
        "attribution": content.attribution,
        "excerpt": content.excerpt,
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "cue": q.cue, "outlet": q.outlet}
            for q in content.quotes
        ],
        "source_url": content.source_url,
        "outlet": content.outlet,
        "published_at": published_at_text,
        "tags": list(content.tags),
        "also_reported_by": [{"outlet": c.outlet, "url": c.url} for c in content.also_reported_by],
    }


def content_from_json(data: Mapping[str, Any]) -> DraftContent:
    """The inverse of content_to_json. Keys it does not know are ignored, and
    optional ones may be missing (rows written by an older version)."""
    published_at = data.get("published_at")
    return DraftContent(
        headline=data["headline"],
        summary=data["summary"],
        attribution=data["attribution"],
        excerpt=data["excerpt"],
        quotes=tuple(
            DraftQuote(
                text=q["text"], speaker=q.get("speaker"), cue=q.get("cue"), outlet=q.get("outlet")
            )
            for q in data.get("quotes") or ()
        ),
        source_url=data.get("source_url") or "",
        outlet=data.get("outlet") or "",
        published_at=(
            _aware(datetime.fromisoformat(published_at)) if published_at is not None else None
        ),
        tags=tuple(data.get("tags") or ()),
        also_reported_by=tuple(
            Credit(outlet=c["outlet"], url=c["url"]) for c in data.get("also_reported_by") or ()
        ),
    )


# -- rows <-> model ----------------------------------------------------------------


def _draft_from_row(row: Row[Any]) -> Draft:
    return Draft(
        id=row.id,
        state=DraftState(row.state),
        version=row.version,
        content=content_from_json(row.content),
        flags=tuple(DraftFlag(flag) for flag in row.flags),
        source_id=row.source_id,
        entry_id=row.entry_id,
        article_id=row.article_id,
        extraction_version=row.extraction_version,
        edited=row.edited,
        proposed=None if row.proposed is None else content_from_json(row.proposed),
        machine=None if row.machine is None else content_from_json(row.machine),
        published_content=(
            None if row.published_content is None else content_from_json(row.published_content)
        ),
        override=None if row.override is None else _override_from_json(row.override),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _event_values(event: DraftEvent) -> dict[str, Any]:
    return {
        "draft_id": event.draft_id,
        "at": event.at,
        "by": event.by,
        "action": event.action,
        "version": event.version,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in event.changes],
        "note": event.note,
    }


def _change_from_json(value: Any) -> FieldChange:
    """A stored change: {"field", "old", "new"}, or (before #12) the field name alone."""
    if isinstance(value, str):
        return FieldChange(field=value)
    return FieldChange(field=value["field"], old=value.get("old"), new=value.get("new"))


def _override_to_json(override: Override) -> dict[str, Any]:
    _require_aware(override.at)
    return {
        "flags": [DraftFlag(flag).value for flag in override.flags],
        "note": override.note,
        "by": override.by,
        "at": override.at.astimezone(UTC).isoformat(),
    }


def _override_from_json(data: Mapping[str, Any]) -> Override:
    return Override(
        flags=tuple(DraftFlag(flag) for flag in data["flags"]),
        note=data["note"],
        by=data["by"],
        at=_aware(datetime.fromisoformat(data["at"])),
    )


def _dropped_from_row(row: Row[Any]) -> DroppedEntry:
    """A dropped_entries row joined with its entry's title and link."""
    return DroppedEntry(
        entry_id=row.entry_id,
        source_id=row.source_id,
        reason=row.reason,
        at=row.at,
        title=row.title,
        url=row.link,
    )


def _event_from_row(row: Row[Any]) -> DraftEvent:
    return DraftEvent(
        draft_id=row.draft_id,
        at=row.at,
        by=row.by,
        action=row.action,
        version=row.version,
        changes=tuple(_change_from_json(change) for change in row.changes),
        note=row.note,
    )


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"naive datetime refused (use an aware UTC datetime): {value!r}")


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
