"""The draft queue's full-text search and the read models' indexes (#12).

Search covers a draft's headline, summary and quotes (their words and speakers), and
is the database's work, kept up to date in the transaction that writes the draft:

- SQLite: an FTS5 table ``drafts_search`` (rowid = draft id) filled by triggers on
  ``drafts``. A later migration that makes SQLite rebuild ``drafts`` (a batch
  ``alter_column``/``drop_column``) drops these triggers with the old table and must
  create them again (``tests/test_read_models.py`` searches at head and would fail).
- PostgreSQL: a GIN index on ``to_tsvector('simple', <the same text>)``; the queue's
  query repeats the expression (``curator.store._reading.PG_SEARCH_DOCUMENT``).

Neither is in ``tables.metadata`` (``tables.is_search_object`` tells autogenerate and
the schema test to leave them be). Also indexes for the read models' joins: drafts by
article (quotes → drafts) and quotes by speaker (a speaker's quotes).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the code that reads the index does.
_PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig,"
    " coalesce((content ->> 'headline'), '') || ' ' ||"
    " coalesce((content ->> 'summary'), '') || ' ' ||"
    " coalesce(jsonb_path_query_array((content)::jsonb, '$.quotes[*].text')::text, '') || ' ' ||"
    " coalesce(jsonb_path_query_array((content)::jsonb, '$.quotes[*].speaker')::text, ''))"
)

_SQLITE_ROW = """
    SELECT NEW.id,
           coalesce(json_extract(NEW.content, '$.headline'), ''),
           coalesce(json_extract(NEW.content, '$.summary'), ''),
           coalesce((SELECT group_concat(coalesce(json_extract(q.value, '$.text'), '') || ' '
                                         || coalesce(json_extract(q.value, '$.speaker'), ''), ' ')
                     FROM json_each(NEW.content, '$.quotes') AS q), '')
"""


def upgrade() -> None:
    op.create_index("ix_drafts_article_id", "drafts", ["article_id"])
    op.create_index("ix_quotes_speaker", "quotes", ["speaker"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_drafts_search ON drafts USING gin ({_PG_DOCUMENT})")
        return
    op.execute(
        "CREATE VIRTUAL TABLE drafts_search USING fts5("
        "headline, summary, quotes, tokenize = 'unicode61 remove_diacritics 2')"
    )
    insert = "INSERT INTO drafts_search (rowid, headline, summary, quotes)" + _SQLITE_ROW
    op.execute(f"CREATE TRIGGER drafts_search_insert AFTER INSERT ON drafts BEGIN {insert}; END")
    op.execute(
        "CREATE TRIGGER drafts_search_update AFTER UPDATE OF content ON drafts BEGIN"
        f" DELETE FROM drafts_search WHERE rowid = OLD.id; {insert}; END"
    )
    op.execute(
        "CREATE TRIGGER drafts_search_delete AFTER DELETE ON drafts BEGIN"
        " DELETE FROM drafts_search WHERE rowid = OLD.id; END"
    )
    # The drafts already there.
    op.execute(
        "INSERT INTO drafts_search (rowid, headline, summary, quotes)"
        + _SQLITE_ROW.replace("NEW.", "drafts.")
        + " FROM drafts"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_drafts_search")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER drafts_search_{trigger}")
        op.execute("DROP TABLE drafts_search")
    op.drop_index("ix_quotes_speaker", "quotes")
    op.drop_index("ix_drafts_article_id", "drafts")
