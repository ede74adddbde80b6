"""The review state machine: pure rules on drafts (values in, values out, no I/O).

States::

    new ──approve──▶ approved ──mark_published──▶ published ──withdraw──▶ withdrawn
     │  ◀──edit / source_changed / accept_proposed──┘    ◀──republish (→ approved)──┘
     │  ◀──send_back (the publish check failed)──┘
     └──reject──▶ rejected ──reopen──▶ new

A published (or withdrawn) draft can be edited: it goes back to new as a
*correction*; ``published_content`` keeps what the targets show until the
correction is approved and published (``mark_published`` clears it).

A forced approval (``force`` with a note) of a draft with blocking flags is kept
as ``Draft.override``: the publisher publishes the draft while its blocking flags
are the overridden ones, and sends it back to review when a new one appears.

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
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import FieldChange
from curator.model import Override

MACHINE: Final = "curator"
"""The ``by`` of changes the pipeline makes (source_changed)."""

BLOCKING_FLAGS: Final = frozenset({DraftFlag.VERBATIM, DraftFlag.MISQUOTE, DraftFlag.BUDGET})
"""Flags that block approval unless it is forced with a note."""

_CONTENT_FIELDS: Final = tuple(f.name for f in fields(DraftContent))
EDITABLE: Final = (
    DraftState.NEW,
    DraftState.APPROVED,
    DraftState.PUBLISHED,
    DraftState.WITHDRAWN,
)
"""States whose content a person may change (a published one becomes a correction)."""


def content_changes(old: DraftContent, new: DraftContent) -> tuple[FieldChange, ...]:
    """Every field that differs, old → new as text, in the order a post reads; quotes
    one by one ("quote 2"), an added or removed quote with None on the other side."""
    changes: list[FieldChange] = []
    for name in _CONTENT_FIELDS:
        if name == "quotes":
            for i in range(max(len(old.quotes), len(new.quotes))):
                before = old.quotes[i] if i < len(old.quotes) else None
                after = new.quotes[i] if i < len(new.quotes) else None
                if before != after:
                    changes.append(
                        FieldChange(
                            field=f"quote {i + 1}", old=_quote_text(before), new=_quote_text(after)
                        )
                    )
        elif getattr(old, name) != getattr(new, name):
            changes.append(
                FieldChange(
                    field=name,
                    old=_field_text(name, old),
                    new=_field_text(name, new),
                )
            )
    return tuple(changes)


def _quote_text(quote: DraftQuote | None) -> str | None:
    if quote is None:
        return None
    how = " ".join(part for part in (quote.cue, quote.outlet) if part)
    return f"“{quote.text}” — {quote.speaker or '(speaker unknown)'}" + (f" ({how})" if how else "")


def _field_text(name: str, content: DraftContent) -> str | None:
    if name == "published_at":
        return None if content.published_at is None else content.published_at.isoformat()
    if name == "tags":
        return ", ".join(content.tags)
    if name == "also_reported_by":
        return "\n".join(f"{c.outlet} {c.url}" for c in content.also_reported_by)
    value = getattr(content, name)
    return str(value)


def override_text(override: Override | None) -> str | None:
    """A forced approval in one line: "verbatim, budget — <note> (by <who>)"."""
    if override is None:
        return None
    flags = ", ".join(flag.value for flag in override.flags)
    return f"{flags} — {override.note} (by {override.by})"


def check_editable(draft: Draft) -> None:
    """InvalidTransitionError when a person may not change the draft's content now."""
    if draft.state not in EDITABLE:
        _check(draft, EDITABLE, "edited", draft.version)


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
    ``force`` is given with a non-empty ``note`` saying why; the approval then records
    the override (``Draft.override``), and the draft is published under it.
    """
    _check(draft, (DraftState.NEW,), "approved", expected_version, target=DraftState.APPROVED)
    note = _clean(note)
    override = _override(draft, by=by, now=now, note=note, force=force)
    return _next(
        draft, "approved", by=by, now=now, note=note, state=DraftState.APPROVED, override=override
    )


def republish(
    draft: Draft,
    *,
    by: str,
    now: datetime,
    expected_version: int,
    note: str | None = None,
    force: bool = False,
) -> tuple[Draft, DraftEvent]:
    """withdrawn → approved: the publisher puts it back on every target. Blocking
    flags are refused as in ``approve`` (``force`` with a note overrides them)."""
    _check(draft, (DraftState.WITHDRAWN,), "republished", expected_version)
    note = _clean(note)
    override = _override(draft, by=by, now=now, note=note, force=force)
    return _next(
        draft,
        "republished",
        by=by,
        now=now,
        note=note,
        state=DraftState.APPROVED,
        override=override,
    )


def _override(
    draft: Draft, *, by: str, now: datetime, note: str | None, force: bool
) -> Override | None:
    blocking = tuple(flag for flag in draft.flags if flag in BLOCKING_FLAGS)
    if not blocking:
        return None
    flagged = f"draft {draft.id} is flagged ({', '.join(flag.value for flag in blocking)})"
    if not force:
        raise ApprovalBlockedError(
            f"{flagged}: approving it needs --force and a note saying why", draft_id=draft.id
        )
    if note is None:
        raise ApprovalBlockedError(f"{flagged}: --force needs a note saying why", draft_id=draft.id)
    return Override(flags=blocking, note=note, by=by, at=now)


def reject(
    draft: Draft, *, by: str, now: datetime, expected_version: int, note: str | None = None
) -> tuple[Draft, DraftEvent]:
    """new → rejected. A correction of a published post is not rejected (its post is
    online): edit it again, or withdraw it."""
    _check(draft, (DraftState.NEW,), "rejected", expected_version, target=DraftState.REJECTED)
    if draft.published_content is not None:
        raise InvalidTransitionError(
            f"draft {draft.id} is a correction of a published post: edit it again,"
            f" or take the post down with `curator unpublish {draft.id}`",
            draft_id=draft.id,
        )
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
    """approved → published (by the publisher); a correction is now what is online."""
    _check(
        draft, (DraftState.APPROVED,), "published", expected_version, target=DraftState.PUBLISHED
    )
    if note is None and draft.override is not None:
        note = f"published under a forced approval: {override_text(draft.override)}"
    return _next(
        draft,
        "published",
        by=by,
        now=now,
        note=_clean(note),
        state=DraftState.PUBLISHED,
        published_content=None,
    )


def withdraw(
    draft: Draft,
    *,
    by: str,
    now: datetime,
    expected_version: int,
    note: str | None = None,
    everywhere: bool = True,
) -> tuple[Draft, DraftEvent]:
    """The post was taken down (``unpublish``): → withdrawn, unless it is still online
    on targets not named (``everywhere`` False: the state stays, the event says it)."""
    _check(
        draft,
        (DraftState.NEW, DraftState.APPROVED, DraftState.PUBLISHED),
        "unpublished",
        expected_version,
        target=DraftState.WITHDRAWN,
    )
    if not everywhere:
        return _next(draft, "unpublished", by=by, now=now, note=_clean(note))
    return _next(
        draft,
        "unpublished",
        by=by,
        now=now,
        note=_clean(note),
        state=DraftState.WITHDRAWN,
        published_content=None,
    )


def send_back(
    draft: Draft,
    *,
    flags: Iterable[DraftFlag],
    reason: str,
    now: datetime,
    expected_version: int,
    by: str = MACHINE,
) -> tuple[Draft, DraftEvent]:
    """approved → new: the publisher's check found a blocking flag the approval did
    not override (the article or the settings changed), so a person looks again."""
    _check(draft, (DraftState.APPROVED,), "sent back", expected_version)
    return _next(
        draft,
        "sent_back",
        by=by,
        now=now,
        note=reason,
        state=DraftState.NEW,
        flags=_flags(flags, proposed=draft.proposed),
    )


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
    """A person changes the content: ``edited`` becomes True; the draft goes (back) to new.

    ``flags`` are the flags of ``new_content`` (recomputed by the caller). A published
    draft becomes a correction (its post stays online until the correction is
    approved and published). Rejected drafts cannot be edited (reopen them first).
    An edit that changes nothing is refused (DraftError).
    """
    _check(draft, EDITABLE, "edited", expected_version)
    changes = content_changes(draft.content, new_content)
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
        published_content=_online(draft),
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
    changes = content_changes(draft.content, new_machine_content)
    extra: dict[str, Any] = {}
    if extraction_version is not None:
        extra["extraction_version"] = extraction_version
    kept = (DraftState.PUBLISHED, DraftState.REJECTED, DraftState.WITHDRAWN)
    if draft.edited or draft.state in kept:
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
    _check(draft, EDITABLE, "changed", expected_version)
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
        changes=content_changes(draft.content, draft.proposed),
        state=DraftState.NEW,
        content=draft.proposed,
        proposed=None,
        edited=False,
        flags=_flags(draft.flags if flags is None else flags, proposed=None),
        published_content=_online(draft),
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
        elif draft.state is DraftState.WITHDRAWN:
            message = f"draft {draft.id} is withdrawn; republish it (or edit it) first"
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


def _online(draft: Draft) -> DraftContent | None:
    """What the targets show once the draft goes back to review: a published draft's
    content, or the content an earlier correction kept."""
    return draft.content if draft.state is DraftState.PUBLISHED else draft.published_content


def _next(
    draft: Draft,
    action: str,
    *,
    by: str,
    now: datetime,
    note: str | None,
    changes: tuple[FieldChange, ...] = (),
    **values: Any,
) -> tuple[Draft, DraftEvent]:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime refused (use an aware UTC datetime): now={now!r}")
    if not by.strip():
        raise ValueError("a draft change needs who made it (by)")
    new = replace(draft, version=draft.version + 1, updated_at=now, **values)
    if new.state not in (DraftState.APPROVED, DraftState.PUBLISHED):
        new = replace(new, override=None)  # an override holds for the approval that made it
    if new.state is not draft.state:
        changes = (FieldChange(field="state", old=draft.state.value, new=new.state.value), *changes)
    if new.override != draft.override:
        changes = (
            *changes,
            FieldChange(
                field="override", old=override_text(draft.override), new=override_text(new.override)
            ),
        )
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
