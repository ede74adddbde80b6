"""Review: the draft state machine (pure) and the review use cases.

Imports only curator.model, curator.errors and curator.config. The rules take a
draft plus ``now`` and return the new draft and the event to record; the caller
stores both (``Store.save_draft``).
"""

from __future__ import annotations

from curator.review.rules import BLOCKING_FLAGS as BLOCKING_FLAGS
from curator.review.rules import EDITABLE as EDITABLE
from curator.review.rules import MACHINE as MACHINE
from curator.review.rules import accept_proposed as accept_proposed
from curator.review.rules import approve as approve
from curator.review.rules import check_editable as check_editable
from curator.review.rules import content_changes as content_changes
from curator.review.rules import dismiss_proposed as dismiss_proposed
from curator.review.rules import edit as edit
from curator.review.rules import mark_published as mark_published
from curator.review.rules import override_text as override_text
from curator.review.rules import reject as reject
from curator.review.rules import reopen as reopen
from curator.review.rules import republish as republish
from curator.review.rules import send_back as send_back
from curator.review.rules import source_changed as source_changed
from curator.review.rules import withdraw as withdraw

__all__ = [
    "BLOCKING_FLAGS",
    "EDITABLE",
    "MACHINE",
    "accept_proposed",
    "approve",
    "check_editable",
    "content_changes",
    "dismiss_proposed",
    "edit",
    "mark_published",
    "override_text",
    "reject",
    "reopen",
    "republish",
    "send_back",
    "source_changed",
    "withdraw",
]
