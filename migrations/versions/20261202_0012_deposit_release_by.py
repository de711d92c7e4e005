"""auctions: a released deposit records the day its money is due back (release_by)

Losers' deposits are released within DEPOSIT_RELEASE_WORKING_DAYS (3) statutory working
days of the close; the day is computed on China's official calendar when the deposit is
released and kept, so a later calendar change does not move a promise already made.
Deposits released before this revision keep NULL (their release happened at once).

Revision ID: 0012_deposit_release_by
Revises: 0011_idempotency_fingerprint
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0012_deposit_release_by'
down_revision = '0011_idempotency_fingerprint'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deposits") as batch:
        batch.add_column(sa.Column("release_by", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deposits") as batch:
        batch.drop_column("release_by")
