"""auctions: the fingerprint of the request an idempotency key was first used for

A key reused with a different body (another amount, another lot) is refused with 422
`idempotency_key_reused` instead of being answered with the first request's answer; the stored
fingerprint is what the new request is compared with. Earlier answers have none (NULL): they are
replayed as before.

Revision ID: 0011_idempotency_fingerprint
Revises: 0010_timed_window_started
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0011_idempotency_fingerprint'
down_revision = '0010_timed_window_started'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auction_bid_requests") as batch:
        batch.add_column(sa.Column("request_fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auction_bid_requests") as batch:
        batch.drop_column("request_fingerprint")
