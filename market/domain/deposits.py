"""Deposits (保证金) and registrations (报名): who may bid on a lot, and the money that secures it.

A deposit records a `DepositMoved` event on every change of state: the payments feature turns it
into the gateway command it implies, in the same transaction (see `market.services.messagebus`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from market.domain.auction_basics import SHANGHAI, _require_aware, _require_fen
from market.domain.errors import IllegalTransition
from market.domain.events import Event, record
from market.domain.labels import action_label, status_label


@dataclass
class DepositMoved(Event):
    """A deposit went from `old` to `new` at `at` (the deposit itself is read when handled)."""
    deposit: object
    old: str
    new: str
    at: datetime


class Deposit:
    """保证金. pending → held → applied | released | forfeited; applied → forfeited when the
    winner does not sign; applied/forfeited → refunded when payments return captured money."""

    _MOVES = {
        "hold": (("pending",), "held"),
        "apply": (("held",), "applied"),
        "release": (("pending", "held"), "released"),
        "forfeit": (("held", "applied"), "forfeited"),
        "refund": (("applied", "forfeited"), "refunded"),
    }

    def __init__(self, *, bidder_id: int, amount_fen: int, created_at: datetime,
                 gateway: str = "manual"):
        _require_aware(created_at, "created_at")
        _require_fen("deposit_fen", amount_fen, minimum=0)
        self.bidder_id = bidder_id
        self.amount_fen = amount_fen
        self.gateway = gateway
        self.reference: str | None = None
        self.status = "pending"
        self.created_at = created_at
        self.updated_at = created_at
        self.held_at: datetime | None = None
        self.settled_at: datetime | None = None
        self.release_by: date | None = None

    def _move(self, action: str, now: datetime) -> None:
        _require_aware(now)
        allowed, target = self._MOVES[action]
        if self.status not in allowed:
            raise IllegalTransition(
                f"保证金{status_label('deposit', self.status)}，不能{action_label(action)}"
                f" (deposit {self.status} cannot {action})")
        old, self.status = self.status, target
        self.updated_at = now
        record(self, DepositMoved(self, old, target, now))
        if target == "held":
            self.held_at = now
        else:
            self.settled_at = now

    def hold(self, now: datetime, reference: str | None = None) -> None:
        self._move("hold", now)
        if reference:
            self.reference = reference

    def apply(self, now: datetime) -> None:
        self._move("apply", now)

    def release(self, now: datetime, release_by: date | None = None) -> None:
        """`release_by`: the local day by which the money must be back with the bidder (the
        exchanges' N working days, for bank transfers); a gateway's hold is let go at once."""
        self._move("release", now)
        self.release_by = release_by or now.astimezone(SHANGHAI).date()

    def forfeit(self, now: datetime) -> None:
        self._move("forfeit", now)

    def refund(self, now: datetime) -> None:
        self._move("refund", now)

    @property
    def is_held(self) -> bool:
        return self.status == "held"


class Registration:
    """An enterprise's registration (报名) for one lot, with its deposit and paddle number."""

    def __init__(self, *, bidder_id: int, user_id: int | None, paddle_no: int,
                 deposit: Deposit, created_at: datetime):
        self.bidder_id = bidder_id
        self.user_id = user_id
        self.paddle_no = paddle_no
        self.deposit = deposit
        self.created_at = created_at


@dataclass
class Bidder:
    """Who is bidding: the organisation, the person, and their registration for this lot (if any)."""
    org_id: int | None
    user_id: int | None = None
    registration: Registration | None = None
