"""curator.shapes (#12): one JSON shape per object, plain JSON values only, used by the
CLI's --json (and the web's JSON, tests/web)."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from curator import Curator
from curator import shapes
from curator.cli import app
from curator.config import load_settings
from curator.model import Article
from curator.model import ArticleReport
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import Entry
from curator.model import EntryCounts
from curator.model import Extraction
from curator.model import ExtractResult
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import FieldChange
from curator.model import LedgerRow
from curator.model import Node
from curator.model import Override
from curator.model import PageFetch
from curator.model import PublishResult
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SourceReport
from curator.model import SourceStatus
from curator.model import SpeakerKind
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
from curator.store import Store

CEST = timezone(timedelta(hours=2))
AT = datetime(2031, 5, 2, 11, 0, tzinfo=CEST)  # 09:00 UTC
AT_UTC = "2031-05-02T09:00:00+00:00"

QUOTE = Quote(
    text="will open in May",
    speaker="Ana Ruiz",
    speaker_kind=SpeakerKind.PERSON,
    cue="said",
    kind=QuoteKind.PARTIAL,
    start=10,
    end=26,
    confidence=0.87654,
)
CONTENT = DraftContent(
    headline="Bridge to open",
    summary="Soon.",
    attribution="Ana Ruiz said it “will open in May”.",
    excerpt="",
    quotes=(DraftQuote(text="will open in May", speaker="Ana Ruiz", cue="said"),),
    source_url="https://a.example/1",
    outlet="Alpha Post",
    published_at=AT,
    tags=("city",),
    also_reported_by=(Credit(outlet="Beta", url="https://b.example/1"),),
)
CHECK = DraftCheck(flag=DraftFlag.BUDGET, reason="too much", where="", text=None)
DRAFT = Draft(
    id=7,
    state=DraftState.APPROVED,
    version=3,
    content=CONTENT,
    flags=(DraftFlag.BUDGET,),
    source_id="a",
    entry_id=11,
    article_id=5,
    override=Override(flags=(DraftFlag.BUDGET,), note="fair use", by="ed", at=AT),
    published_content=CONTENT,
    created_at=AT,
    updated_at=AT,
    checks=(CHECK,),
)
EVENT = DraftEvent(
    draft_id=7,
    at=AT,
    by="ed",
    action="edited",
    version=3,
    changes=(FieldChange(field="headline", old="Bridge", new="Bridge to open"),),
    note="shorter",
)
LEDGER = LedgerRow(
    draft_id=7,
    target="site",
    remote_id="bridge",
    remote_url="https://site.example/bridge",
    content_hash="h",
    outcome="created",
    error=None,
    published_at=AT,
    updated_at=AT,
    override="budget: fair use (ed)",
)
STATUS = SourceStatus(
    source_id="a",
    name="Alpha",
    enabled=True,
    url="https://a.example/feed",
    entries=3,
    last_success_at=AT,
    last_error=None,
    last_error_at=None,
    consecutive_failures=0,
    next_due_at=AT,
    gone=False,
    failed_pages=1,
)
DROPPED = DroppedEntry(entry_id=4, source_id="a", reason="blocked", at=AT, title="T", url="u")

EVERY_SHAPE: list[tuple[Any, Any]] = [
    (shapes.draft_json, DRAFT),
    (shapes.quote_json, QUOTE),
    (shapes.event_json, EVENT),
    (shapes.ledger_json, LEDGER),
    (shapes.source_json, STATUS),
    (
        shapes.source_json,
        SourceHealth(
            status=STATUS,
            failed_pages=(FailedPage(entry_id=3, url="u", error="HTTP 503", fetched_at=AT),),
            dropped=(DROPPED,),
        ),
    ),
    (shapes.source_config_json, Source(id="a", url="u", name="A", outlet="O")),
    (shapes.node_json, Node(id="n", host="h", pid=1, started_at=AT, heartbeat_at=AT, work="idle")),
    (
        shapes.report_json,
        SourceReport(
            source_id="a",
            outcome=FetchOutcome.PAUSED,
            counts=EntryCounts(new=1),
            duration=timedelta(milliseconds=1234),
            paused_until=AT,
        ),
    ),
    (shapes.article_report_json, ArticleReport(entry_id=1, source_id="a", url="u", quotes=2)),
    (
        shapes.extract_json,
        ExtractResult(
            input="x.html",
            extraction=Extraction(
                article=Article(text="t", published_at=AT), quotes=(QUOTE,), version="v"
            ),
        ),
    ),
    (
        shapes.entry_json,
        Entry(
            id=1,
            source_id="a",
            key="k",
            guid=None,
            link="u",
            title="T",
            author=None,
            summary=None,
            content=None,
            published_at=AT,
            updated_at=None,
            content_hash="h",
            first_seen_at=AT,
            last_seen_at=AT,
        ),
    ),
    (shapes.dropped_json, DROPPED),
    (
        shapes.stored_quote_json,
        StoredQuote(
            id=1,
            quote=QUOTE,
            article_id=5,
            entry_id=11,
            source_id="a",
            article_title=None,
            article_url=None,
        ),
    ),
    (shapes.publish_result_json, PublishResult(target="site", draft_id=7, outcome="created")),
    (shapes.user_json, User(name="ed", created_at=AT, password_changed_at=AT)),
    (
        shapes.queue_json,
        QueuePage(
            items=(QueueItem(draft=DRAFT, source_name="Alpha", quote_count=2, speakers=("A",)),),
            counts={"new": 0, "approved": 1},
            next_after=7,
        ),
    ),
    (
        shapes.draft_page_json,
        DraftPage(
            draft=DRAFT,
            source=Source(id="a", url="u", name="A", outlet="O"),
            entry_url="u",
            article_text="Ana Ruiz will open in May",
            quotes=(QUOTE,),
            quote_checks={0: (CHECK,)},
            history=(EVENT,),
            ledger=(LEDGER,),
            budget_used=12,
            budget_allowed=10,
            also_reported=CONTENT.also_reported_by,
        ),
    ),
    (
        shapes.voices_json,
        VoicesReport(
            since=AT,
            until=None,
            source_id=None,
            voices=(VoiceCount(speaker="Ana Ruiz", quotes=3, drafts=2, sources=("a",)),),
            total_quotes=4,
            unknown_quotes=1,
        ),
    ),
    (
        shapes.speaker_quote_json,
        SpeakerQuote(quote=QUOTE, draft_id=7, headline="Bridge", source_id="a", at=AT),
    ),
]


def test_every_shape_is_plain_json_with_utc_times() -> None:
    for shape, value in EVERY_SHAPE:
        data = shape(value)
        text = json.dumps(data)  # no default=: datetimes and enums must be gone already
        assert json.loads(text) == data, shape.__name__
        assert "+02:00" not in text, shape.__name__


def test_draft_shape() -> None:
    data = shapes.draft_json(DRAFT)
    assert data["published"] == AT_UTC and data["created_at"] == AT_UTC
    assert (data["id"], data["state"], data["source"], data["entry"], data["article"]) == (
        7,
        "approved",
        "a",
        11,
        5,
    )
    assert data["flags"] == ["budget"]
    assert data["checks"] == [{"flag": "budget", "where": "", "reason": "too much", "text": None}]
    assert data["override"] == {"flags": ["budget"], "note": "fair use", "by": "ed", "at": AT_UTC}
    assert data["published_content"]["headline"] == "Bridge to open"
    assert data["also_reported_by"] == [{"outlet": "Beta", "url": "https://b.example/1"}]


def test_history_and_read_model_shapes() -> None:
    assert shapes.event_json(EVENT)["changes"] == [
        {"field": "headline", "old": "Bridge", "new": "Bridge to open"}
    ]
    page = shapes.draft_page_json(EVERY_SHAPE[-3][1])
    assert page["quote_checks"] == {"0": [shapes.check_json(CHECK)]}
    assert page["budget"] == {"used": 12, "allowed": 10}
    assert page["quotes"][0]["confidence"] == 0.877
    queue = shapes.queue_json(EVERY_SHAPE[-4][1])
    assert queue["next_after"] == 7
    assert (queue["items"][0]["id"], queue["items"][0]["speakers"]) == (7, ["A"])
    voices = shapes.voices_json(EVERY_SHAPE[-2][1])
    assert (voices["unknown_share"], voices["since"], voices["until"]) == (0.25, AT_UTC, None)
    health = shapes.source_json(EVERY_SHAPE[5][1])
    assert health["failed_pages"] == 1  # the count, as `status --json` has it
    assert health["failed_articles"][0]["permanent"] is True
    assert health["dropped"] == [shapes.dropped_json(DROPPED)]


def test_the_cli_prints_the_shapes(tmp_path: Path) -> None:
    """`drafts show --json`, `drafts history --json` and `status --json` print exactly
    what the shapes make of what the facade returns."""
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(
        "sources:\n  - id: a\n    url: https://a.example/feed\n    name: Alpha\n    outlet: A\n",
        encoding="utf-8",
    )
    database_url = f"sqlite:///{tmp_path / 'curator.db'}"
    settings = load_settings(str(sources_file), database_url=database_url, data_dir=str(tmp_path))
    now = datetime(2031, 5, 2, 9, 0, tzinfo=UTC)
    with Store(database_url) as store:
        facade = Curator(settings, store)
        facade.upgrade()
        attempt = FetchAttempt(
            source_id="a", started_at=now, duration=timedelta(0), outcome=FetchOutcome.OK
        )
        entry = FeedEntry(key="1", link="https://a.example/1", title="Bridge")
        store.apply_fetch(store.get_source_state("a"), attempt, [entry], now=now)
        (stored,) = store.list_entries(source_id="a")
        page = PageFetch(url="https://a.example/1", entry_id=stored.id, body=b"x")
        extraction = Extraction(article=Article(text="Ana Ruiz said it will open in May."))
        article_id = store.save_article(page, extraction, now=now)
        draft = store.create_draft(
            content=CONTENT,
            source_id="a",
            entry_id=stored.id,
            article_id=article_id,
            story_url="https://a.example/1",
            flags=(DraftFlag.BUDGET,),
            now=now,
        )
        expected_draft = shapes.draft_json(facade.get_draft(draft.id))
        expected_history = [shapes.event_json(e) for e in facade.draft_history(draft.id)]
        expected_status = [shapes.source_json(s) for s in facade.status()]
    flags = ["--sources", str(sources_file), "--database-url", database_url]
    runner = CliRunner()

    def lines(*args: str) -> list[Any]:
        result = runner.invoke(app, [*flags, *args])
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    assert lines("drafts", "show", str(draft.id), "--json") == [expected_draft]
    assert expected_draft["checks"]  # the facade's draft: with why it is flagged
    assert lines("drafts", "history", str(draft.id), "--json") == expected_history
    assert lines("status", "--json") == expected_status
