"""Deal tables (interest, negotiation, offers, agreements, publicity notices, objections), their
mapping, and the SQLAlchemy repository.

Two guards keep an achievement from being sold twice whatever the interleaving: the services
take the achievement's row lock before it leaves the market (auctions do the same), and a
partial unique index allows one live agreement per achievement. Notices carry a version column,
so opening or ending a period is one conditional UPDATE however many processes try.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String,
                        Table, Text, func, or_, select, text)
from sqlalchemy.orm import Session, relationship

from market.domain.deals import LIVE_AGREEMENT_STATUSES, Agreement, Interest, Negotiation, Offer
from market.domain.publicity import Objection, PublicityNotice

from .orm import mapper_registry, metadata
from .types import UTCDateTime

_LIVE = "status IN (" + ", ".join(f"'{s}'" for s in LIVE_AGREEMENT_STATUSES) + ")"

deal_interests = Table(
    "deal_interests", metadata,
    Column("id", Integer, primary_key=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False, index=True),
    Column("buyer_org_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("seller_org_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decline_reason", Text),
    Column("created_by_id", ForeignKey("users.id")),
    Column("answered_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
)

deal_negotiations = Table(
    "deal_negotiations", metadata,
    Column("id", Integer, primary_key=True),
    Column("interest_id", ForeignKey("deal_interests.id"), nullable=False, unique=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False, index=True),
    Column("buyer_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("seller_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

deal_offers = Table(
    "deal_offers", metadata,
    Column("id", Integer, primary_key=True),
    Column("negotiation_id", ForeignKey("deal_negotiations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("side", String(8), nullable=False),
    Column("price_fen", BigInteger, nullable=False),
    Column("transfer_mode", String(8), nullable=False),
    Column("payment_terms", Text, nullable=False, default=""),
    Column("status", String(12), nullable=False),
    Column("replaces_id", Integer),
    Column("created_by_id", ForeignKey("users.id")),
    Column("answered_by_id", ForeignKey("users.id")),
    Column("decline_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
)

deal_agreements = Table(
    "deal_agreements", metadata,
    Column("id", Integer, primary_key=True),
    Column("negotiation_id", ForeignKey("deal_negotiations.id"), nullable=False, unique=True),
    Column("offer_id", ForeignKey("deal_offers.id"), nullable=False, unique=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False, index=True),
    Column("seller_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("buyer_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("price_fen", BigInteger, nullable=False),
    Column("transfer_mode", String(8), nullable=False),
    Column("payment_terms", Text, nullable=False, default=""),
    Column("publicly_funded", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("contract_id", Integer),
    Column("void_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("signed_at", UTCDateTime),
    Column("voided_at", UTCDateTime),
    # one live agreement per achievement: the database's word on "cannot be sold twice"
    Index("uq_deal_agreements_live_achievement", "achievement_id", unique=True,
          sqlite_where=text(_LIVE), postgresql_where=text(_LIVE)),
)

publicity_notices = Table(
    "publicity_notices", metadata,
    Column("id", Integer, primary_key=True),
    Column("agreement_id", ForeignKey("deal_agreements.id"), nullable=False, unique=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("seller_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("buyer_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("achievement_title", String(200), nullable=False),
    Column("seller_name", String(200), nullable=False),
    Column("buyer_name", String(200), nullable=False),
    Column("price_fen", BigInteger, nullable=False),
    Column("transfer_mode", String(8), nullable=False),
    Column("days", SmallInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("voided_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Index("ix_publicity_notices_market_status", "market_code", "status"),
    Index("ix_publicity_notices_status_starts_at", "status", "starts_at"),
    Index("ix_publicity_notices_status_ends_at", "status", "ends_at"),
)

publicity_objections = Table(
    "publicity_objections", metadata,
    Column("id", Integer, primary_key=True),
    Column("notice_id", ForeignKey("publicity_notices.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("filed_by_id", ForeignKey("users.id"), nullable=False),
    Column("filer_org_id", ForeignKey("organisations.id")),
    Column("reason", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("ruling_reason", Text),
    Column("ruled_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ruled_at", UTCDateTime),
)


def start_deal_mappers() -> None:
    """Called once from orm.start_mappers()."""
    mapper_registry.map_imperatively(Interest, deal_interests)
    mapper_registry.map_imperatively(Offer, deal_offers)
    mapper_registry.map_imperatively(Negotiation, deal_negotiations, properties={
        "offers": relationship(Offer, order_by=deal_offers.c.id, cascade="all, delete-orphan", lazy="selectin"),
    })
    mapper_registry.map_imperatively(Agreement, deal_agreements)
    mapper_registry.map_imperatively(Objection, publicity_objections)
    mapper_registry.map_imperatively(PublicityNotice, publicity_notices, version_id_col=publicity_notices.c.version,
                                     properties={
        "objections": relationship(Objection, order_by=publicity_objections.c.id,
                                   cascade="all, delete-orphan", lazy="selectin"),
    })


class SqlAlchemyDealRepository:
    """Collection-like access to the deal aggregates; `*_for_update` take the row lock."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, obj) -> None:
        self.session.add(obj)

    def _get(self, cls, ident, lock: bool):
        """A locked read also refreshes what the session already held (it may be stale)."""
        if lock:
            return self.session.get(cls, ident, with_for_update=True, populate_existing=True)
        return self.session.get(cls, ident)

    def negotiation_id_of_offer(self, offer_id: int) -> int | None:
        return self.session.scalar(select(deal_offers.c.negotiation_id).where(deal_offers.c.id == offer_id))

    def notice_id_of_objection(self, objection_id: int) -> int | None:
        t = publicity_objections.c
        return self.session.scalar(select(t.notice_id).where(t.id == objection_id))

    def interest(self, ident: int, *, lock: bool = False) -> Interest | None:
        return self._get(Interest, ident, lock)

    def negotiation(self, ident: int, *, lock: bool = False) -> Negotiation | None:
        return self._get(Negotiation, ident, lock)

    def agreement(self, ident: int, *, lock: bool = False) -> Agreement | None:
        return self._get(Agreement, ident, lock)

    def notice(self, ident: int, *, lock: bool = False) -> PublicityNotice | None:
        return self._get(PublicityNotice, ident, lock)

    def open_interest(self, achievement_id: int, buyer_org_id: int) -> Interest | None:
        t = deal_interests.c
        return self.session.scalars(select(Interest).where(
            t.achievement_id == achievement_id, t.buyer_org_id == buyer_org_id,
            t.status.in_(("pending", "negotiating")))).first()

    def negotiation_of_interest(self, interest_id: int) -> Negotiation | None:
        return self.session.scalars(select(Negotiation).where(deal_negotiations.c.interest_id == interest_id)).first()

    def agreement_of_negotiation(self, negotiation_id: int) -> Agreement | None:
        return self.session.scalars(select(Agreement).where(deal_agreements.c.negotiation_id == negotiation_id)).first()

    def live_agreement_for_achievement(self, achievement_id: int) -> Agreement | None:
        t = deal_agreements.c
        return self.session.scalars(select(Agreement).where(
            t.achievement_id == achievement_id, t.status.in_(LIVE_AGREEMENT_STATUSES))).first()

    def notice_of_agreement(self, agreement_id: int) -> PublicityNotice | None:
        return self.session.scalars(select(PublicityNotice).where(
            publicity_notices.c.agreement_id == agreement_id)).first()

    # --- lists ------------------------------------------------------------------------
    def _page(self, stmt, order, page: int, per_page: int) -> tuple[list, int]:
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = list(self.session.scalars(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
        return items, total

    @staticmethod
    def _scoped(stmt, t, org_id: int | None, market_code: str | None, everything: bool):
        """What a user may list: their organisation's side of a deal, their market's, or all."""
        if everything:
            return stmt
        clauses = []
        if org_id is not None:
            clauses += [t.buyer_org_id == org_id, t.seller_org_id == org_id]
        if market_code is not None:
            clauses.append(t.market_code == market_code)
        return stmt.where(or_(*clauses)) if clauses else stmt.where(t.id.is_(None))

    def interests(self, *, org_id, market_code, everything=False, status=None, page=1, per_page=20):
        t = deal_interests.c
        stmt = self._scoped(select(Interest), t, org_id, market_code, everything)
        if status:
            stmt = stmt.where(t.status == status)
        return self._page(stmt, (t.id.desc(),), page, per_page)

    def negotiations(self, *, org_id, market_code, everything=False, status=None, page=1, per_page=20):
        t = deal_negotiations.c
        stmt = self._scoped(select(Negotiation), t, org_id, market_code, everything)
        if status:
            stmt = stmt.where(t.status == status)
        return self._page(stmt, (t.updated_at.desc(), t.id.desc()), page, per_page)

    def notices(self, *, market_code=None, status=None, page=1, per_page=20):
        t = publicity_notices.c
        stmt = select(PublicityNotice)
        if market_code:
            stmt = stmt.where(t.market_code == market_code)
        if status:
            stmt = stmt.where(t.status == status)
        return self._page(stmt, (t.starts_at.desc(), t.id.desc()), page, per_page)

    # --- the scheduler's reads --------------------------------------------------------
    def notice_ids_due_to_open(self, now: datetime) -> list[int]:
        t = publicity_notices.c
        return list(self.session.scalars(select(t.id).where(t.status == "scheduled", t.starts_at <= now)
                                         .order_by(t.starts_at, t.id)))

    def notice_ids_due_to_end(self, now: datetime) -> list[int]:
        t = publicity_notices.c
        return list(self.session.scalars(select(t.id).where(t.status.in_(("scheduled", "open")), t.ends_at <= now)
                                         .order_by(t.ends_at, t.id)))

    def upcoming_notice_times(self, until: datetime) -> list[tuple[int, str, datetime, datetime]]:
        t = publicity_notices.c
        stmt = select(t.id, t.status, t.starts_at, t.ends_at).where(
            or_((t.status == "scheduled") & (t.starts_at <= until),
                t.status.in_(("scheduled", "open")) & (t.ends_at <= until))).order_by(t.id)
        return [tuple(row) for row in self.session.execute(stmt)]
