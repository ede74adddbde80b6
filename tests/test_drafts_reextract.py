"""Drafts end to end (issue #5), continued from test_drafts.py: re-extraction never
overwrites a human edit, and errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from test_articles import HTML
from test_articles import PAGES
from test_articles import page
from test_drafts import COURIER_URL
from test_drafts import HEADLINE
from test_drafts import NIGHT_HEADLINE
from test_drafts import QUOTES
from test_drafts import T0
from test_drafts import VISITS_CONTENT
from test_drafts import Clock
from test_drafts import Item
from test_drafts import actions
from test_drafts import feed
from test_drafts import fields
from test_drafts import ledger_source
from test_drafts import open_facade
from test_drafts import visits_site

from curator import DraftEvent
from curator import DraftFlag
from curator import DraftState
from curator import NotFoundError
from curator.errors import ApprovalBlockedError
from curator.errors import DraftError
from curator.errors import InvalidTransitionError
from curator.model import Credit

# --- re-extraction never overwrites a human edit -------------------------------------


def test_reextract_keeps_an_edited_draft_and_proposes_the_new_version(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": feed(
                    server,
                    "ledger",
                    Item("ledger-1", HEADLINE, "/visits.html"),
                    Item("ledger-2", "Night", "/night.html"),
                ),
                "/visits.html": page("depot-visits.html"),
                # Padded so that the three quotes fit the budget (the page alone has 81 words).
                "/night.html": Reply(body=padded_night_shift(), headers=HTML),
            }
        )
        sources = [ledger_source(server)]
        with open_facade(tmp_path, database_url, sources, clock=clock) as facade:
            facade.fetch()
            drafts = {d.content.headline: d for d in facade.list_drafts()}
            visits, night = drafts[HEADLINE], drafts[NIGHT_HEADLINE]
            assert len(visits.content.quotes) == 3 and len(night.content.quotes) == 2
            markdown = facade.draft_markdown(visits.id)
            clock.advance(minutes=1)
            edited = facade.edit_draft(
                visits.id,
                markdown.replace(f"headline: {HEADLINE}\n", "headline: Held at Calder Bay\n"),
                by="dan",
            )
            assert (edited.version, edited.edited) == (2, True)

    # The server is gone: reextract uses the stored pages. Fewer quotes per draft now.
    clock.advance(hours=1)
    curate = {"max_quotes": 1, "min_quotes": 1}
    with open_facade(tmp_path, database_url, sources, clock=clock, curate=curate) as facade:
        reports = facade.reextract()
        assert sorted((r.error, r.quotes) for r in reports) == [(None, 3), (None, 6)]

        kept = facade.get_draft(visits.id)
        assert kept.content == edited.content  # the human edit is untouched
        assert (kept.version, kept.edited, kept.state) == (3, True, DraftState.NEW)
        assert kept.flags == (DraftFlag.SOURCE_CHANGED,)
        assert kept.proposed == dataclasses.replace(VISITS_CONTENT, quotes=QUOTES[:1])
        last = facade.draft_history(visits.id)[-1]
        assert (last.action, last.by, last.version, last.at) == (
            "source_changed",
            "curator",
            3,
            clock.now,
        )
        assert fields(last) == ("headline", "quote 2", "quote 3")
        assert last.note == "content kept (edited by a person); the new version is proposed"

        taken = facade.get_draft(night.id)  # not edited: takes the new content
        # one quote left for the list: the attribution line may take the other (Brandt's)
        assert taken.content.quotes == night.content.quotes[1:]
        assert taken.content.attribution.startswith("Olga Brandt said, “We have asked")
        assert (taken.version, taken.edited, taken.proposed, taken.flags) == (2, False, None, ())
        assert actions(facade, night.id) == ["created", "source_changed"]
        assert fields(facade.draft_history(night.id)[-1])[:2] == ("attribution", "excerpt")

        # Re-extracting again changes nothing more.
        facade.reextract()
        assert facade.get_draft(visits.id).version == 3
        assert facade.get_draft(night.id).version == 2

        # accept-source takes the proposal and drops the edit.
        with pytest.raises(InvalidTransitionError) as none:
            facade.accept_proposed(night.id, by="dan")
        assert none.value.message == f"draft {night.id} has no proposed version to accept"
        accepted_at = clock.advance(minutes=1)
        accepted = facade.accept_proposed(visits.id, by="dan")
        assert accepted.content == kept.proposed
        assert (accepted.version, accepted.edited, accepted.proposed, accepted.flags) == (
            4,
            False,
            None,
            (),
        )
        assert facade.draft_history(visits.id)[-1] == DraftEvent(
            draft_id=visits.id,
            at=accepted_at,
            by="dan",
            action="accepted_proposed",
            version=4,
            changes=last.changes,  # the machine's version again, field by field
        )
        assert actions(facade, visits.id) == [
            "created",
            "edited",
            "source_changed",
            "accepted_proposed",
        ]


def padded_night_shift() -> bytes:
    """night-shift.html with background paragraphs (no quotes) so its quotes fit the budget."""
    extra = "".join(
        f"<p>Berth {n} handles feeder ships from the northern ports on weekday nights, and its"
        " cranes were serviced in the winter before the rota changes began.</p>"
        for n in range(1, 10)
    )
    original = (PAGES / "night-shift.html").read_text(encoding="utf-8")
    assert original.count("</article>") == 1
    return original.replace("</article>", extra + "</article>").encode()


def test_reextracting_an_unchanged_page_leaves_an_edited_draft_alone(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            markdown = facade.draft_markdown(draft.id)
            edited = facade.edit_draft(
                draft.id,
                markdown.replace(f"headline: {HEADLINE}\n", "headline: Held at Calder Bay\n"),
                by="dan",
            )
            (report,) = facade.reextract()  # same page, same extractor, same settings
            assert (report.error, report.quotes) == (None, 6)
            after = facade.get_draft(draft.id)
            assert actions(facade, draft.id) == ["created", "edited"]
            assert (after.version, after.flags, after.proposed) == (2, (), None)
            assert after == edited


def test_a_kept_edit_keeps_its_verbatim_flag_after_the_source_changed(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        with open_facade(tmp_path, database_url, [ledger_source(server)], clock=clock) as facade:
            facade.fetch()
            (draft,) = facade.list_drafts()
            made_up = facade.draft_markdown(draft.id).replace(
                "text: serious\n", "text: the depot will close next week\n"
            )
            assert facade.edit_draft(draft.id, made_up, by="dan").flags == (DraftFlag.VERBATIM,)
    with open_facade(
        tmp_path, database_url, [ledger_source(server)], clock=clock, curate={"max_quotes": 2}
    ) as facade:
        facade.reextract()
        kept = facade.get_draft(draft.id)
        assert kept.content.quotes[-1].text == "the depot will close next week"
        assert kept.proposed is not None
        assert kept.flags == (DraftFlag.VERBATIM, DraftFlag.SOURCE_CHANGED)
        with pytest.raises(ApprovalBlockedError):
            facade.approve(draft.id, by="alice")


# --- errors -------------------------------------------------------------------------------


def test_an_unknown_draft_id_is_not_found(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'curator.db'}"
    with open_facade(tmp_path, database_url, [], clock=Clock(T0)) as facade:
        calls: dict[str, Callable[[], object]] = {
            "get_draft": lambda: facade.get_draft(999),
            "draft_markdown": lambda: facade.draft_markdown(999),
            "draft_history": lambda: facade.draft_history(999),
            "approve": lambda: facade.approve(999, by="a"),
            "reject": lambda: facade.reject(999, by="a"),
            "reopen": lambda: facade.reopen(999, by="a"),
            "accept_proposed": lambda: facade.accept_proposed(999, by="a"),
            "edit_draft": lambda: facade.edit_draft(
                999,
                "---\nversion: 1\nheadline: H\n---\n## Summary\n\nS.\n## Attribution\n## Excerpt\n",
                by="a",
            ),
        }
        for name, call in calls.items():
            with pytest.raises(NotFoundError) as caught:
                call()
            assert caught.value.message == "no draft with id 999", name
        with pytest.raises(NotFoundError) as source:
            facade.list_drafts(source_ids=["nope"])
        assert source.value.message == "no source with id 'nope'"


def test_editing_a_credited_draft_lists_only_the_fields_the_reviewer_changed(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(T0)
    with FeedServer() as server:
        visits_site(server)
        server.routes.update(
            {
                "/courier.xml": feed(server, "courier", Item("c-1", "F", "/courier/visits.html")),
                "/courier/visits.html": page("depot-visits-courier.html"),
            }
        )
        sources = [
            ledger_source(server),
            {"id": "courier", "url": server.url("/courier.xml"), "outlet": "The Courier"},
        ]
        with open_facade(tmp_path, database_url, sources, clock=clock) as facade:
            facade.fetch(["ledger"])
            facade.fetch(["courier"])
            (draft,) = facade.list_drafts()
            credit = Credit(outlet="The Courier", url=COURIER_URL)
            assert facade.get_draft(draft.id).content.also_reported_by == (credit,)
            markdown = facade.draft_markdown(draft.id)
            edited = facade.edit_draft(
                draft.id,
                markdown.replace(f"headline: {HEADLINE}\n", "headline: Held at Calder Bay\n"),
                by="dan",
            )
            assert edited.content.also_reported_by == (credit,)
            assert fields(facade.draft_history(draft.id)[-1]) == ("headline",)
            with pytest.raises(DraftError) as nothing:
                facade.edit_draft(draft.id, facade.draft_markdown(draft.id), by="dan")
            assert nothing.value.message == f"draft {draft.id}: the edit changes nothing"
