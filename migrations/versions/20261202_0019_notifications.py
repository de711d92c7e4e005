"""notifications: inbox + mail outbox rows, preferences, watches, saved searches, jobs (match checks, fan-outs)

Revision ID: 0019_notifications
Revises: 0016_audit_log
Create Date: 2026-12-02 12:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_notifications'
down_revision = '0016_audit_log'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_notifications_user_id_users"),
                  nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_inbox", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.Column("email_status", sa.String(12), nullable=False),
        sa.Column("email_mode", sa.String(12), nullable=False),
        sa.Column("email_to", sa.String(254)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("claimed_by", sa.String(40)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),
    )
    op.create_index("ix_notifications_user_inbox", "notifications", ["user_id", "in_inbox", "read_at"])
    op.create_index("ix_notifications_outbox", "notifications", ["email_status", "next_attempt_at"])
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_notification_preferences_user_id_users"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("inbox", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_notification_preferences"),
    )
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_watches_user_id_users"),
                  nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watches"),
        sa.UniqueConstraint("user_id", "target_type", "target_id", name="uq_watches_user_target"),
    )
    op.create_index("ix_watches_target", "watches", ["target_type", "target_id"])
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_saved_searches_user_id_users"),
                  nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_searches"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    op.create_table(
        "notification_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(40)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_notification_jobs"),
    )


def downgrade() -> None:
    op.drop_table("notification_jobs")
    op.drop_index("ix_saved_searches_user_id", table_name="saved_searches")
    op.drop_table("saved_searches")
    op.drop_index("ix_watches_target", table_name="watches")
    op.drop_table("watches")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_outbox", table_name="notifications")
    op.drop_index("ix_notifications_user_inbox", table_name="notifications")
    op.drop_table("notifications")
