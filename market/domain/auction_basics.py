"""The auction feature's shared vocabulary: statuses, refusal codes and the checks every auction
object makes on times and amounts (plain Python; split from `auctions` to keep modules short)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from market.domain.errors import ValidationFailed
from market.domain.local_time import SHANGHAI  # noqa: F401 (re-exported)
from market.domain.money import MAX_AMOUNT_FEN as MAX_FEN  # the one money cap


LOT_STATUSES = ("scheduled", "open", "sold", "unsold", "cancelled")
LIVE_LOT_STATUSES = ("scheduled", "open")
FINAL_EVENTS = ("lot_closed", "lot_cancelled")   # a lot's live feed ends with one of these
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


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Shanghai: deadlines run to the end of the local day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
