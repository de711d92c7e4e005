"""search: outbox ids are never reused on SQLite (AUTOINCREMENT)

An indexer deletes the outbox ids it has applied, and a reindex deletes every id up to
the high-water mark it read. Without AUTOINCREMENT, SQLite gives a new row the largest
rowid + 1, so once the newest rows were deleted a change committed in between could get
an id that was just applied and be deleted unapplied: the index kept the listing's older
state (seen as 1 stale listing in about 4 of 10 runs of four writer processes). The
table is rebuilt with AUTOINCREMENT; its rows are kept. PostgreSQL's sequence never
reuses ids: nothing to do there.

Revision ID: 0009_search_outbox_ids
Revises: 0008_search_filter_lexemes
Create Date: 2026-11-22 05:50:00
"""
from alembic import op


revision = '0009_search_outbox_ids'
down_revision = '0008_search_filter_lexemes'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("search_outbox", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
