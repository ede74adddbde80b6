"""Drafts and review: drafts, draft_sources, draft_events, tombstones, dropped_entries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from curator.store.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=True),
        sa.Column("machine", sa.JSON(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("extraction_version", sa.String(length=64), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("story_url", sa.Text(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_drafts_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_drafts_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_drafts_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_drafts_entry_id")),
    )
    op.create_index(op.f("ix_drafts_story_url"), "drafts", ["story_url"])
    op.create_index(op.f("ix_drafts_created_at"), "drafts", ["created_at"])
    op.create_index(op.f("ix_drafts_state_created_at"), "drafts", ["state", "created_at"])
    op.create_table(
        "draft_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["drafts.id"],
            name=op.f("fk_draft_sources_draft_id_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_draft_sources_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_draft_sources_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_sources")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_draft_sources_entry_id")),
    )
    op.create_index(op.f("ix_draft_sources_draft_id"), "draft_sources", ["draft_id"])
    op.create_table(
        "draft_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["drafts.id"],
            name=op.f("fk_draft_events_draft_id_drafts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_events")),
    )
    op.create_index(op.f("ix_draft_events_draft_id_id"), "draft_events", ["draft_id", "id"])
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("entry_key", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_tombstones_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
    )
    op.create_index(
        op.f("ix_tombstones_source_id_entry_key"), "tombstones", ["source_id", "entry_key"]
    )
    op.create_index(op.f("ix_tombstones_url"), "tombstones", ["url"])
    op.create_table(
        "dropped_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_dropped_entries_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_dropped_entries_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dropped_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_dropped_entries_entry_id")),
    )
    op.create_index(
        op.f("ix_dropped_entries_source_id_at"), "dropped_entries", ["source_id", "at"]
    )


def downgrade() -> None:
    op.drop_table("dropped_entries")
    op.drop_table("tombstones")
    op.drop_table("draft_events")
    op.drop_table("draft_sources")
    op.drop_table("drafts")
