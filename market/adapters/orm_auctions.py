"""Auction tables, their imperative mapping, and the repository the auction services use.

Concurrency lives here in two forms:
- `lot_for_update` takes the lot's row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
  BEGIN IMMEDIATE already serialises writers), so bids on one lot are applied one at a time;
- every UPDATE of a lot is conditional on its version (`version_id_col`): a write based on a stale
  read fails instead of overwriting, which is what makes a close exactly-once even without a lock.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer,
                        String, Table, Text, UniqueConstraint, func, insert, select)
from sqlalchemy.orm import Session, relationship

from market.domain.auctions import (AuctionSession, Bid, Confirmation, Deposit, Lot,
                                    Registration)

from .orm import mapper_registry, metadata
from .types import UTCDateTime

auction_sessions = Table(
    "auction_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("operator_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
)

auction_lots = Table(
    "auction_lots", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", ForeignKey("auction_sessions.id"), nullable=False, index=True),
    Column("lot_no", Integer, nullable=False),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False, index=True),
    Column("seller_id", ForeignKey("organisations.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starting_price_fen", BigInteger, nullable=False),
    Column("increment_fen", BigInteger, nullable=False),
    Column("reserve_price_fen", BigInteger),
    Column("deposit_fen", BigInteger, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("free_period_ends_at", UTCDateTime, nullable=False),
    Column("window_seconds", Integer, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("current_price_fen", BigInteger),
    Column("leader_id", ForeignKey("organisations.id")),
    Column("leader_paddle_no", Integer),
    Column("leader_max_fen", BigInteger),
    Column("bid_count", Integer, nullable=False, default=0),
    Column("event_seq", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("cancel_reason", Text),
    Column("reoffer_of_id", ForeignKey("auction_lots.id")),
    Column("version", Integer, nullable=False),
    UniqueConstraint("session_id", "lot_no", name="uq_auction_lots_session_lot_no"),
    Index("ix_auction_lots_status_starts_at", "status", "starts_at"),
    Index("ix_auction_lots_status_ends_at", "status", "ends_at"),
)

auction_registrations = Table(
    "auction_registrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("bidder_id", ForeignKey("organisations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id")),
    Column("paddle_no", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("lot_id", "bidder_id", name="uq_auction_registrations_lot_bidder"),
    UniqueConstraint("lot_id", "paddle_no", name="uq_auction_registrations_lot_paddle"),
)

deposits = Table(
    "deposits", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", ForeignKey("auction_registrations.id"), nullable=False, unique=True),
    Column("bidder_id", ForeignKey("organisations.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("gateway", String(16), nullable=False),
    Column("reference", String(255), index=True),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("held_at", UTCDateTime),
    Column("settled_at", UTCDateTime),
)

auction_bids = Table(
    "auction_bids", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("seq", Integer),                       # accepted bids only: 1, 2, 3 ... per lot
    Column("bidder_id", ForeignKey("organisations.id")),
    Column("user_id", ForeignKey("users.id")),
    Column("paddle_no", Integer),
    Column("amount_fen", BigInteger),
    Column("max_amount_fen", BigInteger),
    Column("kind", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("refusal", String(32)),
    Column("idempotency_key", String(100)),
    UniqueConstraint("lot_id", "seq", name="uq_auction_bids_lot_seq"),
    Index("ix_auction_bids_lot_id_id", "lot_id", "id"),
)

# A retried request with the same key gets the first answer back.
auction_bid_requests = Table(
    "auction_bid_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="uq_auction_bid_requests_user_key"),
)

# The live feed's source of truth: written with the change, published after the commit.
auction_events = Table(
    "auction_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("lot_id", "seq", name="uq_auction_events_lot_seq"),
)

auction_confirmations = Table(
    "auction_confirmations", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False, unique=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("seller_id", ForeignKey("organisations.id"), nullable=False),
    Column("winner_id", ForeignKey("organisations.id"), nullable=False),
    Column("hammer_price_fen", BigInteger, nullable=False),
    Column("deposit_fen", BigInteger, nullable=False),
    Column("sign_by", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("signed_at", UTCDateTime),
    Column("signed_by_id", ForeignKey("users.id")),
    Column("forfeited_at", UTCDateTime),
    Index("ix_auction_confirmations_status_sign_by", "status", "sign_by"),
)


def start_auction_mappers() -> None:
    """Called once from orm.start_mappers()."""
    mapper_registry.map_imperatively(Lot, auction_lots, version_id_col=auction_lots.c.version)
    mapper_registry.map_imperatively(AuctionSession, auction_sessions, properties={
        "lots": relationship(Lot, order_by=auction_lots.c.lot_no, lazy="select"),
    })
    mapper_registry.map_imperatively(Deposit, deposits)
    mapper_registry.map_imperatively(Registration, auction_registrations, properties={
        "deposit": relationship(Deposit, uselist=False, lazy="joined", cascade="all"),
    })
    mapper_registry.map_imperatively(Bid, auction_bids)
    mapper_registry.map_imperatively(Confirmation, auction_confirmations)


class AuctionRepository:
    """Every query of the auction feature; works inside the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    # ---- sessions and lots -----------------------------------------------------------------
    def add(self, obj) -> None:
        self.session.add(obj)

    def auction(self, ident: int) -> AuctionSession | None:
        return self.session.get(AuctionSession, ident)

    def auctions(self, market_code: str | None = None, limit: int = 100) -> list[AuctionSession]:
        stmt = select(AuctionSession).order_by(auction_sessions.c.id.desc()).limit(limit)
        if market_code:
            stmt = stmt.where(auction_sessions.c.market_code == market_code)
        return list(self.session.scalars(stmt))

    def lot(self, ident: int) -> Lot | None:
        return self.session.get(Lot, ident)

    def lot_for_update(self, ident: int) -> Lot | None:
        """The lot, row-locked until the transaction ends, read fresh from the database."""
        return self.session.get(Lot, ident, with_for_update=True, populate_existing=True)

    def lots_of(self, session_id: int) -> list[Lot]:
        return list(self.session.scalars(select(Lot).where(auction_lots.c.session_id == session_id)
                                         .order_by(auction_lots.c.lot_no)))

    def live_lot_for_achievement(self, achievement_id: int) -> Lot | None:
        c = auction_lots.c
        return self.session.scalars(select(Lot).where(
            c.achievement_id == achievement_id, c.status.in_(("scheduled", "open")))).first()

    def lot_ids_due_to_open(self, now: datetime, limit: int = 200) -> list[int]:
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status == "scheduled", c.starts_at <= now, c.ends_at > now).order_by(c.starts_at).limit(limit)))

    def lot_ids_due_to_close(self, now: datetime, limit: int = 200) -> list[int]:
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status.in_(("scheduled", "open")), c.ends_at <= now).order_by(c.ends_at).limit(limit)))

    def upcoming_lot_times(self, until: datetime, limit: int = 1000) -> list[tuple[int, str, datetime, datetime]]:
        """(id, status, starts_at, ends_at) of live lots with something to do before `until`."""
        c = auction_lots.c
        rows = self.session.execute(select(c.id, c.status, c.starts_at, c.ends_at).where(
            c.status.in_(("scheduled", "open")),
            ((c.status == "scheduled") & (c.starts_at <= until)) | (c.ends_at <= until))
            .order_by(c.ends_at).limit(limit))
        return [tuple(r) for r in rows]

    # ---- registrations and deposits ---------------------------------------------------------
    def registration(self, lot_id: int, bidder_id: int) -> Registration | None:
        c = auction_registrations.c
        return self.session.scalars(select(Registration).where(
            c.lot_id == lot_id, c.bidder_id == bidder_id)).first()

    def registrations_of(self, lot_id: int) -> list[Registration]:
        return list(self.session.scalars(select(Registration).where(
            auction_registrations.c.lot_id == lot_id).order_by(auction_registrations.c.paddle_no)))

    def registrations_by_bidder(self, bidder_id: int) -> list[Registration]:
        return list(self.session.scalars(select(Registration).where(
            auction_registrations.c.bidder_id == bidder_id).order_by(auction_registrations.c.id.desc())))

    def next_paddle_no(self, lot_id: int) -> int:
        top = self.session.scalar(select(func.max(auction_registrations.c.paddle_no)).where(
            auction_registrations.c.lot_id == lot_id))
        return (top or 0) + 1

    def deposit(self, ident: int) -> Deposit | None:
        return self.session.get(Deposit, ident)

    def deposit_for_update(self, ident: int) -> Deposit | None:
        return self.session.get(Deposit, ident, with_for_update=True, populate_existing=True)

    def lot_id_of_deposit(self, deposit_id: int) -> int | None:
        return self.session.scalar(select(auction_registrations.c.lot_id).join(
            deposits, deposits.c.registration_id == auction_registrations.c.id).where(
            deposits.c.id == deposit_id))

    # ---- bids -----------------------------------------------------------------------------
    def bids(self, lot_id: int, *, accepted_only: bool = False, limit: int | None = None,
             newest_first: bool = False) -> list[Bid]:
        c = auction_bids.c
        stmt = select(Bid).where(c.lot_id == lot_id)
        if accepted_only:
            stmt = stmt.where(c.accepted.is_(True))
        stmt = stmt.order_by(c.id.desc() if newest_first else c.id)
        if limit:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def add_bids(self, lot_id: int, bids: list[Bid]) -> None:
        """Bids are append-only records: written with one Core statement, never loaded back here."""
        self.session.execute(insert(auction_bids), [
            dict(lot_id=lot_id, seq=b.seq, bidder_id=b.bidder_id, user_id=b.user_id,
                 paddle_no=b.paddle_no, amount_fen=b.amount_fen, max_amount_fen=b.max_amount_fen,
                 kind=b.kind, at=b.at, accepted=b.accepted, refusal=b.refusal,
                 idempotency_key=b.idempotency_key) for b in bids])

    def bid_response(self, user_id: int, key: str) -> tuple[int, dict] | None:
        c = auction_bid_requests.c
        row = self.session.execute(select(c.lot_id, c.response).where(
            c.user_id == user_id, c.idempotency_key == key)).first()
        return (row[0], row[1]) if row else None

    def save_bid_response(self, *, user_id: int, key: str, lot_id: int, response: dict,
                          now: datetime) -> None:
        self.session.execute(insert(auction_bid_requests).values(
            user_id=user_id, idempotency_key=key, lot_id=lot_id, response=response, created_at=now))

    # ---- events ---------------------------------------------------------------------------
    def add_events(self, lot: Lot, events: list[dict]) -> list[dict]:
        """Number the events in the lot's sequence (the caller holds the lot's lock) and store them."""
        stored = []
        for event in events:
            lot.event_seq = (lot.event_seq or 0) + 1
            event = {**event, "lot_id": lot.id, "seq": lot.event_seq}
            stored.append(event)
        if stored:
            self.session.execute(insert(auction_events), [
                dict(lot_id=lot.id, seq=e["seq"], type=e["type"],
                     at=datetime.fromisoformat(e["at"]), data=e) for e in stored])
        return stored

    def events_after(self, lot_id: int, seq: int, limit: int = 500) -> list[dict]:
        c = auction_events.c
        return list(self.session.scalars(select(c.data).where(c.lot_id == lot_id, c.seq > seq)
                                         .order_by(c.seq).limit(limit)))

    def count_events(self, lot_id: int, type_: str) -> int:
        c = auction_events.c
        return self.session.scalar(select(func.count()).select_from(auction_events).where(
            c.lot_id == lot_id, c.type == type_))

    # ---- confirmations --------------------------------------------------------------------
    def confirmation(self, ident: int) -> Confirmation | None:
        return self.session.get(Confirmation, ident)

    def confirmation_for_update(self, ident: int) -> Confirmation | None:
        return self.session.get(Confirmation, ident, with_for_update=True, populate_existing=True)

    def confirmation_of_lot(self, lot_id: int) -> Confirmation | None:
        return self.session.scalars(select(Confirmation).where(
            auction_confirmations.c.lot_id == lot_id)).first()

    def confirmation_ids_pending_before(self, day) -> list[int]:
        c = auction_confirmations.c
        return list(self.session.scalars(select(c.id).where(c.status == "pending", c.sign_by < day)
                                         .order_by(c.id)))
