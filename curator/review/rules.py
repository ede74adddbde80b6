"""The review state machine: pure rules on drafts (values in, values out, no I/O).

States::

    new ──approve──▶ approved ──mark_published──▶ published
     │  ◀──edit / source_changed / accept_proposed──┘
     └──reject──▶ rejected ──reopen──▶ new

Every rule takes the draft as the caller loaded it and returns the new draft
(``version + 1``, ``updated_at = now``) with the event to record; the caller
stores both with ``Store.save_draft(draft, event, expected_version=...)``, which
refuses the change if someone else saved the draft meanwhile.

Rules that a person triggers take ``expected_version``: the version the person
saw. A refused transition is checked first (approving twice says "already
approved", whatever the version), then the version, then the flags.

Invariant kept by every rule: a draft has ``DraftFlag.SOURCE_CHANGED`` exactly
when it has a ``proposed`` content. Callers pass the other flags, recomputed
for the draft's resulting content.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import fields
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import Final

from curator.errors import ApprovalBlockedError
from curator.errors import DraftError
from curator.errors import InvalidTransitionError
from curator.errors import StaleVersionError
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftEvent
from curator.model import DraftFlag
from curator.model import DraftState

MACHINE: Final = "curator"
"""The ``by`` of changes the pipeline makes (source_changed)."""

BLOCKING_FLAGS: Final = frozenset({DraftFlag.VERBATIM, DraftFlag.MISQUOTE, DraftFlag.BUDGET})
"""Flags that block approval unless it is forced with a note."""

_CONTENT_FIELDS: Final = tuple(f.name for f in fields(DraftContent))
_EDITABLE: Final = (DraftState.NEW, DraftState.APPROVED)


def changed_fields(old: DraftContent, new: DraftContent) -> tuple[str, ...]:
    """The names of the DraftContent fields that differ, sorted."""
    return tuple(
        sorted(name for name in _CONTENT_FIELDS if getattr(old, name) != getattr(new, name))
    )


# -- transitions -------------------------------------------------------------------


def approve(
    draft: Draft,
    *,
    by: str,
    now: datetime,
    expected_version: int,
    note: str | None = None,
    force: bool = False,
) -> tuple[Draft, DraftEvent]:
    """new → approved.

    A draft flagged VERBATIM, MISQUOTE or BUDGET is refused (ApprovalBlockedError) unless
    ``force`` is given with a non-empty ``note`` saying why.
    """
    _check(draft, (DraftState.NEW,), "approved", expected_version, target=DraftState.APPROVED)
    note = _clean(note)
    blocking = [flag.value for flag in draft.flags if flag in BLOCKING_FLAGS]
    if blocking:
        flagged = f"draft {draft.id} is flagged ({', '.join(blocking)})"
        if not force:
            raise ApprovalBlockedError(
                f"{flagged}: approving it needs --force and a note saying why",
                draft_id=draft.id,
            )
        if note is None:
            raise ApprovalBlockedError(
                f"{flagged}: --force needs a note saying why", draft_id=draft.id
            )
    return _next(draft, "approved", by=by, now=now, note=note, state=DraftState.APPROVED)


def reject(
    draft: Draft, *, by: str, now: datetime, expected_version: int, note: str | None = None
) -> tuple[Draft, DraftEvent]:
    """new → rejected."""
    _check(draft, (DraftState.NEW,), "rejected", expected_version, target=DraftState.REJECTED)
    return _next(draft, "rejected", by=by, now=now, note=_clean(note), state=DraftState.REJECTED)


def reopen(
    draft: Draft, *, by: str, now: datetime, expected_version: int, note: str | None = None
) -> tuple[Draft, DraftEvent]:
    """rejected → new (the only way out of rejected)."""
    _check(draft, (DraftState.REJECTED,), "reopened", expected_version)
    return _next(draft, "reopened", by=by, now=now, note=_clean(note), state=DraftState.NEW)


def mark_published(
    draft: Draft, *, by: str, now: datetime, expected_version: int, note: str | None = None
) -> tuple[Draft, DraftEvent]:
    """approved → published (by the publisher)."""
    _check(
        draft, (DraftState.APPROVED,), "published", expected_version, target=DraftState.PUBLISHED
    )
    return _next(draft, "published", by=by, now=now, note=_clean(note), state=DraftState.PUBLISHED)


def edit(
    draft: Draft,
    new_content: DraftContent,
    *,
    flags: Iterable[DraftFlag],
    by: str,
    now: datetime,
    expected_version: int,
    note: str | None = None,
) -> tuple[Draft, DraftEvent]:
    """A person changes the content: ``edited`` becomes True; approved → new.

    ``flags`` are the flags of ``new_content`` (recomputed by the caller).
    Published and rejected drafts cannot be edited (reopen a rejected one first).
    An edit that changes nothing is refused (DraftError).
    """
    _check(draft, _EDITABLE, "edited", expected_version)
    changes = changed_fields(draft.content, new_content)
    if not changes:
        raise DraftError(f"draft {draft.id}: the edit changes nothing", draft_id=draft.id)
    return _next(
        draft,
        "edited",
        by=by,
        now=now,
        note=_clean(note),
        changes=changes,
        state=DraftState.NEW,
        content=new_content,
        edited=True,
        flags=_flags(flags, proposed=draft.proposed),
    )


def source_changed(
    draft: Draft,
    new_machine_content: DraftContent,
    *,
    flags: Iterable[DraftFlag],
    now: datetime,
    by: str = MACHINE,
    extraction_version: str | None = None,
) -> tuple[Draft, DraftEvent]:
    """The article changed and the machine made new content for the draft.

    Human edits are never overwritten: when the draft was edited (or is already
    published or rejected), its content is kept, ``new_machine_content`` becomes
    ``proposed`` and the draft is flagged SOURCE_CHANGED. Otherwise the content
    is replaced, and an approved draft goes back to new.

    ``flags`` are the flags of the draft's resulting content: the kept content
    when it is kept (checked against the new article), else the new one.
    ``changes`` lists the fields in which the new machine content differs from
    the draft's current content. No ``expected_version``: the machine works on
    the draft it just loaded, and ``Store.save_draft`` guards the write.
    """
    changes = changed_fields(draft.content, new_machine_content)
    extra: dict[str, Any] = {}
    if extraction_version is not None:
        extra["extraction_version"] = extraction_version
    if draft.edited or draft.state in (DraftState.PUBLISHED, DraftState.REJECTED):
        proposed = new_machine_content if changes else None
        why = "edited by a person" if draft.edited else draft.state.value
        return _next(
            draft,
            "source_changed",
            by=by,
            now=now,
            note=f"content kept ({why}); the new version is proposed" if proposed else None,
            changes=changes,
            proposed=proposed,
            machine=new_machine_content,
            flags=_flags(flags, proposed=proposed),
            **extra,
        )
    note = None
    if draft.state is DraftState.APPROVED:
        note = "the source changed after approval: it needs approving again"
    return _next(
        draft,
        "source_changed",
        by=by,
        now=now,
        note=note,
        changes=changes,
        state=DraftState.NEW,
        content=new_machine_content,
        proposed=None,
        machine=new_machine_content,
        flags=_flags(flags, proposed=None),
        **extra,
    )


def accept_proposed(
    draft: Draft,
    *,
    by: str,
    now: datetime,
    expected_version: int,
    flags: Iterable[DraftFlag] | None = None,
    note: str | None = None,
) -> tuple[Draft, DraftEvent]:
    """Take the proposed (new machine) content, dropping the human edit.

    Clears ``proposed`` and SOURCE_CHANGED; ``edited`` becomes False (the
    content is the machine's again); approved → new. ``flags`` are the flags of
    the proposed content; when None, the draft's other flags are kept.
    """
    _check(draft, _EDITABLE, "changed", expected_version)
    if draft.proposed is None:
        raise InvalidTransitionError(
            f"draft {draft.id} has no proposed version to accept", draft_id=draft.id
        )
    return _next(
        draft,
        "accepted_proposed",
        by=by,
        now=now,
        note=_clean(note),
        changes=changed_fields(draft.content, draft.proposed),
        state=DraftState.NEW,
        content=draft.proposed,
        proposed=None,
        edited=False,
        flags=_flags(draft.flags if flags is None else flags, proposed=None),
    )


def dismiss_proposed(
    draft: Draft, *, by: str, now: datetime, expected_version: int, note: str | None = None
) -> tuple[Draft, DraftEvent]:
    """Keep the current content and drop the proposed version (clears SOURCE_CHANGED)."""
    _check(draft, tuple(DraftState), "changed", expected_version)
    if draft.proposed is None:
        raise InvalidTransitionError(
            f"draft {draft.id} has no proposed version to dismiss", draft_id=draft.id
        )
    return _next(
        draft,
        "dismissed_proposed",
        by=by,
        now=now,
        note=_clean(note),
        proposed=None,
        flags=_flags(draft.flags, proposed=None),
    )


# -- helpers -----------------------------------------------------------------------


def _check(
    draft: Draft,
    allowed: Collection[DraftState],
    past: str,
    expected_version: int,
    *,
    target: DraftState | None = None,
) -> None:
    """Refuse a transition the state does not allow, then a stale version."""
    if draft.state not in allowed:
        if draft.state is target:
            message = f"draft {draft.id} is already {draft.state.value}"
        elif draft.state is DraftState.REJECTED:
            message = f"draft {draft.id} is rejected; reopen it first"
        else:
            states = " or ".join(state.value for state in allowed)
            message = f"draft {draft.id} is {draft.state.value}; only {states} drafts can be {past}"
        raise InvalidTransitionError(message, draft_id=draft.id)
    if expected_version != draft.version:
        raise StaleVersionError(
            f"draft {draft.id} was changed by someone else (it is at version {draft.version},"
            f" not {expected_version}); reload it and try again",
            draft_id=draft.id,
        )


def _next(
    draft: Draft,
    action: str,
    *,
    by: str,
    now: datetime,
    note: str | None,
    changes: tuple[str, ...] = (),
    **values: Any,
) -> tuple[Draft, DraftEvent]:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime refused (use an aware UTC datetime): now={now!r}")
    if not by.strip():
        raise ValueError("a draft change needs who made it (by)")
    new = replace(draft, version=draft.version + 1, updated_at=now, **values)
    event = DraftEvent(
        draft_id=draft.id,
        at=now,
        by=by,
        action=action,
        version=new.version,
        changes=changes,
        note=note,
    )
    return new, event


def _flags(flags: Iterable[DraftFlag], *, proposed: DraftContent | None) -> tuple[DraftFlag, ...]:
    """Flags in a stable order, with SOURCE_CHANGED exactly when there is a proposal."""
    given = set(flags)
    return tuple(
        flag
        for flag in DraftFlag
        if (proposed is not None if flag is DraftFlag.SOURCE_CHANGED else flag in given)
    )


def _clean(note: str | None) -> str | None:
    if note is None:
        return None
    return note.strip() or None
