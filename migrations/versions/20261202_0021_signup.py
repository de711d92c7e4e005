"""accounts: sign-up, organisation verification, members' roles, e-mailed links (issue 20)

Organisations get a home market and a verification status (existing ones stay verified, their
home market is their province's); users get their role inside the organisation (existing members
are its administrators), whether their e-mail is confirmed, and a phone; account_links keeps the
sha256 of every e-mailed link (confirmation, reset, invitation); join_requests the requests to
join an organisation.

Revision ID: 0021_signup
Revises: 0020_federation
Create Date: 2026-12-02 12:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_signup'
down_revision = '0020_federation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("market_code", sa.String(4)))
        batch.add_column(sa.Column("verification_status", sa.String(16), nullable=False,
                                   server_default="verified"))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("verified_by_id", sa.Integer()))
        batch.add_column(sa.Column("rejection_reason", sa.Text()))
        batch.create_foreign_key("fk_organisations_market_code_markets", "markets", ["market_code"], ["code"])
        batch.create_index("ix_organisations_verification", ["verification_status", "market_code"])
    op.execute("UPDATE organisations SET market_code = "
               "(SELECT code FROM markets WHERE markets.province = organisations.province)")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("org_role", sa.String(16)))
        batch.add_column(sa.Column("email_confirmed", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("phone", sa.String(32)))
    op.execute("UPDATE users SET org_role = 'administrator' WHERE role = 'member'")
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_account_links_user_id_users")),
        sa.Column("organisation_id", sa.Integer(),
                  sa.ForeignKey("organisations.id", name="fk_account_links_organisation_id_organisations")),
        sa.Column("org_role", sa.String(16)),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_account_links_created_by_id_users")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_account_links"),
        sa.UniqueConstraint("token_hash", name="uq_account_links_token_hash"),
    )
    op.create_index("ix_account_links_email_purpose", "account_links", ["email", "purpose"])
    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(),
                  sa.ForeignKey("organisations.id", name="fk_join_requests_organisation_id_organisations"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_join_requests_user_id_users"),
                  nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_join_requests_decided_by_id_users")),
        sa.Column("reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_join_requests"),
    )
    op.create_index("ix_join_requests_organisation_id", "join_requests", ["organisation_id"])
    op.create_index("ix_join_requests_user_id", "join_requests", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_join_requests_user_id", "join_requests")
    op.drop_index("ix_join_requests_organisation_id", "join_requests")
    op.drop_table("join_requests")
    op.drop_index("ix_account_links_email_purpose", "account_links")
    op.drop_table("account_links")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
        batch.drop_column("email_confirmed")
        batch.drop_column("org_role")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_index("ix_organisations_verification")
        batch.drop_constraint("fk_organisations_market_code_markets", type_="foreignkey")
        batch.drop_column("rejection_reason")
        batch.drop_column("verified_by_id")
        batch.drop_column("verified_at")
        batch.drop_column("verification_status")
        batch.drop_column("market_code")
