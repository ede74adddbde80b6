"""One draft per story: a unique index on drafts.story_url (URLs only).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Databases made before this revision may hold two drafts of one URL (two processes
curating at once). The later ones keep their content and history; their story_url
gets a "#duplicate-of-<id>" suffix so the index can be built, and they stay visible
to reviewers as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, story_url FROM drafts WHERE story_url <> '' ORDER BY story_url, id")
    ).all()
    first: dict[str, int] = {}
    for draft_id, story_url in rows:
        if story_url in first:
            conn.execute(
                sa.text("UPDATE drafts SET story_url = :url WHERE id = :id"),
                {"url": f"{story_url}#duplicate-of-{first[story_url]}", "id": draft_id},
            )
        else:
            first[story_url] = draft_id
    op.drop_index(op.f("ix_drafts_story_url"), table_name="drafts")
    op.create_index(
        "uq_drafts_story_url",
        "drafts",
        ["story_url"],
        unique=True,
        sqlite_where=sa.text("story_url <> ''"),
        postgresql_where=sa.text("story_url <> ''"),
    )


def downgrade() -> None:
    op.drop_index("uq_drafts_story_url", table_name="drafts")
    op.create_index(op.f("ix_drafts_story_url"), "drafts", ["story_url"])
