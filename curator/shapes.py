"""The JSON shape of every object curator prints or serves, defined once.

Every `--json` of the CLI and every JSON endpoint of the web desk builds its objects
here, so a field has one name everywhere. Pure functions returning plain JSON values:
datetimes as ISO 8601 strings in UTC, durations as seconds, enums as their values.
References to other objects are their ids under the object's name ("source", "entry",
"article", "draft"). Imports only `curator.model` and `curator.readmodels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from curator.model import ArticleReport
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DroppedEntry
from curator.model import Entry
from curator.model import ExtractResult
from curator.model import FieldChange
from curator.model import LedgerRow
from curator.model import Node
from curator.model import Override
from curator.model import PublishResult
from curator.model import Quote
from curator.model import Source
from curator.model import SourceReport
from curator.model import SourceStatus
from curator.model import StoredQuote
from curator.model import User
from curator.readmodels import DraftPage
from curator.readmodels import FailedPage
from curator.readmodels import QueueItem
from curator.readmodels import QueuePage
from curator.readmodels import SourceHealth
from curator.readmodels import SpeakerQuote
from curator.readmodels import VoiceCount
from curator.readmodels import VoicesReport

__all__ = [
    "article_report_json",
    "check_json",
    "draft_json",
    "draft_page_json",
    "dropped_json",
    "entry_json",
    "event_json",
    "extract_json",
    "failed_page_json",
    "iso",
    "ledger_json",
    "node_json",
    "publish_result_json",
    "queue_item_json",
    "queue_json",
    "quote_json",
    "report_json",
    "source_config_json",
    "source_json",
    "speaker_quote_json",
    "stored_quote_json",
    "user_json",
    "voice_json",
    "voices_json",
]

JSON = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """A datetime as ISO 8601 in UTC (``2026-11-28T16:00:00+00:00``)."""
    return None if value is None else value.astimezone(UTC).isoformat()


def _seconds(value: timedelta) -> float:
    return round(value.total_seconds(), 3)


# --- sources ------------------------------------------------------------------------


def source_config_json(source: Source) -> JSON:
    """A configured source (`curator sources list`)."""
    return {
        "id": source.id,
        "url": source.url,
        "name": source.name,
        "outlet": source.outlet,
        "enabled": source.enabled,
        "interval": _seconds(source.interval),
        "fetch_articles": source.fetch_articles,
        "tags": list(source.tags),
    }


def source_json(source: SourceStatus | SourceHealth) -> JSON:
    """A source's status (`curator status`); its health adds the failed article pages
    (``failed_articles``) and the entries its filters dropped (``dropped``)."""
    status = source.status if isinstance(source, SourceHealth) else source
    shape: JSON = {
        "source": status.source_id,
        "name": status.name,
        "enabled": status.enabled,
        "url": status.url,
        "entries": status.entries,
        "last_success": iso(status.last_success_at),
        "last_error": status.last_error,
        "last_error_at": iso(status.last_error_at),
        "consecutive_failures": status.consecutive_failures,
        "next_due": iso(status.next_due_at),
        "gone": status.gone,
        "failed_pages": status.failed_pages,
    }
    if isinstance(source, SourceHealth):
        shape["failed_articles"] = [failed_page_json(p) for p in source.failed_pages]
        shape["dropped"] = [dropped_json(d) for d in source.dropped]
    return shape


def failed_page_json(page: FailedPage) -> JSON:
    return {
        "entry": page.entry_id,
        "url": page.url,
        "error": page.error,
        "http_status": page.http_status,
        "attempts": page.attempts,
        "fetched_at": iso(page.fetched_at),
        "next_try": iso(page.next_try_at),
        "permanent": page.next_try_at is None,
    }


def node_json(node: Node) -> JSON:
    """A running daemon."""
    return {
        "id": node.id,
        "host": node.host,
        "pid": node.pid,
        "started_at": iso(node.started_at),
        "heartbeat_at": iso(node.heartbeat_at),
        "work": node.work,
    }


def user_json(user: User) -> JSON:
    """A web desk user (never the password hash: it does not leave the store)."""
    return {
        "name": user.name,
        "created_at": iso(user.created_at),
        "password_changed_at": iso(user.password_changed_at),
    }


def report_json(report: SourceReport) -> JSON:
    """What fetching one source did (`curator fetch --json`)."""
    return {
        "source": report.source_id,
        "outcome": str(report.outcome),
        "new": report.counts.new,
        "updated": report.counts.updated,
        "unchanged": report.counts.unchanged,
        "http_status": report.http_status,
        "error": report.error,
        "seconds": _seconds(report.duration),
        "articles": report.articles,
        "article_errors": report.article_errors,
        "quotes": report.quotes,
        "paused_until": iso(report.paused_until),
    }


# --- entries, articles and quotes ----------------------------------------------------


def entry_json(entry: Entry) -> JSON:
    return {
        "entry": entry.id,
        "source": entry.source_id,
        "title": entry.title,
        "url": entry.link,
        "published": iso(entry.published_at),
        "first_seen": iso(entry.first_seen_at),
    }


def dropped_json(dropped: DroppedEntry) -> JSON:
    """An entry the filters dropped, and why."""
    return {
        "entry": dropped.entry_id,
        "source": dropped.source_id,
        "title": dropped.title,
        "url": dropped.url,
        "reason": dropped.reason,
        "at": iso(dropped.at),
    }


def quote_json(quote: Quote) -> JSON:
    """An extracted quote: ``start``/``end`` index its article's text."""
    return {
        "text": quote.text,
        "speaker": quote.speaker,
        "speaker_kind": str(quote.speaker_kind),
        "cue": quote.cue,
        "kind": str(quote.kind),
        "start": quote.start,
        "end": quote.end,
        "confidence": round(quote.confidence, 3),
        "outlet": quote.outlet,
    }


def stored_quote_json(row: StoredQuote) -> JSON:
    """A stored quote with where it came from (`curator quotes list`)."""
    return {
        "id": row.id,
        "source": row.source_id,
        "entry": row.entry_id,
        "article": row.article_id,
        "article_title": row.article_title,
        "article_url": row.article_url,
        **quote_json(row.quote),
    }


def extract_json(result: ExtractResult) -> JSON:
    """`curator extract` for one input: the article and its quotes, or the error."""
    article = result.extraction.article if result.extraction else None
    return {
        "input": result.input,
        "title": article.title if article else None,
        "byline": article.byline if article else None,
        "published": iso(article.published_at) if article else None,
        "url": (article.canonical_url or article.url) if article else None,
        "text": article.text if article else None,
        "quotes": [quote_json(q) for q in result.extraction.quotes] if result.extraction else [],
        "error": result.error,
    }


def article_report_json(report: ArticleReport) -> JSON:
    """What fetching or re-extracting one article page did."""
    return {
        "entry": report.entry_id,
        "source": report.source_id,
        "url": report.url,
        "quotes": report.quotes,
        "error": report.error,
    }


# --- drafts ----------------------------------------------------------------------------


def _credit_json(credit: Credit) -> JSON:
    return {"outlet": credit.outlet, "url": credit.url}


def check_json(check: DraftCheck) -> JSON:
    """Why a draft has a flag: what, where ("quote 2", "excerpt", …) and the words."""
    return {
        "flag": str(check.flag),
        "where": check.where,
        "reason": check.reason,
        "text": check.text,
    }


def _content_json(content: DraftContent) -> JSON:
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
        "published": iso(content.published_at),
        "tags": list(content.tags),
        "also_reported_by": [_credit_json(c) for c in content.also_reported_by],
    }


def draft_json(draft: Draft) -> JSON:
    """A draft: its content, review state, flags with their checks, and provenance."""
    return {
        "id": draft.id,
        "state": str(draft.state),
        "version": draft.version,
        **_content_json(draft.content),
        "flags": [str(flag) for flag in draft.flags],
        "checks": [check_json(c) for c in draft.checks],
        "source": draft.source_id,
        "entry": draft.entry_id,
        "article": draft.article_id,
        "extraction_version": draft.extraction_version,
        "edited": draft.edited,
        "source_changed": draft.proposed is not None,
        "override": _override_json(draft.override) if draft.override is not None else None,
        # A correction of a published draft under review: what the targets show now.
        "published_content": (
            _content_json(draft.published_content) if draft.published_content is not None else None
        ),
        "created_at": iso(draft.created_at),
        "updated_at": iso(draft.updated_at),
    }


def _override_json(override: Override) -> JSON:
    """A forced approval: the blocking flags it overrides, why, who and when."""
    return {
        "flags": [str(flag) for flag in override.flags],
        "note": override.note,
        "by": override.by,
        "at": iso(override.at),
    }


def _change_json(change: FieldChange) -> JSON:
    return {"field": change.field, "old": change.old, "new": change.new}


def event_json(event: DraftEvent) -> JSON:
    """One line of a draft's history; ``changes``: every changed field, old → new."""
    return {
        "draft": event.draft_id,
        "at": iso(event.at),
        "by": event.by,
        "action": event.action,
        "version": event.version,
        "changes": [_change_json(c) for c in event.changes],
        "note": event.note,
    }


def ledger_json(row: LedgerRow) -> JSON:
    """Where a draft was published: one per (draft, target)."""
    return {
        "draft": row.draft_id,
        "target": row.target,
        "remote_id": row.remote_id,
        "remote_url": row.remote_url,
        "outcome": row.outcome,
        "error": row.error,
        "removed": row.removed,
        "override": row.override,
        "published_at": iso(row.published_at),
        "updated_at": iso(row.updated_at),
    }


def publish_result_json(result: PublishResult) -> JSON:
    """What one target did with one post."""
    return {
        "target": result.target,
        "draft": result.draft_id,
        "outcome": result.outcome,
        "remote_id": result.remote_id,
        "remote_url": result.remote_url,
        "error": result.error,
    }


# --- read models ------------------------------------------------------------------------


def queue_item_json(item: QueueItem) -> JSON:
    return {
        **draft_json(item.draft),
        "source_name": item.source_name,
        "quote_count": item.quote_count,
        "speakers": list(item.speakers),
    }


def queue_json(page: QueuePage) -> JSON:
    """A page of the draft queue; ``next_after`` is the ``after`` of the next page."""
    return {
        "items": [queue_item_json(item) for item in page.items],
        "counts": dict(page.counts),
        "next_after": page.next_after,
    }


def _checks_by_quote(checks: Mapping[int, tuple[DraftCheck, ...]]) -> JSON:
    return {str(index): [check_json(c) for c in found] for index, found in checks.items()}


def draft_page_json(page: DraftPage) -> JSON:
    """The draft page: the draft, its article text with every extracted quote (offsets
    into ``article_text``), which quote failed which check, history and ledger."""
    return {
        "draft": draft_json(page.draft),
        "source": source_config_json(page.source) if page.source is not None else None,
        "entry_url": page.entry_url,
        "article_text": page.article_text,
        "quotes": [quote_json(q) for q in page.quotes],
        "quote_checks": _checks_by_quote(page.quote_checks),
        "history": [event_json(e) for e in page.history],
        "ledger": [ledger_json(r) for r in page.ledger],
        "budget": {"used": page.budget_used, "allowed": page.budget_allowed},
        "also_reported_by": [_credit_json(c) for c in page.also_reported],
    }


def voice_json(voice: VoiceCount) -> JSON:
    return {
        "speaker": voice.speaker,
        "quotes": voice.quotes,
        "drafts": voice.drafts,
        "sources": list(voice.sources),
    }


def voices_json(report: VoicesReport) -> JSON:
    """Who gets quoted: speakers by quotes, and the share with no known speaker."""
    return {
        "since": iso(report.since),
        "until": iso(report.until),
        "source": report.source_id,
        "voices": [voice_json(v) for v in report.voices],
        "total_quotes": report.total_quotes,
        "unknown_quotes": report.unknown_quotes,
        "unknown_share": round(report.unknown_share, 4),
    }


def speaker_quote_json(row: SpeakerQuote) -> JSON:
    return {
        **quote_json(row.quote),
        "draft": row.draft_id,
        "headline": row.headline,
        "source": row.source_id,
        "at": iso(row.at),
    }
