"""Corrections and forced approvals (#12): drafts.published_content, drafts.override,
publish_ledger.override.

``published_content`` is what the targets show while a correction of a published
draft is reviewed (NULL otherwise); ``override`` is a forced approval (the flags it
overrides, its note, who, when), NULL when there is none. Existing rows get NULL:
a draft published before this revision keeps its page while it is corrected because
the edit copies its content into ``published_content``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("published_content", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("override", sa.JSON(), nullable=True))
    with op.batch_alter_table("publish_ledger") as batch:
        batch.add_column(sa.Column("override", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publish_ledger") as batch:
        batch.drop_column("override")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("override")
        batch.drop_column("published_content")
