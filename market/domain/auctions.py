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

from dataclasses import dataclass
from datetime import datetime, timedelta

from market.domain.auction_basics import (  # noqa: F401 (re-exported: the feature's vocabulary)
    AFTER_CLOSE, ALREADY_LEADING, BEFORE_OPEN, BELOW_START, BID_KINDS, CONFIRMATION_STATUSES,
    DEPOSIT_NOT_HELD, DEPOSIT_STATUSES, LIVE_LOT_STATUSES, LOT_CANCELLED, LOT_STATUSES, MAX_FEN,
    MAXIMUM_NOT_RAISED, NOT_ABOVE_CURRENT, NOT_REGISTERED, OFF_INCREMENT, OWN_LOT, REFUSALS,
    REFUSALS_A_LATER_BID_CAN_LIFT, SHANGHAI, TIED_EARLIER_MAXIMUM, _require_aware, _require_fen,
    end_of_day)
from market.domain.auction_bids import Bid, BidOutcome, CloseResult
from market.domain.auction_confirmations import Confirmation  # noqa: F401 (re-exported)
from market.domain.auction_prices import (check_reserve, grid_floor, hammer_price, next_on_grid,
                                          on_grid, raised_maximum)
from market.domain.auction_terms import check_start_within_a_year
from market.domain.calendar import WorkingDayCalendar  # noqa: F401 (the port, re-exported)
from market.domain.deposits import Bidder, Deposit, DepositMoved, Registration  # noqa: F401
from market.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from market.domain.events import Event, record
from market.domain.labels import status_label


@dataclass
class LiveEventsStored(Event):
    """Numbered live-feed events stored with a lot's change: published once it commits."""
    events: list


def number_events(lot: "Lot", events: list[dict]) -> list[dict]:
    """Give events the lot's next sequence numbers (the caller holds the lot's lock, or writes
    only if the lot's version is unchanged) and record them for publication after the commit."""
    stored = []
    for event in events:
        lot.event_seq = (lot.event_seq or 0) + 1
        stored.append({**event, "lot_id": lot.id, "seq": lot.event_seq})
    if stored:
        record(lot, LiveEventsStored(stored))
    return stored


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
