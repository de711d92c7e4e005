"""The auction feature's SQLAlchemy repositories: `AuctionRepository` (sessions, lots,
registrations, bids, live events, confirmations; the bid path is mixed in from bid_repository.py)
and `SqlAlchemyDepositRepository`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from market.domain.accounts import User
from market.domain.achievements import Achievement
from market.domain.auctions import (AuctionSession, Bid, Confirmation, Deposit, Lot, Registration,
                                    number_events)
from market.services.repositories import AbstractAuctionRepository, AbstractDepositRepository

from .bid_repository import BidPath, StaleLot  # noqa: F401 (StaleLot re-exported)
from .bid_sql import _event_rows, decode_answer
from .orm import achievements, organisations, users
from .orm_auctions import (auction_bid_requests, auction_bids, auction_confirmations, auction_events,
                           auction_lots, auction_registrations, auction_sessions, deposits)


class AuctionRepository(BidPath, AbstractAuctionRepository):
    """Every query of the auction feature; works inside the caller's transaction.

    Concurrency: `lot_for_update` takes the lot's row lock (SELECT ... FOR UPDATE on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises writers) for the lot changes other than bids;
    every UPDATE of a lot is conditional on its version (`version_id_col`, or the explicit
    `version = :read` of the bid path): a write based on a stale read fails instead of
    overwriting, which is what makes a close exactly-once even without a lock."""

    def __init__(self, session: Session):
        self.session = session
        self.seen: dict = {}

    # ---- sessions and lots -----------------------------------------------------------------
    def add(self, obj) -> None:
        self.session.add(obj)

    def auction(self, ident: int, *, lock: bool = False) -> AuctionSession | None:
        """The session; `lock` row-locks it until the transaction ends, so lots added to one
        session at once take their numbers one after the other."""
        if lock:
            return self.session.get(AuctionSession, ident, with_for_update=True, populate_existing=True)
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

    def lot_ids_due_to_start_window(self, now: datetime, limit: int = 200) -> list[int]:
        """Open lots past their free period whose timed window has not been announced."""
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status == "open", c.free_period_ends_at <= now, c.ends_at > now,
            c.timed_window_started_at.is_(None)).order_by(c.free_period_ends_at).limit(limit)))

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
        if accepted_only:   # the price sequence: a leader's raise of its maximum has no place in it
            stmt = stmt.where(c.accepted.is_(True), c.seq.isnot(None))
        stmt = stmt.order_by(c.id.desc() if newest_first else c.id)
        if limit:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def bid_response(self, user_id: int, key: str) -> tuple[int, dict, str | None] | None:
        """(lot_id, answer, request fingerprint) stored for the user's key, if any."""
        c = auction_bid_requests.c
        row = self.session.execute(select(c.lot_id, c.response, c.request_fingerprint).where(
            c.user_id == user_id, c.idempotency_key == key)).first()
        return (row[0], decode_answer(row[1]), row[2]) if row else None

    # ---- events ---------------------------------------------------------------------------
    def add_events(self, lot: Lot, events: list[dict]) -> list[dict]:
        """Number the events in the lot's sequence (the caller holds the lot's lock) and store them."""
        stored = number_events(lot, events)   # recorded on the lot: published after the commit
        if stored:
            self.session.execute(insert(auction_events), _event_rows(stored))
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

    def confirmations_won_by(self, winner_id: int) -> dict[int, Confirmation]:
        """The confirmations of the lots an organisation won, by lot id."""
        return {c.lot_id: c for c in self.session.scalars(select(Confirmation).where(
            auction_confirmations.c.winner_id == winner_id))}

    def sold_lot_of(self, achievement_id: int) -> Lot | None:
        """The latest sold lot of an achievement (its published result)."""
        c = auction_lots.c
        return self.session.scalars(select(Lot).where(
            c.achievement_id == achievement_id, c.status == "sold").order_by(c.closed_at.desc())).first()

    def confirmation_ids_pending_before(self, day) -> list[int]:
        c = auction_confirmations.c
        return list(self.session.scalars(select(c.id).where(c.status == "pending", c.sign_by < day)
                                         .order_by(c.id)))

    # ---- demo data ------------------------------------------------------------------------
    def demo_operator(self, market_code: str) -> User | None:
        """The market's demo operator, else any operator of the market."""
        u = users.c
        return self.session.scalars(select(User).where(u.email == "op-%s@yrd.example" % market_code.lower())).first() \
            or self.session.scalars(select(User).where(u.role == "operator", u.market_code == market_code)).first()

    def published_achievements(self, market_code: str, limit: int, *, newest: bool = False) -> list[Achievement]:
        a = achievements.c
        return list(self.session.scalars(select(Achievement).where(a.status == "published", a.market_code == market_code)
                                         .order_by(a.id.desc() if newest else a.id).limit(limit)))

    def enterprise_members(self, limit: int, *, newest: bool = False, active_only: bool = True) -> list[User]:
        """Members of enterprises, the first (or last) registered first (demo bidders)."""
        u, o = users.c, organisations.c
        stmt = select(User).join(organisations, o.id == u.organisation_id).where(
            o.kind == "enterprise", u.role == "member")
        if active_only:
            stmt = stmt.where(u.active.is_(True))
        return list(self.session.scalars(stmt.order_by(u.id.desc() if newest else u.id).limit(limit)))


class SqlAlchemyDepositRepository(AbstractDepositRepository):
    """Deposits as the payment services read them: by id or provider reference, row-locked on demand."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, ident: int, *, lock: bool = False) -> Deposit | None:
        if lock:
            return self.session.get(Deposit, ident, with_for_update=True, populate_existing=True)
        return self.session.get(Deposit, ident)

    def by_reference(self, reference: str, *, lock: bool = False) -> Deposit | None:
        stmt = select(Deposit).where(deposits.c.reference == reference)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def lot_id_of(self, deposit_id: int) -> int | None:
        return self.session.scalar(select(auction_registrations.c.lot_id).join(
            deposits, deposits.c.registration_id == auction_registrations.c.id).where(
            deposits.c.id == deposit_id))

    def market_of_lot(self, lot_id: int) -> str:
        return self.session.scalar(select(auction_sessions.c.market_code).join(
            auction_lots, auction_lots.c.session_id == auction_sessions.c.id).where(auction_lots.c.id == lot_id))

    def price_of_lot(self, registration_id: int) -> int | None:
        """The price the deposit is applied to: the lot's current price, written by the last
        accepted bid (committed before the close, so readable inside the close's flush)."""
        row = self.session.execute(
            select(auction_lots.c.current_price_fen)
            .join(auction_registrations, auction_registrations.c.lot_id == auction_lots.c.id)
            .where(auction_registrations.c.id == registration_id)).first()
        return int(row[0]) if row and row[0] is not None else None
