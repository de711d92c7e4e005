"""Tables of joining the platform (issue 20): e-mailed links (stored as sha256 only) and requests
to join an organisation."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from market.domain.onboarding import AccountLink, JoinRequest

from .orm import mapper_registry, metadata
from .types import UTCDateTime

account_links = Table(
    "account_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("user_id", ForeignKey("users.id")),
    Column("organisation_id", ForeignKey("organisations.id")),
    Column("org_role", String(16)),
    Column("created_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Index("ix_account_links_email_purpose", "email", "purpose"),
)

join_requests = Table(
    "join_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("message", Text),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by_id", ForeignKey("users.id")),
    Column("reason", Text),
)


def start_onboarding_mappers() -> None:
    mapper_registry.map_imperatively(AccountLink, account_links)
    mapper_registry.map_imperatively(JoinRequest, join_requests)
