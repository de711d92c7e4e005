"""accounts: users.password_reset_required (an admin's forced reset)

After an admin resets a user's password, the user holds a temporary password that only lets them
choose a new one; this flag says so and is cleared by the change.

Revision ID: 0015_password_reset_required
Revises: 0014_deals
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0015_password_reset_required'
down_revision = '0014_deals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_reset_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_reset_required")
