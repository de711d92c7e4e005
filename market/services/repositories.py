"""The repositories the auction, deposit and payment services use, as abstract classes (ports).

SQLAlchemy implementations live in `market.adapters` (auction_repository, orm_payments), in-memory
fakes in tests/unit/auctions/auction_fakes.py. Each method's docstring in the SQLAlchemy class says
how it keeps its guarantee (row locks, version-conditional writes); a fake keeps the same answers
in one thread."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta

from market.domain.auctions import AuctionSession, Bid, Confirmation, Deposit, Lot, Registration
from market.domain.payments import OutboxCommand


@dataclass
class BidContext:
    """Everything a bid needs, read in one statement. The domain objects are detached: the bid is
    written back by `write_bid`, not by the ORM's flush."""
    lot: Lot
    read: dict                      # the lot's bid state and version as read
    user_found: bool
    user_active: bool
    org_id: int | None
    registration: Registration | None
    previous: tuple[int, dict, str | None] | None   # (lot_id, answer, fingerprint) of an earlier
                                                    # request with this key
    locked: bool = True             # read under the lot's row lock (else: a snapshot, see write_bid)


class AbstractAuctionRepository(ABC):
    """Auction sessions, lots, registrations, bids, live events and confirmations. `seen` holds the
    lots handed out detached (the bid path), whose recorded events the unit of work collects."""

    seen: dict

    @abstractmethod
    def add(self, obj) -> None: ...

    @abstractmethod
    def auction(self, ident: int, *, lock: bool = False) -> AuctionSession | None: ...

    @abstractmethod
    def auctions(self, market_code: str | None = None, limit: int = 100) -> list[AuctionSession]: ...

    @abstractmethod
    def lot(self, ident: int) -> Lot | None: ...

    @abstractmethod
    def lot_for_update(self, ident: int) -> Lot | None: ...

    @abstractmethod
    def lots_of(self, session_id: int) -> list[Lot]: ...

    @abstractmethod
    def read_bid_context(self, lot_id: int, user_id: int, key: str | None = None, *,
                         lock: bool = True) -> BidContext | None: ...

    @abstractmethod
    def write_bid(self, ctx: BidContext, bids: list[Bid], events: list[dict], answer: dict | None,
                  *, holds_only_on_state_read: bool) -> bool: ...

    @abstractmethod
    def bid_response(self, user_id: int, key: str) -> tuple[int, dict, str | None] | None: ...

    @abstractmethod
    def live_lot_for_achievement(self, achievement_id: int) -> Lot | None: ...

    @abstractmethod
    def lot_ids_due_to_open(self, now: datetime, limit: int = 200) -> list[int]: ...

    @abstractmethod
    def lot_ids_due_to_close(self, now: datetime, limit: int = 200) -> list[int]: ...

    @abstractmethod
    def lot_ids_due_to_start_window(self, now: datetime, limit: int = 200) -> list[int]: ...

    @abstractmethod
    def upcoming_lot_times(self, until: datetime, limit: int = 1000) -> list[tuple]: ...

    @abstractmethod
    def registration(self, lot_id: int, bidder_id: int) -> Registration | None: ...

    @abstractmethod
    def registrations_of(self, lot_id: int) -> list[Registration]: ...

    @abstractmethod
    def registrations_by_bidder(self, bidder_id: int) -> list[Registration]: ...

    @abstractmethod
    def next_paddle_no(self, lot_id: int) -> int: ...

    @abstractmethod
    def bids(self, lot_id: int, *, accepted_only: bool = False, limit: int | None = None,
             newest_first: bool = False) -> list[Bid]: ...

    @abstractmethod
    def add_events(self, lot: Lot, events: list[dict]) -> list[dict]: ...

    @abstractmethod
    def events_after(self, lot_id: int, seq: int, limit: int = 500) -> list[dict]: ...

    @abstractmethod
    def confirmation(self, ident: int) -> Confirmation | None: ...

    @abstractmethod
    def confirmation_for_update(self, ident: int) -> Confirmation | None: ...

    @abstractmethod
    def confirmation_of_lot(self, lot_id: int) -> Confirmation | None: ...

    @abstractmethod
    def confirmations_won_by(self, winner_id: int) -> dict[int, Confirmation]: ...

    @abstractmethod
    def sold_lot_of(self, achievement_id: int) -> Lot | None: ...

    @abstractmethod
    def confirmation_ids_pending_before(self, day) -> list[int]: ...


class AbstractDepositRepository(ABC):
    """Deposits, with the lot and market each belongs to."""

    @abstractmethod
    def get(self, ident: int, *, lock: bool = False) -> Deposit | None: ...

    @abstractmethod
    def by_reference(self, reference: str, *, lock: bool = False) -> Deposit | None: ...

    @abstractmethod
    def lot_id_of(self, deposit_id: int) -> int | None: ...

    @abstractmethod
    def market_of_lot(self, lot_id: int) -> str: ...

    @abstractmethod
    def price_of_lot(self, registration_id: int) -> int | None:
        """The current price of the lot a registration is for (a deposit is applied to it)."""


class AbstractPaymentRepository(ABC):
    """The outbox of gateway commands, the provider's events already seen, each deposit's history."""

    @abstractmethod
    def enqueue(self, *, deposit_id: int, action: str, reason: str, gateway: str,
                reference: str | None, amount_fen: int | None, idempotency_key: str,
                now: datetime) -> bool: ...

    @abstractmethod
    def command(self, ident: int) -> OutboxCommand | None: ...

    @abstractmethod
    def commands_for(self, deposit_id: int) -> list[OutboxCommand]: ...

    @abstractmethod
    def due_ids(self, now: datetime, lease: timedelta, limit: int) -> list[int]: ...

    @abstractmethod
    def claim(self, ident: int, now: datetime, lease: timedelta) -> str | None: ...

    @abstractmethod
    def finish(self, ident: int, token: str | None, *, status: str, now: datetime,
               error: str | None = None, retry_at: datetime | None = None,
               result_status: str | None = None, result_amount_fen: int | None = None) -> bool: ...

    @abstractmethod
    def event_seen(self, event_id: str) -> bool: ...

    @abstractmethod
    def record_event(self, *, event_id: str, type: str, created: int | None, reference: str | None,
                     deposit_id: int | None, outcome: str, detail: dict | None, now: datetime) -> bool: ...

    @abstractmethod
    def events_for(self, deposit_id: int) -> list[dict]: ...

    @abstractmethod
    def add_history(self, *, deposit_id: int, kind: str, source: str, now: datetime,
                    deposit_status: str | None = None, reference: str | None = None,
                    amount_fen: int | None = None, detail: dict | None = None) -> None: ...

    @abstractmethod
    def history(self, deposit_id: int) -> list[dict]: ...
