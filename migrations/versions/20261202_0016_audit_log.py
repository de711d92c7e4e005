"""audit: the append-only, hash-chained audit_log and its single-row chain head

Revision ID: 0016_audit_log
Revises: 0015_password_reset_required
Create Date: 2026-12-02 09:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_audit_log'
down_revision = '0015_password_reset_required'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("seq", sa.BigInteger(), unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor_role", sa.String(20)),
        sa.Column("market_code", sa.String(4)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("client_address", sa.String(64)),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("hash", sa.String(64)),
    )
    op.create_index("ix_audit_log_entity_seq", "audit_log", ["entity", "seq"])
    op.create_index("ix_audit_log_market_seq", "audit_log", ["market_code", "seq"])
    op.create_index("ix_audit_log_actor_seq", "audit_log", ["actor_id", "seq"])
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(chain, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    op.drop_table("audit_chain")
    op.drop_index("ix_audit_log_actor_seq", "audit_log")
    op.drop_index("ix_audit_log_market_seq", "audit_log")
    op.drop_index("ix_audit_log_entity_seq", "audit_log")
    op.drop_table("audit_log")
