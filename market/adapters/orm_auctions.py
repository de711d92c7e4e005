"""Auction tables and their imperative mapping. The repository is in `auction_repository`, the
bid path's statements in `bid_sql`."""
from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer,
                        String, Table, Text, UniqueConstraint)
from sqlalchemy.orm import relationship

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
    Column("timed_window_started_at", UTCDateTime),
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
    Column("release_by", Date),     # released: the local day the money is due back (working days)
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

# A retried request with the same key gets the first answer back (if it is the same request:
# `request_fingerprint`, see domain/idempotency.py; NULL for answers stored before 0011).
auction_bid_requests = Table(
    "auction_bid_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("response", JSON, nullable=False),
    Column("request_fingerprint", String(64)),
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

