"""An index on sources.next_due_at: the due sources are chosen in SQL (#11).

`Store.due_source_ids` asks for the enabled sources whose next due time has passed,
longest overdue first, with a limit; at 100k sources this reads the index in order
instead of every row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_sources_next_due_at"), "sources", ["next_due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sources_next_due_at"), table_name="sources")
