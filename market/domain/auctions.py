"""Timed auctions (拍卖会): sessions, lots, registrations, deposits, bids, confirmations.

Plain Python. Every rule takes the time (and money, as integer fen) as arguments, so the
scheduler, the API and the tests all drive the same code with their own clocks.

The exchanges' rules this module encodes:
- a deposit (保证金) must be held before a bidder may bid; the seller's organisation never bids;
- a free period (自由报价期), then timed windows (限时报价期): every accepted bid made after the
  free period starts a new window, and the lot closes when a window passes without a bid;
- every bid is on the grid anchored on the starting price (`starting_price + k × increment`),
  above the current price; price first, then time (see `auction_prices`);
- a hidden reserve (保留价), never revealed while bidding: at the hammer the lot sells at the
  reserve if the leader's maximum reaches it, and below it the lot does not sell (流拍);
- the winner signs within N working days (5 by default) or forfeits the deposit.

Proxy bids: a bidder may give a maximum; the system bids for it, one increment at a time, against
challengers, never against itself. Only the leader can hold a live maximum (every other maximum was
exhausted when its owner was outbid), so the lot keeps just the leader's maximum — hidden, like the
reserve. Equal maxima go to the earlier one, which is always the leader's. The leader may raise
its own maximum (the price does not move), never lower it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from market.domain.local_time import SHANGHAI

from market.domain.auction_prices import (check_reserve, grid_floor, hammer_price, next_on_grid,
                                          on_grid, raised_maximum)
from market.domain.auction_terms import check_start_within_a_year
from market.domain.calendar import WorkingDayCalendar  # noqa: F401 (the port, re-exported)
from market.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from market.domain.labels import action_label, status_label

from market.domain.money import MAX_AMOUNT_FEN as MAX_FEN  # noqa: E402  (the one money cap: a larger amount is a typing error)

LOT_STATUSES = ("scheduled", "open", "sold", "unsold", "cancelled")
LIVE_LOT_STATUSES = ("scheduled", "open")
DEPOSIT_STATUSES = ("pending", "held", "applied", "released", "forfeited", "refunded")
CONFIRMATION_STATUSES = ("pending", "signed", "forfeited")
# auto = placed by the system for a proxy maximum; raise = the leader raised its own maximum
# (accepted, outside the price sequence: no seq, no amount)
BID_KINDS = ("manual", "proxy", "auto", "raise")

# Refusal reasons: stable codes for clients, with the message a person reads.
NOT_REGISTERED = "not_registered"
DEPOSIT_NOT_HELD = "deposit_not_held"
OWN_LOT = "own_lot"
BELOW_START = "below_start"
OFF_INCREMENT = "off_increment"
NOT_ABOVE_CURRENT = "not_above_current"
BEFORE_OPEN = "before_open"
AFTER_CLOSE = "after_close"
LOT_CANCELLED = "lot_cancelled"
ALREADY_LEADING = "already_leading"
TIED_EARLIER_MAXIMUM = "tied_earlier_maximum"
MAXIMUM_NOT_RAISED = "maximum_not_raised"

REFUSALS = {
    NOT_REGISTERED: "未报名该拍品 (not registered for this lot)",
    DEPOSIT_NOT_HELD: "保证金未到账 (deposit not held)",
    OWN_LOT: "不能竞买本单位的拍品 (cannot bid on your own organisation's lot)",
    BELOW_START: "首次出价不得低于起拍价 (first bid below the starting price)",
    OFF_INCREMENT: "出价须为起拍价加加价幅度的整数倍 (a bid must be the starting price plus a whole multiple of the increment)",
    NOT_ABOVE_CURRENT: "出价须高于当前价至少一个加价幅度 (bid must exceed the current price by an increment)",
    BEFORE_OPEN: "竞价尚未开始 (bidding has not opened)",
    AFTER_CLOSE: "竞价已结束 (bidding has closed)",
    LOT_CANCELLED: "拍品已撤拍 (lot cancelled)",
    ALREADY_LEADING: "您已是最高出价者 (you already hold the highest bid)",
    TIED_EARLIER_MAXIMUM: "与更早的相同出价持平，时间优先 (an equal earlier maximum wins: price first, then time)",
    MAXIMUM_NOT_RAISED: "最高代理价只能提高，不能降低 (a leader may raise its proxy maximum, never lower it)",
}

# Refusals that another bid can lift (someone outbids the leader; the tied maximum is beaten).
# Every other refusal stays true however the lot moves on: prices only rise on the increment grid,
# closed and cancelled lots stay so, and time only moves forward.
REFUSALS_A_LATER_BID_CAN_LIFT = frozenset({ALREADY_LEADING, TIED_EARLIER_MAXIMUM, MAXIMUM_NOT_RAISED})


def _require_aware(now: datetime, name: str = "now") -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_fen(name: str, value, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.on(name, "金额须为整数分 (amount must be integer fen)")
    if value < minimum or value > MAX_FEN:
        raise ValidationFailed.on(name, f"金额超出范围 (must be between {minimum} and {MAX_FEN} fen)")
    return value


# --------------------------------------------------------------------------- working days
# The calendar port lives in market/domain/calendar.py (re-exported here for callers).


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Shanghai: deadlines run to the end of the local day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


# --------------------------------------------------------------------------- session

class AuctionSession:
    """An auction day (拍卖会) run by one market's operators; holds its lots."""

    def __init__(self, *, market_code: str, title: str, operator_id: int | None,
                 created_at: datetime, description: str = ""):
        _require_aware(created_at, "created_at")
        title = (title or "").strip()
        if not title:
            raise ValidationFailed.on("title", "标题不能为空 (title required)")
        self.market_code = market_code
        self.title = title
        self.description = description or ""
        self.operator_id = operator_id
        self.created_at = created_at
        self.lots: list[Lot] = []

    def add_lot(self, lot: "Lot") -> "Lot":
        lot.lot_no = max((other.lot_no or 0 for other in self.lots), default=0) + 1
        self.lots.append(lot)
        return lot

    def status(self, now: datetime) -> str:
        """scheduled (nothing open yet) | live | finished (every lot closed)."""
        if not self.lots or all(lot.status in LIVE_LOT_STATUSES and now < lot.starts_at
                                for lot in self.lots):
            return "scheduled"
        if all(lot.status not in LIVE_LOT_STATUSES for lot in self.lots):
            return "finished"
        return "live"


# --------------------------------------------------------------------------- deposits

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
        self.status = target
        self.updated_at = now
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


# --------------------------------------------------------------------------- bids

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


# --------------------------------------------------------------------------- lot

class Lot:
    """拍品: one achievement offered in a session, with its own clock and bidding state."""

    def __init__(self, *, achievement_id: int, seller_id: int, title: str,
                 starting_price_fen: int, increment_fen: int, reserve_price_fen: int | None,
                 deposit_fen: int, starts_at: datetime, free_period_ends_at: datetime,
                 window_seconds: int, created_at: datetime):
        for name, value in (("starts_at", starts_at), ("free_period_ends_at", free_period_ends_at),
                            ("created_at", created_at)):
            _require_aware(value, name)
        _require_fen("starting_price_fen", starting_price_fen)
        _require_fen("increment_fen", increment_fen)
        _require_fen("deposit_fen", deposit_fen, minimum=0)
        if reserve_price_fen is not None:
            _require_fen("reserve_price_fen", reserve_price_fen)
        check_reserve(starting_price_fen, reserve_price_fen)
        check_start_within_a_year(starts_at, created_at)
        if free_period_ends_at <= starts_at:
            raise ValidationFailed.on("free_period_ends_at",
                                      "自由报价期结束须晚于开始 (free period must end after it starts)")
        if isinstance(window_seconds, bool) or not isinstance(window_seconds, int) \
                or not 10 <= window_seconds <= 24 * 3600:
            raise ValidationFailed.on("window_seconds", "限时报价期须在10秒至24小时之间 (10 s to 24 h)")
        self.achievement_id = achievement_id
        self.seller_id = seller_id
        self.title = title
        self.lot_no: int | None = None
        self.starting_price_fen = starting_price_fen
        self.increment_fen = increment_fen
        self.reserve_price_fen = reserve_price_fen
        self.deposit_fen = deposit_fen
        self.starts_at = starts_at
        self.free_period_ends_at = free_period_ends_at
        self.window_seconds = window_seconds
        self.ends_at = free_period_ends_at + timedelta(seconds=window_seconds)
        self.status = "scheduled"
        self.current_price_fen: int | None = None
        self.leader_id: int | None = None
        self.leader_paddle_no: int | None = None
        self.leader_max_fen: int | None = None   # hidden, like the reserve
        self.bid_count = 0                       # accepted bids, = seq of the last one
        self.created_at = created_at
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.timed_window_started_at: datetime | None = None   # announced once (see start_timed_window)
        self.cancel_reason: str | None = None
        self.reoffer_of_id: int | None = None

    # ---- clock -------------------------------------------------------------------------
    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)

    def phase(self, now: datetime) -> str:
        """What a bidder sees: scheduled | free_period | timed_window | closing | sold | unsold | cancelled.
        `closing` means the end has passed but the close has not been recorded yet."""
        if self.status not in LIVE_LOT_STATUSES:
            return self.status
        if now < self.starts_at:
            return "scheduled"
        if now >= self.ends_at:
            return "closing"
        return "free_period" if now < self.free_period_ends_at else "timed_window"

    def is_due_to_open(self, now: datetime) -> bool:
        return self.status == "scheduled" and now >= self.starts_at

    def is_due_to_close(self, now: datetime) -> bool:
        return self.status in LIVE_LOT_STATUSES and now >= self.ends_at

    def open(self, now: datetime) -> list[dict]:
        _require_aware(now)
        if self.status != "scheduled" or now < self.starts_at:
            raise IllegalTransition(f"拍品{status_label('lot', self.status)}，现在不能开拍 (lot cannot open now)")
        self.status = "open"
        self.opened_at = now
        return [self._event("lot_opened", now, ends_at=self.ends_at.isoformat())]

    def start_timed_window(self, now: datetime) -> list[dict]:
        """The free period is over: the `timed_window_started` event, once (the scheduler at
        `free_period_ends_at`, or the first bid after it, whichever takes the lot first)."""
        _require_aware(now)
        if self.status != "open" or getattr(self, "timed_window_started_at", None) is not None \
                or not self.free_period_ends_at <= now < self.ends_at:
            return []
        self.timed_window_started_at = now
        return [self._event("timed_window_started", now, started_at=self.free_period_ends_at.isoformat(),
                            ends_at=self.ends_at.isoformat())]

    # ---- prices ------------------------------------------------------------------------
    def minimum_next_bid(self) -> int:
        return next_on_grid(self.current_price_fen, self.starting_price_fen, self.increment_fen)

    def reserve_met(self) -> bool | None:
        """Whether the shown price has reached the reserve; None when there is no reserve, so the
        API can say "no reserve" without revealing one."""
        if self.reserve_price_fen is None:
            return None
        return self.current_price_fen is not None and self.current_price_fen >= self.reserve_price_fen

    def _grid_floor(self, value: int) -> int:
        return grid_floor(value, self.starting_price_fen, self.increment_fen)

    def _amount_refusal(self, amount: int) -> str | None:
        if self.current_price_fen is None and amount < self.starting_price_fen:
            return BELOW_START
        if self.current_price_fen is not None and amount <= self.current_price_fen:
            return NOT_ABOVE_CURRENT
        if not on_grid(amount, self.starting_price_fen, self.increment_fen):
            return OFF_INCREMENT
        return None

    # ---- bidding -----------------------------------------------------------------------
    def _refusal_for(self, bidder: Bidder, now: datetime) -> str | None:
        if self.status == "cancelled":
            return LOT_CANCELLED
        if self.status not in LIVE_LOT_STATUSES or now >= self.ends_at:
            return AFTER_CLOSE
        if now < self.starts_at:
            return BEFORE_OPEN
        if bidder.org_id is not None and bidder.org_id == self.seller_id:
            return OWN_LOT
        registration = bidder.registration
        if bidder.org_id is None or registration is None or registration.bidder_id != bidder.org_id:
            return NOT_REGISTERED
        if not registration.deposit.is_held:
            return DEPOSIT_NOT_HELD
        if self.leader_id == bidder.org_id:
            return ALREADY_LEADING
        return None

    def place_bid(self, bidder: Bidder, amount_fen: int | None, now: datetime, *,
                  max_amount_fen: int | None = None) -> BidOutcome:
        """Apply one bid at server time `now`. Refusals are answers, not exceptions: the refused
        bid is still recorded. Only malformed input (no amount, non-integer fen) raises."""
        _require_aware(now)
        if amount_fen is None and max_amount_fen is None:
            raise ValidationFailed.on("amount_fen", "请填写出价 (amount required)")
        if amount_fen is not None:
            _require_fen("amount_fen", amount_fen)
        if max_amount_fen is not None:
            _require_fen("max_amount_fen", max_amount_fen)
            if amount_fen is not None and max_amount_fen < amount_fen:
                raise ValidationFailed.on("max_amount_fen", "最高代理价不得低于出价 (maximum below the bid)")
        kind = "manual" if max_amount_fen is None else "proxy"
        events: list[dict] = []
        if self.is_due_to_open(now) and now < self.ends_at:
            events += self.open(now)   # the scheduler may be late; the bid must not be

        refusal = self._refusal_for(bidder, now)
        if refusal == ALREADY_LEADING and max_amount_fen is not None:
            return self._raise_maximum(bidder, max_amount_fen, now, events)
        if refusal is None:
            if amount_fen is not None:
                amount = amount_fen
                refusal = self._amount_refusal(amount)
            else:   # a bare maximum: the proxy opens at the lowest valid bid
                amount = self.minimum_next_bid()
                if max_amount_fen < amount:
                    refusal = BELOW_START if self.current_price_fen is None else NOT_ABOVE_CURRENT
        if refusal is not None:
            own = Bid(bidder_id=bidder.org_id, user_id=bidder.user_id, amount_fen=amount_fen,
                      max_amount_fen=max_amount_fen, at=now, kind=kind, refusal=refusal,
                      paddle_no=bidder.registration.paddle_no if bidder.registration else None)
            return BidOutcome(False, refusal, [own], False, self.current_price_fen, self.ends_at,
                              events=events)
        return self._contest(bidder, amount, max_amount_fen, kind, now, events)

    def _raise_maximum(self, bidder: Bidder, max_amount: int, now: datetime,
                       events: list[dict]) -> BidOutcome:
        """The leader raises its own proxy maximum: accepted, hidden like every maximum; the
        price does not move, no window restarts, nothing is announced (the leader never bids
        against itself). A lower maximum is refused: it may already have been bid against."""
        new_max = raised_maximum(self.leader_max_fen or self.current_price_fen, max_amount,
                                 self.starting_price_fen, self.increment_fen)
        own = Bid(bidder_id=bidder.org_id, user_id=bidder.user_id, amount_fen=None,
                  max_amount_fen=max_amount, at=now, kind="raise", accepted=new_max is not None,
                  refusal=None if new_max is not None else MAXIMUM_NOT_RAISED,
                  paddle_no=bidder.registration.paddle_no)
        if new_max is not None:
            self.leader_max_fen = new_max
        return BidOutcome(own.accepted, own.refusal, [own], True, self.current_price_fen,
                          self.ends_at, events=events)

    def _contest(self, bidder: Bidder, amount: int, max_amount: int | None, kind: str,
                 now: datetime, events: list[dict]) -> BidOutcome:
        """Resolve the new bid against the leader's hidden maximum and log the bids that result,
        in strictly increasing order."""
        challenger_max = self._grid_floor(max_amount or amount)
        leader_max = self.leader_max_fen if self.leader_id is not None else None
        paddle = bidder.registration.paddle_no
        common = dict(at=now, accepted=True)
        bids: list[Bid] = []
        accepted = True
        refusal = None

        if leader_max is not None and leader_max >= challenger_max:
            # The leader's maximum was set earlier: it wins ties (price first, then time).
            if leader_max == challenger_max:
                accepted, refusal = False, TIED_EARLIER_MAXIMUM
                bids.append(Bid(bidder_id=bidder.org_id, user_id=bidder.user_id, amount_fen=amount,
                                max_amount_fen=max_amount, at=now, kind=kind, refusal=refusal,
                                paddle_no=paddle))
                price = challenger_max
            else:
                bids.append(self._log(Bid(bidder_id=bidder.org_id, user_id=bidder.user_id,
                                          amount_fen=challenger_max, max_amount_fen=max_amount,
                                          kind=kind, paddle_no=paddle, **common)))
                price = challenger_max + self.increment_fen
            bids.append(self._log(Bid(bidder_id=self.leader_id, user_id=None, amount_fen=price,
                                      kind="auto", paddle_no=self.leader_paddle_no, **common)))
            self.current_price_fen = price
        else:
            if leader_max is not None and leader_max > self.current_price_fen and amount <= leader_max:
                # the two proxies climb until the leader's maximum is spent: log the last rounds
                if amount < leader_max:
                    bids.append(self._log(Bid(bidder_id=bidder.org_id, user_id=bidder.user_id,
                                              amount_fen=leader_max - self.increment_fen,
                                              max_amount_fen=max_amount, kind=kind,
                                              paddle_no=paddle, **common)))
                bids.append(self._log(Bid(bidder_id=self.leader_id, user_id=None,
                                          amount_fen=leader_max, kind="auto",
                                          paddle_no=self.leader_paddle_no, **common)))
                amount = leader_max + self.increment_fen
            price = amount
            bids.append(self._log(Bid(bidder_id=bidder.org_id, user_id=bidder.user_id,
                                      amount_fen=price, max_amount_fen=max_amount, kind=kind,
                                      paddle_no=paddle, **common)))
            bids.insert(0, bids.pop())   # the caller's final record first
            self.current_price_fen = price
            self.leader_id = bidder.org_id
            self.leader_paddle_no = paddle
            self.leader_max_fen = challenger_max

        events += self.start_timed_window(now)   # before the bids it frames, if not yet announced
        for bid in sorted((b for b in bids if b.accepted), key=lambda b: b.seq):
            events.append(self._event("bid_accepted", now, seq=bid.seq, amount_fen=bid.amount_fen,
                                      paddle_no=bid.paddle_no, kind=bid.kind))
        restarted = now >= self.free_period_ends_at
        if restarted:
            self.ends_at = max(self.ends_at, now + self.window)   # never earlier, whatever the clock
            events.append(self._event("window_restarted", now, ends_at=self.ends_at.isoformat()))
        return BidOutcome(accepted, refusal, bids, self.leader_id == bidder.org_id,
                          self.current_price_fen, self.ends_at, restarted, events)

    def _log(self, bid: Bid) -> Bid:
        self.bid_count += 1
        bid.seq = self.bid_count
        return bid

    # ---- close ---------------------------------------------------------------------------
    def close(self, now: datetime) -> CloseResult:
        """Decide the result once the last window has passed. The caller persists it with a
        conditional update, so a second close of the same lot finds nothing to do."""
        _require_aware(now)
        if self.status not in LIVE_LOT_STATUSES:
            raise IllegalTransition(f"拍品{status_label('lot', self.status)} (lot already {self.status})")
        if now < self.ends_at:
            raise Conflict("竞价尚未结束 (bidding has not ended)")
        hammer = hammer_price(current_price_fen=self.current_price_fen,
                              leader_max_fen=self.leader_max_fen, reserve_price_fen=self.reserve_price_fen,
                              starting_price_fen=self.starting_price_fen, increment_fen=self.increment_fen)
        self.status = "sold" if hammer is not None else "unsold"
        self.closed_at = now
        if hammer is None:
            return CloseResult("unsold", None, None, False)
        self.current_price_fen = hammer   # the reserve applied at the hammer shows only now
        return CloseResult("sold", self.leader_id, hammer, True)

    def cancel(self, now: datetime, reason: str) -> list[dict]:
        _require_aware(now)
        if self.status not in LIVE_LOT_STATUSES:
            raise IllegalTransition(f"拍品{status_label('lot', self.status)}，不能撤拍 (lot already {self.status})")
        if not (reason or "").strip():
            raise ValidationFailed.on("reason", "请说明撤拍原因 (reason required)")
        self.status = "cancelled"
        self.closed_at = now
        self.cancel_reason = reason.strip()
        return [self._event("lot_cancelled", now, reason=self.cancel_reason)]

    def closed_event(self, now: datetime) -> dict:
        return self._event("lot_closed", now, status=self.status,
                           hammer_price_fen=self.current_price_fen if self.status == "sold" else None,
                           paddle_no=self.leader_paddle_no if self.status == "sold" else None)

    # ---- registration --------------------------------------------------------------------
    def register(self, *, bidder_id: int, user_id: int | None, paddle_no: int,
                 now: datetime, gateway: str = "manual") -> Registration:
        _require_aware(now)
        if bidder_id == self.seller_id:
            raise Forbidden(REFUSALS[OWN_LOT], {"lot_id": [OWN_LOT]})
        if self.status == "cancelled":
            raise Conflict(REFUSALS[LOT_CANCELLED])
        if self.status not in LIVE_LOT_STATUSES or now >= self.ends_at:
            raise Conflict(REFUSALS[AFTER_CLOSE])
        deposit = Deposit(bidder_id=bidder_id, amount_fen=self.deposit_fen, created_at=now,
                          gateway=gateway)
        return Registration(bidder_id=bidder_id, user_id=user_id, paddle_no=paddle_no,
                            deposit=deposit, created_at=now)

    def _event(self, type_: str, now: datetime, **data) -> dict:
        return {"type": type_, "lot_id": getattr(self, "id", None), "at": now.isoformat(), **data}


# --------------------------------------------------------------------------- confirmation

class Confirmation:
    """成交确认书: the record of a sale, to be signed by the signing deadline (a local date)."""

    def __init__(self, *, lot_id: int, achievement_id: int, market_code: str, seller_id: int,
                 winner_id: int, hammer_price_fen: int, deposit_fen: int, sign_by: date,
                 created_at: datetime):
        _require_aware(created_at, "created_at")
        self.lot_id = lot_id
        self.achievement_id = achievement_id
        self.market_code = market_code
        self.seller_id = seller_id
        self.winner_id = winner_id
        self.hammer_price_fen = hammer_price_fen
        self.deposit_fen = deposit_fen
        self.sign_by = sign_by
        self.status = "pending"
        self.created_at = created_at
        self.signed_at: datetime | None = None
        self.signed_by_id: int | None = None
        self.forfeited_at: datetime | None = None

    @classmethod
    def issue(cls, *, lot: Lot, result: CloseResult, market_code: str, now: datetime,
              calendar: WorkingDayCalendar, working_days: int = 5) -> "Confirmation":
        if result.status != "sold":
            raise IllegalTransition("流拍的拍品没有成交确认书 (unsold lot has no confirmation)")
        return cls(lot_id=lot.id, achievement_id=lot.achievement_id, market_code=market_code,
                   seller_id=lot.seller_id, winner_id=result.winner_id,
                   hammer_price_fen=result.hammer_price_fen, deposit_fen=lot.deposit_fen,
                   sign_by=calendar.deadline_day(now, working_days), created_at=now)

    @property
    def deadline(self) -> datetime:
        return end_of_day(self.sign_by)

    def is_overdue(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.deadline

    def sign(self, now: datetime, actor_id: int | None) -> None:
        _require_aware(now)
        if self.status != "pending":
            raise IllegalTransition(f"确认书{status_label('confirmation', self.status)}"
                                    f" (confirmation already {self.status})")
        if now >= self.deadline:
            raise IllegalTransition("已过签约期限 (signing deadline has passed)")
        self.status = "signed"
        self.signed_at = now
        self.signed_by_id = actor_id

    def forfeit(self, now: datetime) -> None:
        _require_aware(now)
        if self.status != "pending":
            raise IllegalTransition(f"确认书{status_label('confirmation', self.status)}"
                                    f" (confirmation already {self.status})")
        if now < self.deadline:
            raise Conflict("签约期限未到 (signing deadline not reached)")
        self.status = "forfeited"
        self.forfeited_at = now
