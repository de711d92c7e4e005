"""Tables and the imperative mapping of the domain classes onto them.

The domain stays plain Python; this module is the only place that knows the
schema. Feature modules (auctions, contracts, imports, search, payments) keep
their tables in their own `orm_*.py` on the same `metadata` and are mapped
from `start_mappers()`.
"""
from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint, false, true)
from sqlalchemy.orm import registry, relationship

from market.domain.accounts import ApiToken, Market, Organisation, User
from market.domain.achievements import Achievement, AchievementHistory, AchievementListing
from market.domain.demands import Demand, DemandHistory

from .types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
mapper_registry = registry(metadata=metadata)

markets = Table(
    "markets", metadata,
    Column("code", String(4), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("province", String(16), nullable=False),
)

organisations = Table(
    "organisations", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("province", String(16), nullable=False),
    Column("city", String(64)),
    Column("credit_code", String(18), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("publicly_funded", Boolean, nullable=False, default=False, server_default=false()),
    # 实名认证 (issue 20): home market, and whether its operators verified the organisation
    Column("market_code", ForeignKey("markets.code")),
    Column("verification_status", String(16), nullable=False, default="verified", server_default="verified"),
    Column("verified_at", UTCDateTime),
    Column("verified_by_id", Integer),     # the operator (users.id; no FK: users already refer here)
    Column("rejection_reason", Text),
    Index("ix_organisations_name_province", "name", "province"),
    Index("ix_organisations_verification", "verification_status", "market_code"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id")),
    Column("market_code", ForeignKey("markets.code")),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_reset_required", Boolean, nullable=False, default=False, server_default=false()),
    Column("org_role", String(16)),          # a member's role inside its organisation (issue 20)
    Column("email_confirmed", Boolean, nullable=False, default=True, server_default=true()),
    Column("phone", String(32)),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

achievements = Table(
    "achievements", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("keywords", JSON, nullable=False, default=list),
    Column("ip_type", String(16), nullable=False),
    Column("application_numbers", JSON, nullable=False, default=list),
    Column("holder_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("field", String(32), nullable=False),
    Column("maturity", String(16)),
    Column("transfer_modes", JSON, nullable=False, default=list),
    Column("price_fen", BigInteger),
    Column("negotiable", Boolean, nullable=False, default=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("province", String(16)),
    Column("city", String(64)),
    Column("district", String(64)),
    Column("status", String(20), nullable=False),
    Column("rejection_reason", Text),
    Column("created_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Index("ix_achievements_status_market", "status", "market_code"),
    Index("ix_achievements_field", "field"),
)

achievement_listings = Table(
    "achievement_listings", metadata,
    Column("id", Integer, primary_key=True),
    Column("achievement_id", ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("external_id", String(64)),
    Column("price_fen", BigInteger),
    Column("negotiable", Boolean, nullable=False, default=True),
    Column("listed_on", Date),
    Column("status", String(16), nullable=False, default="listed"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("market_code", "external_id", name="uq_achievement_listings_market_external"),
)


def _history_table(name: str, owner: str) -> Table:
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        Column(f"{owner}_id", ForeignKey(f"{owner}s.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("at", UTCDateTime, nullable=False),
        Column("actor_id", ForeignKey("users.id")),
        Column("from_status", String(20)),
        Column("to_status", String(20), nullable=False),
        Column("reason", Text),
        Column("detail", JSON),
    )


achievement_history = _history_table("achievement_history", "achievement")

demands = Table(
    "demands", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("enterprise_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("field", String(32)),
    Column("budget_min_fen", BigInteger),
    Column("budget_max_fen", BigInteger),
    Column("deadline", Date),
    Column("cooperation_mode", String(16)),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("external_id", String(64)),
    Column("province", String(16)),
    Column("city", String(64)),
    Column("district", String(64)),
    Column("status", String(20), nullable=False),
    Column("rejection_reason", Text),
    Column("created_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    UniqueConstraint("market_code", "external_id", name="uq_demands_market_external"),
    Index("ix_demands_status_market", "status", "market_code"),
)

demand_history = _history_table("demand_history", "demand")

_mapped = False


def start_mappers() -> None:
    """Map the domain classes once per process (idempotent)."""
    global _mapped
    if _mapped:
        return
    _mapped = True
    mapper_registry.map_imperatively(Market, markets)
    mapper_registry.map_imperatively(Organisation, organisations)
    mapper_registry.map_imperatively(User, users, properties={
        "organisation": relationship(Organisation, lazy="joined"),
    })
    mapper_registry.map_imperatively(ApiToken, api_tokens)
    mapper_registry.map_imperatively(AchievementHistory, achievement_history)
    mapper_registry.map_imperatively(AchievementListing, achievement_listings)
    mapper_registry.map_imperatively(Achievement, achievements, properties={
        "holder": relationship(Organisation, lazy="joined"),
        "history": relationship(AchievementHistory, order_by=achievement_history.c.id,
                                cascade="all, delete-orphan", lazy="select"),
        "listings": relationship(AchievementListing, order_by=achievement_listings.c.id,
                                 cascade="all, delete-orphan", lazy="selectin"),
    })
    mapper_registry.map_imperatively(DemandHistory, demand_history)
    mapper_registry.map_imperatively(Demand, demands, properties={
        "enterprise": relationship(Organisation, lazy="joined"),
        "history": relationship(DemandHistory, order_by=demand_history.c.id,
                                cascade="all, delete-orphan", lazy="select"),
    })
    _map_features()


def _map_features() -> None:
    """Feature modules register their own tables and mappings here."""
    from .orm_contracts import start_contract_mappers; start_contract_mappers()  # noqa: E702
    from .orm_auctions import start_auction_mappers; start_auction_mappers()  # noqa: E702
    from . import orm_payments  # noqa: F401 (its tables; deposits' moves reach it through the message bus)
    from .orm_imports import map_imports; map_imports()  # noqa: E702
    from .orm_search import start_search_mappers; start_search_mappers()  # noqa: E702
    from .orm_deals import start_deal_mappers; start_deal_mappers()  # noqa: E702
    from .orm_audit import start_audit; start_audit()  # noqa: E702
    from . import orm_notifications  # noqa: F401 - its tables join the metadata
    from . import orm_federation  # noqa: F401 - its tables (the change feed, webhooks)
    from .orm_onboarding import start_onboarding_mappers; start_onboarding_mappers()  # noqa: E702
