"""Drafts and the review workflow (issue #5) end to end, through the facade.

A feed on a real local `FeedServer` links to invented article pages (tests/data/pages/);
`fetch()` stores the entries, fetches and extracts the pages and curates one draft per
story. The review use cases (approve, reject, edit, accept_proposed) then run on the
stored drafts. Every storage-relevant test runs on SQLite and on PostgreSQL. The clock
is a settable fake, so every "when" is asserted exactly.

The expected draft of `depot-visits.html` (a seed-shaped story of 693 words, so the
copying budget is floor(0.25 × 693) = 173 words) was worked out from the rules in
curator/curate/draft.py and is asserted as literal strings:

- headline: the page title without " | The Ledger";
- summary: the lead's two sentences (51 words; the next sentence would pass 60);
- attribution: the headline names the Border Agency, so its spokesperson is the
  principal voice; the quote told to the source's outlet, as a full sentence from the
  cue ("told The Ledger that the agency “continues to be concerned”.");
- excerpt: what follows the attribution's sentence (the agency's no-comment, 27 words),
  continued into the next paragraph (Commissioner Roe's) as it is shorter than 30;
- quotes: only words in quotation marks in the source, none already shown: the union
  spokesperson's two (one speaker, most quoted), then the agency's "serious";
- words copied: 162 ≤ 173, so no flag (the summary, the attribution line and the
  excerpt are the article's words; + 10 + 4 + 1 for the quotes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fetch.servers import FeedServer
from fetch.servers import Reply
from test_articles import HTML
from test_articles import LOCAL
from test_articles import PAGES
from test_articles import page
from test_articles import write_sources

import curator
from curator import Curator
from curator import DraftContent
from curator import DraftEvent
from curator import DraftFlag
from curator import DraftState
from curator import FieldChange
from curator import StaleVersionError
from curator.config import load_settings
from curator.curate import parse_markdown
from curator.errors import ApprovalBlockedError
from curator.errors import DraftError
from curator.errors import DraftFormatError
from curator.errors import InvalidTransitionError
from curator.model import Credit
from curator.model import DraftCheck
from curator.model import DraftQuote

T0 = datetime(2031, 4, 25, 12, 0, tzinfo=UTC)

VISITS_URL = "https://ledger.example/2031/04/depot-visits"
COURIER_URL = "https://courier.example/news/calder-bay-visits"
HEADLINE = "Border Agency Is Reportedly Refusing Visits to Workers Held at Calder Bay Depot"
SUMMARY = (
    "Reports of dock workers being held without charge at the Calder Bay customs depot have"
    " been circulating for weeks, with detailed accounts from workers who were released after"
    " several days inside. Their families are still waiting for news of the others, and they"
    " will not find it at the depot gate."
)
ATTRIBUTION = (
    "A spokesperson for the Coastal Border Agency told The Ledger that the agency “continues to"
    " be concerned”."
)
EXCERPT = (
    "The spokesperson neither confirmed nor denied whether the remaining workers would be"
    " released, saying, “As detention records are confidential under port law, we are unable"
    " to discuss individual cases.”\n\nCommissioner Jane Roe said in mid-April that the reports"
    " “cannot be ignored” in a statement that was praised by the port board. Those words have"
    " not yet turned into visits, perhaps because the operator of the depot ran its own review"
    " and concluded that no rules had been broken."
)
UNION = "The Harbour Workers Union spokesperson"
AGENCY = "A spokesperson for the Coastal Border Agency"
QUOTES = (
    DraftQuote(
        text="we were told that no visitors will be allowed this month",
        speaker=UNION,
        cue="said",
        outlet="The Ledger",
    ),
    DraftQuote(text="talks have been difficult", speaker=UNION, cue="told", outlet="The Ledger"),
    DraftQuote(text="serious", speaker=AGENCY, cue="calling", outlet="The Ledger"),
)
VISITS_CONTENT = DraftContent(
    headline=HEADLINE,
    summary=SUMMARY,
    attribution=ATTRIBUTION,
    excerpt=EXCERPT,
    quotes=QUOTES,
    source_url=VISITS_URL,
    outlet="The Ledger",
    published_at=datetime(2031, 4, 25, 6, 30, tzinfo=UTC),
    tags=("port",),
)
NIGHT_HEADLINE = "Night Shift Crane Drivers Vote to Strike"


# --- helpers ----------------------------------------------------------------------------


class Clock:
    """A fake clock that says `now` until it is moved."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclasses.dataclass(frozen=True)
class Item:
    guid: str
    title: str
    path: str
    published: datetime | None = None


def feed(server: FeedServer, title: str, *items: Item) -> Reply:
    """An RSS 2.0 feed whose items link to paths on `server`."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{item.guid}</guid><title>{item.title}</title>"
        f"<link>{server.url(item.path)}</link>"
        + (
            f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>"
            if item.published
            else ""
        )
        + "</item>"
        for item in items
    )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{server.base_url}/</link>{body}</channel></rss>"
    )
    return Reply(body=xml.encode(), headers={"Content-Type": "application/rss+xml"})


def ledger_source(server: FeedServer, **extra: Any) -> dict[str, Any]:
    return {
        "id": "ledger",
        "url": server.url("/ledger.xml"),
        "outlet": "The Ledger",
        "tags": ["port"],
        **extra,
    }


@contextmanager
def open_facade(
    tmp_path: Path,
    database_url: str,
    sources: list[dict[str, Any]],
    *,
    clock: Clock,
    curate: Mapping[str, Any] | None = None,
) -> Iterator[Curator]:
    """test_articles.open_facade, plus a `curate:` section and a fake clock."""
    path = write_sources(tmp_path, sources, fetch=LOCAL)
    if curate is not None:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = {"curate": dict(curate), **document}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    settings = load_settings(path, database_url=database_url, data_dir=tmp_path / "data", env={})
    with curator.make_curator(settings, parse_workers=0, clock=clock) as facade:
        facade.upgrade()
        yield facade


def visits_site(server: FeedServer) -> None:
    """The ledger feed with the seed-shaped story only."""
    server.routes.update(
        {
            "/ledger.xml": feed(server, "ledger", Item("ledger-1", HEADLINE, "/visits.html")),
            "/visits.html": page("depot-visits.html"),
        }
    )


def fields(event: DraftEvent) -> tuple[str, ...]:
    """The names of the fields an event changed (old → new values aside)."""
    return tuple(change.field for change in event.changes)


def state_change(old: DraftState, new: DraftState) -> FieldChange:
    return FieldChange(field="state", old=old.value, new=new.value)


def actions(facade: Curator, draft_id: int) -> list[str]:
    return [event.action for event in facade.draft_history(draft_id)]


def article_text(facade: Curator, name: str) -> str:
    """The body curator extracts from a page of tests/data/pages (as stored after a fetch)."""
    (result,) = facade.extract([str(PAGES / name)])
    assert result.extraction is not None and result.extraction.article is not None
    return result.extraction.article.text


# --- the end-to-end path --------------------------------------------------------------


def test_a_seed_shaped_story_becomes_exactly_the_expected_draft(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            (report,) = facade.fetch()
            assert (report.counts.new, report.articles, report.article_errors) == (1, 1, 0)

            (draft,) = facade.list_drafts()
            assert draft.content.headline == HEADLINE
            assert draft.content.summary == SUMMARY
            assert draft.content.attribution == ATTRIBUTION
            assert draft.content.excerpt == EXCERPT
            assert [(q.text, q.speaker) for q in draft.content.quotes] == [
                (q.text, q.speaker) for q in QUOTES
            ]
            assert draft.content == VISITS_CONTENT
            assert draft.flags == ()  # the verbatim check passes, within the budget
            assert (draft.state, draft.version, draft.edited) == (DraftState.NEW, 1, False)
            assert draft.proposed is None
            assert (draft.source_id, draft.created_at, draft.updated_at) == ("ledger", T0, T0)
            assert facade.get_draft(draft.id) == draft
            assert facade.draft_history(draft.id) == [
                DraftEvent(draft_id=draft.id, at=T0, by="curator", action="created", version=1)
            ]
            # What the reviewer edits reads back to the same content.
            assert parse_markdown(facade.draft_markdown(draft.id)) == (1, VISITS_CONTENT)
            assert facade.list_dropped() == []
            # Curating again (and fetching again) makes nothing new.
            assert facade.curate() == []
            facade.fetch()
            assert [d.id for d in facade.list_drafts()] == [draft.id]


def test_one_draft_per_story_and_the_other_outlets_are_credited(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    # The wire copy is the short depot story (a different text) under the same canonical URL.
    short = (PAGES / "depot-detentions.html").read_bytes()
    wire_page = short.replace(
        b"https://ledger.example/2031/04/depot-detentions", VISITS_URL.encode()
    )
    assert wire_page != short
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": feed(
                    server,
                    "ledger",
                    Item("ledger-1", HEADLINE, "/visits.html"),
                    Item("ledger-2", NIGHT_HEADLINE, "/night.html"),
                ),
                "/visits.html": page("depot-visits.html"),
                "/night.html": page("night-shift.html"),
                "/courier.xml": feed(
                    server, "courier", Item("courier-1", "Families Kept", "/courier/visits.html")
                ),
                "/courier/visits.html": page("depot-visits-courier.html"),
                "/wire.xml": feed(server, "wire", Item("wire-1", "Depot", "/wire/depot.html")),
                "/wire/depot.html": Reply(body=wire_page, headers=HTML),
            }
        )
        sources = [
            ledger_source(server),
            {"id": "courier", "url": server.url("/courier.xml"), "outlet": "The Courier"},
            {"id": "wire", "url": server.url("/wire.xml"), "outlet": "Harbour Wire"},
        ]
        with open_facade(tmp_path, database_url, sources, clock=clock) as facade:
            facade.fetch(["ledger"])
            drafts = {d.content.headline: d for d in facade.list_drafts()}
            assert sorted(drafts) == sorted([HEADLINE, NIGHT_HEADLINE])
            visits_id, night_id = drafts[HEADLINE].id, drafts[NIGHT_HEADLINE].id

            clock.advance(hours=1)
            (courier,) = facade.fetch(["courier"])  # a rewrite: same story by its text
            assert (courier.counts.new, courier.articles) == (1, 1)
            clock.advance(hours=1)
            (wire,) = facade.fetch(["wire"])  # other text: same story by its canonical URL
            assert (wire.counts.new, wire.articles) == (1, 1)

            assert sorted(d.id for d in facade.list_drafts()) == sorted([visits_id, night_id])
            visits = facade.get_draft(visits_id)
            assert visits.content.also_reported_by == (
                Credit(outlet="The Courier", url=COURIER_URL),
                Credit(outlet="Harbour Wire", url=VISITS_URL),
            )
            assert dataclasses.replace(visits.content, also_reported_by=()) == VISITS_CONTENT
            assert (visits.version, visits.source_id) == (1, "ledger")
            assert facade.get_draft(night_id).content.also_reported_by == ()
            # list_drafts credits them too, and the markdown carries them.
            listed = {d.id: d for d in facade.list_drafts()}
            assert listed[visits_id].content.also_reported_by == visits.content.also_reported_by
            assert "- outlet: The Courier\n  url: " + COURIER_URL in facade.draft_markdown(
                visits_id
            )
            assert facade.list_drafts(source_ids=["courier"]) == []
            assert facade.list_dropped() == []  # credited, not dropped


# --- filters ------------------------------------------------------------------------------


def test_filters_drop_entries_with_the_reason_before_or_after_the_page_fetch(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": feed(
                    server,
                    "ledger",
                    Item("v", HEADLINE, "/visits.html", T0 - timedelta(days=1)),
                    Item("s", "Sponsored: Ten Ferries to Ride", "/sponsored.html", T0),
                    Item("n", NIGHT_HEADLINE, "/night.html", T0 - timedelta(days=2)),
                    Item(
                        "o",
                        "Quay Lights Switched Off",
                        "/old.html",
                        T0 - timedelta(days=10, hours=3),
                    ),
                ),
                "/visits.html": page("depot-visits.html"),
                "/sponsored.html": page("night-shift.html"),
                "/night.html": page("night-shift.html"),
                "/old.html": page("night-shift.html"),
            }
        )
        filters = {"block": {"title": "(?i)sponsored"}, "min_words": 100, "max_age": "7d"}
        sources = [ledger_source(server, filters=filters)]
        with open_facade(tmp_path, database_url, sources, clock=clock) as facade:
            (report,) = facade.fetch()
            paths = server.paths()
            assert (report.counts.new, report.articles) == (4, 2)
            # Dropped before the page fetch: never requested.
            assert "/sponsored.html" not in paths and "/old.html" not in paths
            assert paths.count("/night.html") == 1 and paths.count("/visits.html") == 1

            dropped = {d.title: d for d in facade.list_dropped()}
            assert {title: d.reason for title, d in dropped.items()} == {
                "Sponsored: Ten Ferries to Ride": "blocked: title matches '(?i)sponsored'",
                NIGHT_HEADLINE: "too short: 81 words (min_words 100)",
                "Quay Lights Switched Off": "too old: published 10 days 3 hours ago (max_age 7d)",
            }
            assert {(d.source_id, d.at) for d in dropped.values()} == {("ledger", T0)}
            assert dropped[NIGHT_HEADLINE].url == server.url("/night.html")
            assert [d.content.headline for d in facade.list_drafts()] == [HEADLINE]
            assert facade.list_dropped(["ledger"], limit=1)[0] in dropped.values()

            # The next run neither fetches nor drafts them.
            facade.fetch()
            assert sorted(server.paths()[len(paths) :]) == ["/ledger.xml"]
            assert len(facade.list_drafts()) == 1
            assert len(facade.list_dropped()) == 3


# --- review -------------------------------------------------------------------------------


def test_approve_records_who_when_and_why_and_approving_twice_is_refused(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            approved_at = clock.advance(minutes=5)
            approved = facade.approve(draft.id, by="alice", note="  checked the quotes ")
            assert (approved.state, approved.version, approved.updated_at) == (
                DraftState.APPROVED,
                2,
                approved_at,
            )
            assert approved.content == VISITS_CONTENT
            assert facade.get_draft(draft.id) == approved
            assert facade.draft_history(draft.id) == [
                DraftEvent(draft_id=draft.id, at=T0, by="curator", action="created", version=1),
                DraftEvent(
                    draft_id=draft.id,
                    at=approved_at,
                    by="alice",
                    action="approved",
                    version=2,
                    changes=(state_change(DraftState.NEW, DraftState.APPROVED),),
                    note="checked the quotes",
                ),
            ]
            assert facade.list_drafts(states=[DraftState.NEW]) == []
            assert facade.list_drafts(states=[DraftState.APPROVED]) == [approved]

            clock.advance(minutes=5)
            with pytest.raises(InvalidTransitionError) as caught:
                facade.approve(draft.id, by="bob")
            assert caught.value.message == f"draft {draft.id} is already approved"
            with pytest.raises(InvalidTransitionError) as caught:
                facade.reject(draft.id, by="bob")
            assert caught.value.message == (
                f"draft {draft.id} is approved; only new drafts can be rejected"
            )
            assert facade.get_draft(draft.id) == approved
            assert len(facade.draft_history(draft.id)) == 2


def test_a_rejected_story_stays_gone_when_the_feed_shows_it_again(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            rejected_at = clock.advance(minutes=1)
            rejected = facade.reject(draft.id, by="carol", note="not our beat")
            assert (rejected.state, rejected.version) == (DraftState.REJECTED, 2)
            assert facade.draft_history(draft.id)[-1] == DraftEvent(
                draft_id=draft.id,
                at=rejected_at,
                by="carol",
                action="rejected",
                version=2,
                changes=(state_change(DraftState.NEW, DraftState.REJECTED),),
                note="not our beat",
            )
            with pytest.raises(InvalidTransitionError) as caught:
                facade.approve(draft.id, by="carol")
            assert caught.value.message == f"draft {draft.id} is rejected; reopen it first"

            # The same story under a new entry: a new guid, another link, the same canonical URL.
            clock.advance(hours=1)
            server.routes["/ledger.xml"] = feed(
                server,
                "ledger",
                Item("ledger-1", HEADLINE, "/visits.html"),
                Item("ledger-1-again", HEADLINE + " (updated)", "/visits-again.html"),
            )
            server.routes["/visits-again.html"] = page("depot-visits.html")
            (report,) = facade.fetch()
            assert (report.counts.new, report.articles) == (1, 1)
            assert "/visits-again.html" in server.paths()
            assert facade.curate() == []
            assert [(d.id, d.state) for d in facade.list_drafts()] == [
                (draft.id, DraftState.REJECTED)
            ]

            # Reopening sends it back to review.
            reopened = facade.reopen(draft.id, by="carol", note="second look")
            assert (reopened.state, reopened.version) == (DraftState.NEW, 3)
            assert actions(facade, draft.id) == ["created", "rejected", "reopened"]


def test_an_edit_bumps_the_version_lists_the_changes_and_sends_an_approved_draft_back(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            clock.advance(minutes=1)
            facade.approve(draft.id, by="alice")
            markdown = facade.draft_markdown(draft.id)
            assert "\nversion: 2\n" in markdown and "\nstate: approved\n" in markdown

            edited_markdown = markdown.replace(
                f"headline: {HEADLINE}\n", "headline: Families Refused Visits at Calder Bay\n"
            ).replace(
                "text: we were told that no visitors will be allowed this month\n",
                "text: no visitors will be allowed this month\n",  # shorter, still verbatim
            )
            assert edited_markdown.count("\n") == markdown.count("\n")
            assert edited_markdown != markdown
            edited_at = clock.advance(minutes=1)
            edited = facade.edit_draft(draft.id, edited_markdown, by="dan", note="tighter")
            expected = dataclasses.replace(
                VISITS_CONTENT,
                headline="Families Refused Visits at Calder Bay",
                quotes=(
                    dataclasses.replace(QUOTES[0], text="no visitors will be allowed this month"),
                    *QUOTES[1:],
                ),
            )
            assert edited.content == expected
            assert (edited.version, edited.state, edited.edited, edited.flags) == (
                3,
                DraftState.NEW,
                True,
                (),
            )
            assert facade.get_draft(draft.id) == edited
            last = facade.draft_history(draft.id)[-1]
            assert (last.at, last.by, last.action, last.version, last.note) == (
                edited_at,
                "dan",
                "edited",
                3,
                "tighter",
            )
            assert fields(last) == ("state", "headline", "quote 1")
            assert last.changes[1] == FieldChange(
                field="headline", old=HEADLINE, new="Families Refused Visits at Calder Bay"
            )
            assert last.changes[2].old is not None and last.changes[2].new is not None
            assert "no visitors will be allowed this month" in last.changes[2].new

            # An edit based on version 2 (the draft is at 3 now) is refused; nothing changes.
            stale = markdown.replace(f"headline: {HEADLINE}\n", "headline: Someone Else\n")
            with pytest.raises(StaleVersionError) as caught:
                facade.edit_draft(draft.id, stale, by="erin")
            assert caught.value.message == (
                f"draft {draft.id} was changed by someone else (it is at version 3, not 2);"
                " reload it and try again"
            )
            with pytest.raises(StaleVersionError):
                facade.approve(draft.id, by="erin", version=2)
            assert facade.get_draft(draft.id) == edited
            assert actions(facade, draft.id) == ["created", "approved", "edited"]

            # An edit that changes nothing, and a broken one, are refused too.
            with pytest.raises(DraftError) as nothing:
                facade.edit_draft(draft.id, facade.draft_markdown(draft.id), by="dan")
            assert nothing.value.message == f"draft {draft.id}: the edit changes nothing"
            with pytest.raises(DraftFormatError) as broken:
                facade.edit_draft(draft.id, "no front matter", by="dan")
            assert broken.value.message == "line 1: expected the front matter to start with '---'"
            assert facade.get_draft(draft.id) == edited

            # Approving at the current version works.
            assert facade.approve(draft.id, by="alice", version=3).state is DraftState.APPROVED


def test_a_quote_not_in_the_source_is_flagged_and_approval_needs_force_and_a_note(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            markdown = facade.draft_markdown(draft.id)
            made_up = markdown.replace("text: serious\n", "text: the depot will close next week\n")
            assert made_up != markdown
            edited = facade.edit_draft(draft.id, made_up, by="dan")
            assert edited.flags == (DraftFlag.VERBATIM,)
            assert edited.content.quotes[-1] == DraftQuote(
                text="the depot will close next week",
                speaker=AGENCY,
                cue="calling",
                outlet="The Ledger",
            )
            # the check names the quote that failed, here and in the Markdown
            assert edited.checks == (
                DraftCheck(
                    flag=DraftFlag.VERBATIM,
                    reason="quoted words not in the article",
                    where="quote 3",
                    text="the depot will close next week",
                ),
            )
            assert facade.get_draft(draft.id).checks == edited.checks
            assert facade.draft_markdown(draft.id).startswith(
                "---\n# flags: verbatim\n# verbatim (quote 3): quoted words not in the article: "
                "“the depot will close next week”\n"
            )

            with pytest.raises(ApprovalBlockedError) as blocked:
                facade.approve(draft.id, by="alice")
            assert blocked.value.message == (
                f"draft {draft.id} is flagged (verbatim): approving it needs --force"
                " and a note saying why"
            )
            with pytest.raises(ApprovalBlockedError) as no_note:
                facade.approve(draft.id, by="alice", force=True, note="  ")
            assert no_note.value.message == (
                f"draft {draft.id} is flagged (verbatim): --force needs a note saying why"
            )
            assert facade.get_draft(draft.id).state is DraftState.NEW

            forced_at = clock.advance(minutes=3)
            forced = facade.approve(
                draft.id, by="alice", force=True, note="the commissioner confirmed by phone"
            )
            assert (forced.state, forced.version, forced.flags) == (
                DraftState.APPROVED,
                3,
                (DraftFlag.VERBATIM,),
            )
            assert facade.draft_history(draft.id)[-1] == DraftEvent(
                draft_id=draft.id,
                at=forced_at,
                by="alice",
                action="approved",
                version=3,
                changes=(
                    state_change(DraftState.NEW, DraftState.APPROVED),
                    FieldChange(
                        field="override",
                        new="verbatim — the commissioner confirmed by phone (by alice)",
                    ),
                ),
                note="the commissioner confirmed by phone",
            )

            # Putting the source's words back clears the flag.
            fixed = facade.edit_draft(
                draft.id, markdown.replace("version: 1", "version: 3"), by="dan"
            )
            assert (fixed.flags, fixed.content.quotes, fixed.state) == ((), QUOTES, DraftState.NEW)


def test_an_excerpt_over_the_budget_is_flagged(tmp_path: Path, database_url: str) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            markdown = facade.draft_markdown(draft.id)
            whole = article_text(facade, "depot-visits.html")  # all 693 words, verbatim
            quoted = "\n".join(f"> {line}" if line else ">" for line in whole.split("\n"))
            head, _, _ = markdown.partition("## Excerpt\n")
            edited = facade.edit_draft(draft.id, f"{head}## Excerpt\n\n{quoted}\n", by="dan")
            assert edited.content.excerpt == whole
            assert edited.flags == (DraftFlag.BUDGET,)
            assert fields(facade.draft_history(draft.id)[-1]) == ("excerpt",)
            with pytest.raises(ApprovalBlockedError) as blocked:
                facade.approve(draft.id, by="alice")
            assert blocked.value.message == (
                f"draft {draft.id} is flagged (budget): approving it needs --force"
                " and a note saying why"
            )
