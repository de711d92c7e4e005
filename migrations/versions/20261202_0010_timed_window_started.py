"""auctions: when a lot's timed window (限时报价期) began, announced once

`auction_lots.timed_window_started_at` is set, under the lot's row lock, by whichever comes
first once the free period is over: the scheduler's job at `free_period_ends_at` or the first bid
in the timed window. Its `timed_window_started` event is thereby stored exactly once.

Revision ID: 0010_timed_window_started
Revises: 0009_search_outbox_ids
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import market.adapters.types


revision = '0010_timed_window_started'
down_revision = '0009_search_outbox_ids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auction_lots") as batch:
        batch.add_column(sa.Column("timed_window_started_at",
                                   market.adapters.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auction_lots") as batch:
        batch.drop_column("timed_window_started_at")
