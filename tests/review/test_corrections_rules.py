"""The review rules of #12: corrections, withdrawal, republishing, overrides, sending
back, and old → new values in the history."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curator.errors import ApprovalBlockedError
from curator.errors import InvalidTransitionError
from curator.model import Draft
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import FieldChange
from curator.review import rules
from review.test_rules import CONTENT
from review.test_rules import NOW
from review.test_rules import make_draft

CORRECTED = replace(CONTENT, headline="Harbour wall rebuild delayed")


def _correction() -> tuple[Draft, DraftEvent]:
    return rules.edit(
        make_draft(DraftState.PUBLISHED),
        CORRECTED,
        flags=(),
        by="ana",
        now=NOW,
        expected_version=3,
    )


def test_editing_a_published_draft_makes_a_correction() -> None:
    draft, event = _correction()
    assert (draft.state, draft.content, draft.published_content) == (
        DraftState.NEW,
        CORRECTED,
        CONTENT,
    )
    assert event.changes == (
        FieldChange(field="state", old="published", new="new"),
        FieldChange(field="headline", old=CONTENT.headline, new=CORRECTED.headline),
    )
    # Edited again before approval: what is online is still the published content.
    again, _ = rules.edit(
        draft, replace(CORRECTED, summary="x"), flags=(), by="ana", now=NOW, expected_version=4
    )
    assert again.published_content == CONTENT
    # Approved and published: the correction is what is online now.
    approved, _ = rules.approve(again, by="ben", now=NOW, expected_version=5)
    assert approved.published_content == CONTENT
    published, _ = rules.mark_published(approved, by="curator", now=NOW, expected_version=6)
    assert (published.state, published.published_content) == (DraftState.PUBLISHED, None)


def test_a_correction_is_not_rejected() -> None:
    draft, _ = _correction()
    with pytest.raises(InvalidTransitionError, match="is a correction of a published post"):
        rules.reject(draft, by="ana", now=NOW, expected_version=4)


def test_check_editable_refuses_only_rejected_drafts() -> None:
    for state in rules.EDITABLE:
        rules.check_editable(make_draft(state))
    with pytest.raises(InvalidTransitionError, match="^draft 12 is rejected; reopen it first$"):
        rules.check_editable(make_draft(DraftState.REJECTED))


@pytest.mark.parametrize("state", [DraftState.PUBLISHED, DraftState.APPROVED, DraftState.NEW])
def test_withdraw_everywhere(state: DraftState) -> None:
    draft = replace(make_draft(state), published_content=CONTENT)
    new, event = rules.withdraw(draft, by="lee", now=NOW, expected_version=3, note="from site")
    assert (new.state, new.published_content, event.action, event.note) == (
        DraftState.WITHDRAWN,
        None,
        "unpublished",
        "from site",
    )
    assert event.changes[0] == FieldChange(field="state", old=state.value, new="withdrawn")


def test_a_withdrawn_draft_says_how_out() -> None:
    for rule in (rules.approve, rules.reject, rules.mark_published):
        with pytest.raises(
            InvalidTransitionError,
            match="^draft 12 is withdrawn; republish it \\(or edit it\\) first$",
        ):
            rule(make_draft(DraftState.WITHDRAWN), by="ana", now=NOW, expected_version=3)


def test_withdraw_from_some_targets_keeps_the_state() -> None:
    new, event = rules.withdraw(
        make_draft(DraftState.PUBLISHED), by="lee", now=NOW, expected_version=3, everywhere=False
    )
    assert (new.state, event.action, event.changes) == (DraftState.PUBLISHED, "unpublished", ())


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (DraftState.WITHDRAWN, "draft 12 is already withdrawn"),
        (DraftState.REJECTED, "draft 12 is rejected; reopen it first"),
    ],
)
def test_withdraw_refusals(state: DraftState, message: str) -> None:
    with pytest.raises(InvalidTransitionError, match=f"^{message}$"):
        rules.withdraw(make_draft(state), by="lee", now=NOW, expected_version=3)


def test_republish_approves_a_withdrawn_draft_again() -> None:
    new, event = rules.republish(
        make_draft(DraftState.WITHDRAWN), by="lee", now=NOW, expected_version=3
    )
    assert (new.state, event.action) == (DraftState.APPROVED, "republished")
    with pytest.raises(InvalidTransitionError, match="only withdrawn drafts can be republished"):
        rules.republish(make_draft(DraftState.NEW), by="lee", now=NOW, expected_version=3)
    flagged = make_draft(DraftState.WITHDRAWN, flags=(DraftFlag.BUDGET,))
    with pytest.raises(ApprovalBlockedError, match=r"flagged \(budget\)"):
        rules.republish(flagged, by="lee", now=NOW, expected_version=3)
    forced, _ = rules.republish(
        flagged, by="lee", now=NOW, expected_version=3, force=True, note="long interview"
    )
    assert forced.override is not None and forced.override.flags == (DraftFlag.BUDGET,)


def test_an_override_lasts_until_the_draft_leaves_approved_or_published() -> None:
    flagged = make_draft(flags=(DraftFlag.VERBATIM, DraftFlag.NO_QUOTES))
    approved, _ = rules.approve(
        flagged, by="ana", now=NOW, expected_version=3, force=True, note="confirmed"
    )
    assert approved.override is not None
    assert approved.override.flags == (DraftFlag.VERBATIM,)  # what blocked, not every flag
    published, event = rules.mark_published(approved, by="curator", now=NOW, expected_version=4)
    assert published.override == approved.override
    assert event.note == "published under a forced approval: verbatim — confirmed (by ana)"
    edited, event = rules.edit(
        published, CORRECTED, flags=(), by="ana", now=NOW, expected_version=5
    )
    assert edited.override is None
    assert event.changes[-1] == FieldChange(
        field="override", old="verbatim — confirmed (by ana)", new=None
    )


def test_send_back_returns_an_approved_draft_to_review() -> None:
    new, event = rules.send_back(
        make_draft(DraftState.APPROVED),
        flags=(DraftFlag.BUDGET,),
        reason="sent back to review: budget",
        now=NOW,
        expected_version=3,
    )
    assert (new.state, new.flags) == (DraftState.NEW, (DraftFlag.BUDGET,))
    assert (event.by, event.action, event.note) == (
        rules.MACHINE,
        "sent_back",
        "sent back to review: budget",
    )


def test_content_changes_give_old_and_new_text_quote_by_quote() -> None:
    new = replace(
        CONTENT,
        quotes=(
            replace(CONTENT.quotes[0], speaker="Maria Ortiz Vega"),
            DraftQuote(text="We are ready"),
        ),
        tags=("harbour", "council"),
        published_at=None,
    )
    assert rules.content_changes(CONTENT, new) == (
        FieldChange(
            field="quote 1",
            old="“It will hold” — Maria Ortiz (said)",
            new="“It will hold” — Maria Ortiz Vega (said)",
        ),
        FieldChange(field="quote 2", old=None, new="“We are ready” — (speaker unknown)"),
        FieldChange(field="published_at", old="2026-11-25T09:00:00+00:00", new=None),
        FieldChange(field="tags", old="harbour", new="harbour, council"),
    )
    assert rules.content_changes(CONTENT, CONTENT) == ()
