"""One stored page per article URL (#11): articles.url_key unique, no entry_id/source_id.

An entry's article becomes the one whose ``url`` is the entry's link, so entries of
several sources (or an entry whose key changed) that link to one page share it.

Databases made before this revision may hold one page several times (one row per
entry). Of each URL the best copy stays — extracted, then fetched without error, then
the one a draft was made from, then the newest — and the drafts of the other copies
point to it; the other copies and their quotes are deleted. An entry whose link
changed after its page was fetched has no article any more and is fetched again.

The downgrade gives each page back to the first entry that links to it; the other
entries have no article then, and pages no entry links to are deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _url_key(url: str) -> str:
    # As curator.store._articles.url_key (not imported: a migration stays as written).
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _rank(row: Any, drafted: set[int]) -> tuple[bool, bool, bool, Any, int]:
    return (
        bool(row.extracted),
        bool(row.fetched),
        row.id in drafted,
        row.fetched_at,
        row.id,
    )


@contextmanager
def _articles_rebuilt(conn: sa.Connection) -> Iterator[None]:
    """SQLite's batch mode copies articles to a new table and drops the old one: with
    foreign keys on (as the Store runs), that would delete every quote (ON DELETE
    CASCADE) and fail on drafts.article_id. The rows referring to articles are set
    aside in temporary tables meanwhile and put back after."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("CREATE TEMP TABLE quotes_0012 AS SELECT * FROM quotes")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE drafts_0012 AS SELECT id, article_id FROM drafts"
        " WHERE article_id IS NOT NULL"
    )
    conn.exec_driver_sql("DELETE FROM quotes")
    conn.exec_driver_sql("UPDATE drafts SET article_id = NULL WHERE article_id IS NOT NULL")
    yield
    conn.exec_driver_sql("INSERT INTO quotes SELECT * FROM quotes_0012")
    conn.exec_driver_sql(
        "UPDATE drafts SET article_id = (SELECT article_id FROM drafts_0012"
        " WHERE drafts_0012.id = drafts.id) WHERE id IN (SELECT id FROM drafts_0012)"
    )
    conn.exec_driver_sql("DROP TABLE quotes_0012")
    conn.exec_driver_sql("DROP TABLE drafts_0012")


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            # Flags, not the texts: the whole table is read at once.
            "SELECT id, url, text IS NOT NULL AS extracted, fetch_error IS NULL AS fetched,"
            " fetched_at FROM articles ORDER BY url, id"
        )
    ).all()
    drafted = {
        int(row[0])
        for row in conn.execute(
            sa.text("SELECT DISTINCT article_id FROM drafts WHERE article_id IS NOT NULL")
        )
    }
    copies: dict[str, list[Any]] = {}
    for row in rows:
        copies.setdefault(row.url, []).append(row)
    for same_url in copies.values():
        if len(same_url) < 2:
            continue
        keep = max(same_url, key=lambda row: _rank(row, drafted))
        for row in same_url:
            if row.id == keep.id:
                continue
            params = {"keep": keep.id, "drop": row.id}
            conn.execute(
                sa.text("UPDATE drafts SET article_id = :keep WHERE article_id = :drop"), params
            )
            conn.execute(sa.text("DELETE FROM quotes WHERE article_id = :drop"), params)
            conn.execute(sa.text("DELETE FROM articles WHERE id = :drop"), params)

    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("url_key", sa.String(length=64), nullable=True))
    keys = [
        {"key": _url_key(url), "id": article_id}
        for article_id, url in conn.execute(sa.text("SELECT id, url FROM articles"))
    ]
    if keys:
        conn.execute(sa.text("UPDATE articles SET url_key = :key WHERE id = :id"), keys)
    op.drop_index(op.f("ix_articles_source_id_fetched_at"), table_name="articles")
    with _articles_rebuilt(conn), op.batch_alter_table("articles") as batch:
        batch.alter_column("url_key", existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint(op.f("uq_articles_entry_id"), type_="unique")
        batch.drop_constraint(op.f("fk_articles_entry_id_entries"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_articles_source_id_sources"), type_="foreignkey")
        batch.drop_column("entry_id")
        batch.drop_column("source_id")
        batch.create_unique_constraint(op.f("uq_articles_url_key"), ["url_key"])
    op.create_index(op.f("ix_articles_url"), "articles", ["url"], postgresql_using="hash")
    op.create_index(op.f("ix_entries_link"), "entries", ["link"], postgresql_using="hash")


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_index(op.f("ix_entries_link"), table_name="entries")
    op.drop_index(op.f("ix_articles_url"), table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_id", sa.String(length=200), nullable=True))
    conn.execute(
        sa.text(
            "UPDATE articles SET entry_id ="
            " (SELECT MIN(entries.id) FROM entries WHERE entries.link = articles.url)"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE articles SET source_id ="
            " (SELECT entries.source_id FROM entries WHERE entries.id = articles.entry_id)"
        )
    )
    orphans = "SELECT id FROM articles WHERE entry_id IS NULL"
    conn.execute(sa.text(f"UPDATE drafts SET article_id = NULL WHERE article_id IN ({orphans})"))
    conn.execute(sa.text(f"DELETE FROM quotes WHERE article_id IN ({orphans})"))
    conn.execute(sa.text("DELETE FROM articles WHERE entry_id IS NULL"))
    with _articles_rebuilt(conn), op.batch_alter_table("articles") as batch:
        batch.drop_constraint(op.f("uq_articles_url_key"), type_="unique")
        batch.drop_column("url_key")
        batch.alter_column("entry_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("source_id", existing_type=sa.String(length=200), nullable=False)
        batch.create_unique_constraint(op.f("uq_articles_entry_id"), ["entry_id"])
        batch.create_foreign_key(
            op.f("fk_articles_entry_id_entries"), "entries", ["entry_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_articles_source_id_sources"), "sources", ["source_id"], ["id"]
        )
    op.create_index(
        op.f("ix_articles_source_id_fetched_at"), "articles", ["source_id", "fetched_at"]
    )
