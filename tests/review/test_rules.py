"""The review state machine: every transition, every refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

from curator.errors import ApprovalBlockedError
from curator.errors import DraftError
from curator.errors import InvalidTransitionError
from curator.errors import StaleVersionError
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import FieldChange
from curator.model import Override
from curator.review import rules

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)

CONTENT = DraftContent(
    headline="Harbour wall to be rebuilt",
    summary="The council approved the plan.",
    attribution="Maria Ortiz told The Ledger that “it will hold”",
    excerpt="“It will hold,” she said.",
    quotes=(DraftQuote(text="It will hold", speaker="Maria Ortiz", cue="said"),),
    source_url="https://ledger.example/harbour",
    outlet="The Ledger",
    published_at=T0,
    tags=("harbour",),
)


def make_draft(
    state: DraftState = DraftState.NEW,
    *,
    flags: tuple[DraftFlag, ...] = (),
    edited: bool = False,
    proposed: DraftContent | None = None,
    version: int = 3,
) -> Draft:
    return Draft(
        id=12,
        state=state,
        version=version,
        content=CONTENT,
        flags=flags,
        source_id="ledger",
        entry_id=5,
        article_id=7,
        extraction_version="a1+q1",
        edited=edited,
        proposed=proposed,
        created_at=T0,
        updated_at=T0,
    )


def _common(old: Draft, new: Draft, event: DraftEvent, action: str, by: str = "ana") -> None:
    assert new.version == old.version + 1
    assert new.updated_at == NOW
    assert new.created_at == old.created_at
    assert (new.id, new.source_id, new.entry_id, new.article_id) == (12, "ledger", 5, 7)
    assert event.draft_id == 12
    assert event.version == new.version
    assert event.at == NOW
    assert event.by == by
    assert event.action == action


# -- simple transitions ------------------------------------------------------------

TRANSITIONS: list[tuple[Any, DraftState, DraftState, str]] = [
    (rules.approve, DraftState.NEW, DraftState.APPROVED, "approved"),
    (rules.reject, DraftState.NEW, DraftState.REJECTED, "rejected"),
    (rules.reopen, DraftState.REJECTED, DraftState.NEW, "reopened"),
    (rules.mark_published, DraftState.APPROVED, DraftState.PUBLISHED, "published"),
]


@pytest.mark.parametrize(("rule", "before", "after", "action"), TRANSITIONS)
def test_transition(rule: Any, before: DraftState, after: DraftState, action: str) -> None:
    draft = make_draft(before)
    new, event = rule(draft, by="ana", now=NOW, expected_version=3, note="  looks right ")
    _common(draft, new, event, action)
    assert new.state is after
    assert new.content == draft.content
    assert new.flags == draft.flags
    assert event.changes == (FieldChange(field="state", old=before.value, new=after.value),)
    assert event.note == "looks right"


@pytest.mark.parametrize(("rule", "before", "after", "action"), TRANSITIONS)
def test_transition_refused_in_other_states(
    rule: Any, before: DraftState, after: DraftState, action: str
) -> None:
    for state in DraftState:
        if state is before:
            continue
        with pytest.raises(InvalidTransitionError, match="^draft 12 is ") as info:
            rule(make_draft(state), by="ana", now=NOW, expected_version=3)
        assert info.value.draft_id == 12


@pytest.mark.parametrize(("rule", "before", "after", "action"), TRANSITIONS)
def test_transition_refuses_a_stale_version(
    rule: Any, before: DraftState, after: DraftState, action: str
) -> None:
    with pytest.raises(StaleVersionError, match="draft 12 was changed by someone else") as info:
        rule(make_draft(before), by="ana", now=NOW, expected_version=2)
    assert info.value.draft_id == 12


def test_approving_twice_says_already_approved() -> None:
    approved, _ = rules.approve(make_draft(), by="ana", now=NOW, expected_version=3)
    with pytest.raises(InvalidTransitionError, match="^draft 12 is already approved$"):
        rules.approve(approved, by="ben", now=NOW, expected_version=4)
    # ... even when based on the version before the approval
    with pytest.raises(InvalidTransitionError, match="^draft 12 is already approved$"):
        rules.approve(approved, by="ben", now=NOW, expected_version=3)


@pytest.mark.parametrize(
    ("rule", "state", "message"),
    [
        (rules.approve, DraftState.REJECTED, "draft 12 is rejected; reopen it first"),
        (rules.approve, DraftState.PUBLISHED, "draft 12 is published; only new drafts can be"),
        (rules.reject, DraftState.REJECTED, "draft 12 is already rejected"),
        (rules.reopen, DraftState.NEW, "draft 12 is new; only rejected drafts can be reopened"),
        (rules.mark_published, DraftState.NEW, "draft 12 is new; only approved drafts can be"),
        (rules.mark_published, DraftState.PUBLISHED, "draft 12 is already published"),
    ],
)
def test_refusal_messages(rule: Any, state: DraftState, message: str) -> None:
    with pytest.raises(InvalidTransitionError, match=f"^{message}"):
        rule(make_draft(state), by="ana", now=NOW, expected_version=3)


def test_naive_now_and_anonymous_changes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        rules.approve(make_draft(), by="ana", now=datetime(2026, 1, 1), expected_version=3)
    with pytest.raises(ValueError, match="who made it"):
        rules.approve(make_draft(), by=" ", now=NOW, expected_version=3)


# -- flagged approval ---------------------------------------------------------------


@pytest.mark.parametrize("flag", [DraftFlag.VERBATIM, DraftFlag.BUDGET])
def test_flagged_draft_needs_force(flag: DraftFlag) -> None:
    draft = make_draft(flags=(flag,))
    with pytest.raises(ApprovalBlockedError, match=f"flagged \\({flag.value}\\).*--force") as info:
        rules.approve(draft, by="ana", now=NOW, expected_version=3, note="fine")
    assert info.value.draft_id == 12


@pytest.mark.parametrize("note", [None, "", "   "])
def test_force_needs_a_note(note: str | None) -> None:
    draft = make_draft(flags=(DraftFlag.VERBATIM, DraftFlag.BUDGET))
    with pytest.raises(ApprovalBlockedError, match=r"\(verbatim, budget\): --force needs a note"):
        rules.approve(draft, by="ana", now=NOW, expected_version=3, force=True, note=note)


def test_force_with_a_note_approves_a_flagged_draft() -> None:
    draft = make_draft(flags=(DraftFlag.VERBATIM,))
    new, event = rules.approve(
        draft, by="ana", now=NOW, expected_version=3, force=True, note="typo fixed in source"
    )
    assert new.state is DraftState.APPROVED
    assert new.flags == (DraftFlag.VERBATIM,)
    assert event.note == "typo fixed in source"
    assert new.override == Override(
        flags=(DraftFlag.VERBATIM,), note="typo fixed in source", by="ana", at=NOW
    )
    assert event.changes[-1] == FieldChange(
        field="override", old=None, new="verbatim — typo fixed in source (by ana)"
    )


@pytest.mark.parametrize("flag", [DraftFlag.NO_QUOTES, DraftFlag.SOURCE_CHANGED])
def test_other_flags_do_not_block(flag: DraftFlag) -> None:
    new, _ = rules.approve(make_draft(flags=(flag,)), by="ana", now=NOW, expected_version=3)
    assert new.state is DraftState.APPROVED


def test_stale_version_is_checked_before_flags() -> None:
    with pytest.raises(StaleVersionError):
        rules.approve(make_draft(flags=(DraftFlag.BUDGET,)), by="a", now=NOW, expected_version=1)


# -- edits ----------------------------------------------------------------------------


def test_content_changes_name_the_fields_in_reading_order() -> None:
    new = replace(CONTENT, summary="x", headline="y", tags=())
    assert [c.field for c in rules.content_changes(CONTENT, new)] == [
        "headline",
        "summary",
        "tags",
    ]
    assert rules.content_changes(CONTENT, CONTENT) == ()
    same_instant = replace(CONTENT, published_at=T0.astimezone(timezone(timedelta(hours=2))))
    assert rules.content_changes(CONTENT, same_instant) == ()


@pytest.mark.parametrize("state", [DraftState.NEW, DraftState.APPROVED])
def test_edit_records_changes_and_needs_approval_again(state: DraftState) -> None:
    draft = make_draft(state, flags=(DraftFlag.NO_QUOTES,))
    content = replace(
        CONTENT,
        headline="Harbour wall: rebuild approved",
        quotes=(),
        also_reported_by=(Credit(outlet="Gazette", url="https://gazette.example/1"),),
    )
    new, event = rules.edit(
        draft,
        content,
        flags=[DraftFlag.BUDGET, DraftFlag.VERBATIM, DraftFlag.BUDGET],
        by="ana",
        now=NOW,
        expected_version=3,
        note="shorter",
    )
    _common(draft, new, event, "edited")
    assert new.state is DraftState.NEW
    assert new.content == content
    assert new.edited is True
    assert new.flags == (DraftFlag.VERBATIM, DraftFlag.BUDGET)  # model order, no repeats
    state_change = (
        [FieldChange(field="state", old="approved", new="new")]
        if state is DraftState.APPROVED
        else []
    )
    assert list(event.changes) == [
        *state_change,
        FieldChange(
            field="headline",
            old="Harbour wall to be rebuilt",
            new="Harbour wall: rebuild approved",
        ),
        FieldChange(field="quote 1", old="“It will hold” — Maria Ortiz (said)", new=None),
        FieldChange(field="also_reported_by", old="", new="Gazette https://gazette.example/1"),
    ]
    assert event.note == "shorter"


def test_edit_refused_when_rejected() -> None:
    with pytest.raises(InvalidTransitionError, match="^draft 12 is rejected; reopen it first$"):
        rules.edit(
            make_draft(DraftState.REJECTED),
            replace(CONTENT, headline="x"),
            flags=(),
            by="ana",
            now=NOW,
            expected_version=3,
        )


def test_edit_refuses_a_stale_version() -> None:
    with pytest.raises(StaleVersionError):
        rules.edit(
            make_draft(),
            replace(CONTENT, headline="x"),
            flags=(),
            by="ana",
            now=NOW,
            expected_version=4,
        )


def test_edit_that_changes_nothing_is_refused() -> None:
    with pytest.raises(DraftError, match="draft 12: the edit changes nothing"):
        rules.edit(make_draft(), CONTENT, flags=(), by="ana", now=NOW, expected_version=3)


def test_edit_keeps_a_pending_proposal() -> None:
    proposed = replace(CONTENT, summary="machine")
    draft = make_draft(edited=True, proposed=proposed, flags=(DraftFlag.SOURCE_CHANGED,))
    new, _ = rules.edit(
        draft, replace(CONTENT, headline="x"), flags=(), by="ana", now=NOW, expected_version=3
    )
    assert new.proposed == proposed
    assert new.flags == (DraftFlag.SOURCE_CHANGED,)


# -- source changed -------------------------------------------------------------------

MACHINE_CONTENT = replace(CONTENT, summary="The council approved the plan on Monday.")


def test_source_changed_keeps_a_human_edit() -> None:
    draft = make_draft(DraftState.APPROVED, edited=True, flags=(DraftFlag.NO_QUOTES,))
    new, event = rules.source_changed(draft, MACHINE_CONTENT, flags=(DraftFlag.VERBATIM,), now=NOW)
    _common(draft, new, event, "source_changed", by=rules.MACHINE)
    assert new.content == CONTENT
    assert new.proposed == MACHINE_CONTENT
    assert new.state is DraftState.APPROVED
    assert new.edited is True
    assert new.flags == (DraftFlag.VERBATIM, DraftFlag.SOURCE_CHANGED)
    assert event.changes == (
        FieldChange(field="summary", old=CONTENT.summary, new=MACHINE_CONTENT.summary),
    )
    assert event.note is not None and "proposed" in event.note


def test_source_changed_replaces_an_unedited_new_draft() -> None:
    draft = make_draft(flags=(DraftFlag.NO_QUOTES,))
    new, event = rules.source_changed(
        draft, MACHINE_CONTENT, flags=(), now=NOW, extraction_version="a2+q1"
    )
    _common(draft, new, event, "source_changed", by=rules.MACHINE)
    assert new.content == MACHINE_CONTENT
    assert new.proposed is None
    assert new.state is DraftState.NEW
    assert new.edited is False
    assert new.flags == ()
    assert new.extraction_version == "a2+q1"
    assert [c.field for c in event.changes] == ["summary"]


def test_source_changed_sends_an_unedited_approved_draft_back_to_new() -> None:
    draft = make_draft(DraftState.APPROVED)
    new, event = rules.source_changed(draft, MACHINE_CONTENT, flags=(), now=NOW)
    assert new.content == MACHINE_CONTENT
    assert new.state is DraftState.NEW
    assert new.extraction_version == "a1+q1"
    assert event.note is not None and "approving again" in event.note


@pytest.mark.parametrize("state", [DraftState.PUBLISHED, DraftState.REJECTED, DraftState.WITHDRAWN])
def test_source_changed_never_touches_published_or_rejected_content(state: DraftState) -> None:
    new, _ = rules.source_changed(make_draft(state), MACHINE_CONTENT, flags=(), now=NOW)
    assert (new.state, new.content, new.proposed) == (state, CONTENT, MACHINE_CONTENT)
    assert DraftFlag.SOURCE_CHANGED in new.flags


def test_source_changed_to_the_same_content_proposes_nothing() -> None:
    draft = make_draft(edited=True, proposed=MACHINE_CONTENT, flags=(DraftFlag.SOURCE_CHANGED,))
    new, event = rules.source_changed(draft, CONTENT, flags=(), now=NOW)
    assert new.proposed is None
    assert new.flags == ()
    assert event.changes == ()


# -- proposals --------------------------------------------------------------------------


def _proposing(state: DraftState = DraftState.NEW) -> Draft:
    draft = make_draft(state, edited=True)
    new, _ = rules.source_changed(draft, MACHINE_CONTENT, flags=(DraftFlag.NO_QUOTES,), now=T0)
    return new


@pytest.mark.parametrize("state", [DraftState.NEW, DraftState.APPROVED])
def test_accept_proposed_takes_the_machine_version(state: DraftState) -> None:
    draft = _proposing(state)
    new, event = rules.accept_proposed(draft, by="ana", now=NOW, expected_version=4)
    _common(draft, new, event, "accepted_proposed")
    assert new.content == MACHINE_CONTENT
    assert new.proposed is None
    assert new.edited is False
    assert new.state is DraftState.NEW
    assert new.flags == (DraftFlag.NO_QUOTES,)
    assert [c.field for c in event.changes if c.field != "state"] == ["summary"]


def test_accept_proposed_with_recomputed_flags() -> None:
    new, _ = rules.accept_proposed(
        _proposing(), by="ana", now=NOW, expected_version=4, flags=(DraftFlag.BUDGET,)
    )
    assert new.flags == (DraftFlag.BUDGET,)


def test_accept_proposed_refusals() -> None:
    with pytest.raises(InvalidTransitionError, match="draft 12 has no proposed version"):
        rules.accept_proposed(make_draft(), by="ana", now=NOW, expected_version=3)
    with pytest.raises(StaleVersionError):
        rules.accept_proposed(_proposing(), by="ana", now=NOW, expected_version=3)
    with pytest.raises(InvalidTransitionError, match="draft 12 is rejected"):
        rules.accept_proposed(
            _proposing(DraftState.REJECTED), by="ana", now=NOW, expected_version=4
        )


def test_dismiss_proposed_keeps_the_human_edit() -> None:
    draft = _proposing(DraftState.APPROVED)
    new, event = rules.dismiss_proposed(draft, by="ana", now=NOW, expected_version=4)
    _common(draft, new, event, "dismissed_proposed")
    assert (new.content, new.proposed, new.edited) == (CONTENT, None, True)
    assert new.state is DraftState.APPROVED
    assert new.flags == (DraftFlag.NO_QUOTES,)
    with pytest.raises(InvalidTransitionError, match="no proposed version to dismiss"):
        rules.dismiss_proposed(new, by="ana", now=NOW, expected_version=5)


# -- a whole review ------------------------------------------------------------------


def test_a_review_from_new_to_published() -> None:
    draft = make_draft(version=1)
    steps: list[DraftEvent] = []
    draft, event = rules.approve(draft, by="ana", now=NOW, expected_version=1)
    steps.append(event)
    draft, event = rules.edit(
        draft, replace(CONTENT, excerpt="e"), flags=(), by="ben", now=NOW, expected_version=2
    )
    steps.append(event)
    assert draft.state is DraftState.NEW  # the edit needs approving again
    draft, event = rules.approve(draft, by="ana", now=NOW, expected_version=3)
    steps.append(event)
    draft, event = rules.mark_published(draft, by="publisher", now=NOW, expected_version=4)
    steps.append(event)
    assert draft.state is DraftState.PUBLISHED
    assert draft.version == 5
    assert [(e.action, e.version) for e in steps] == [
        ("approved", 2),
        ("edited", 3),
        ("approved", 4),
        ("published", 5),
    ]
