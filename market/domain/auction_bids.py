"""Bids and their outcomes: the records a bid leaves, whatever the lot decided."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from market.domain.auction_basics import REFUSALS, REFUSALS_A_LATER_BID_CAN_LIFT


class Bid:
    """One bid attempt, accepted or refused; never changed after it is written."""

    def __init__(self, *, bidder_id: int | None, user_id: int | None, amount_fen: int | None,
                 at: datetime, kind: str = "manual", max_amount_fen: int | None = None,
                 accepted: bool = False, refusal: str | None = None, seq: int | None = None,
                 paddle_no: int | None = None, idempotency_key: str | None = None):
        self.bidder_id = bidder_id
        self.user_id = user_id
        self.amount_fen = amount_fen
        self.max_amount_fen = max_amount_fen
        self.kind = kind
        self.at = at
        self.accepted = accepted
        self.refusal = refusal
        self.seq = seq
        self.paddle_no = paddle_no
        self.idempotency_key = idempotency_key

    def __repr__(self) -> str:
        verdict = f"#{self.seq}" if self.accepted else self.refusal
        return f"<Bid {self.kind} {self.amount_fen} by {self.bidder_id} {verdict}>"


@dataclass
class BidOutcome:
    """The answer to one bid: the caller's own record first, then any proxy bids it triggered."""
    accepted: bool
    refusal: str | None
    bids: list[Bid]
    leading: bool
    price_fen: int | None
    ends_at: datetime
    window_restarted: bool = False
    events: list[dict] = field(default_factory=list)

    @property
    def own(self) -> Bid:
        return self.bids[0]

    @property
    def message(self) -> str | None:
        return REFUSALS.get(self.refusal) if self.refusal else None

    @property
    def holds_only_on_state_read(self) -> bool:
        """True when the answer is right only if the lot is still as it was when decided (an
        acceptance, or a refusal a later bid could lift): whoever records it must check that the
        lot has not moved meanwhile. Other refusals stay right on any later state of the lot."""
        return self.accepted or bool(self.events) or self.refusal in REFUSALS_A_LATER_BID_CAN_LIFT


@dataclass(frozen=True)
class CloseResult:
    status: str                   # sold | unsold
    winner_id: int | None
    hammer_price_fen: int | None
    reserve_met: bool
