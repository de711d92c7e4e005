"""The auction API's request and response schemas (the views build their JSON themselves; these
document it in the OpenAPI description)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from market.domain.money import MAX_AMOUNT_FEN

from .fields import LocalDateTime
from .schemas import Id, Money

Fen = lambda **kw: fields.Integer(strict=True, validate=validate.Range(  # noqa: E731
    min=1, max=MAX_AMOUNT_FEN, error="金额应在 1 到 10^15 分之间 (fen)"), **kw)


class AuctionIn(Schema):
    market_code = fields.String(required=True, validate=validate.OneOf(("SH", "JS", "ZJ", "AH")))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))


class AuctionListArgs(Schema):
    class Meta:
        unknown = EXCLUDE
    market = fields.String(load_default=None, validate=validate.OneOf(("SH", "JS", "ZJ", "AH")))


class LotIn(Schema):
    achievement_id = Id(required=True, strict=True)
    starting_price_fen = Fen(required=True)
    increment_fen = Fen(required=True)
    reserve_price_fen = Fen(load_default=None, allow_none=True)
    deposit_fen = Money(required=True)
    starts_at = LocalDateTime(required=True)
    free_period_ends_at = LocalDateTime(required=True)
    window_seconds = fields.Integer(load_default=300, strict=True,
                                    validate=validate.Range(min=10, max=24 * 3600))

    @validates_schema
    def _times(self, data, **_):
        if data["free_period_ends_at"] <= data["starts_at"]:
            raise ValidationError("自由报价期结束须晚于开始 (free period must end after it starts)",
                                  "free_period_ends_at")


class ReofferIn(Schema):
    auction_id = Id(load_default=None, strict=True)
    starting_price_fen = Fen(load_default=None)
    increment_fen = Fen(load_default=None)
    reserve_price_fen = Fen(load_default=None, allow_none=True)
    deposit_fen = Money(load_default=None)
    starts_at = LocalDateTime(required=True)
    free_period_ends_at = LocalDateTime(required=True)
    window_seconds = fields.Integer(load_default=None, strict=True,
                                    validate=validate.Range(min=10, max=24 * 3600))


class BidIn(Schema):
    amount_fen = Fen(load_default=None)
    max_amount_fen = Fen(load_default=None)

    @validates_schema
    def _one(self, data, **_):
        if data.get("amount_fen") is None and data.get("max_amount_fen") is None:
            raise ValidationError("请填写出价或最高代理价 (amount_fen or max_amount_fen)", "amount_fen")


BID_IN = BidIn()   # one instance: the hot route does not build a schema per request


class CancelIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ConfirmDepositIn(Schema):
    reference = fields.String(load_default=None, validate=validate.Length(max=255))


# ---------------------------------------------------------------------------- response documentation
# The views build their JSON themselves (`_json`: Shanghai times, no per-request dump); these
# schemas only document it in the OpenAPI document.

class DepositOut(Schema):
    id = fields.Integer()
    bidder_id = fields.Integer()
    amount_fen = fields.Integer()
    gateway = fields.String()
    reference = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | held | applied | released | forfeited | refunded"})
    created_at = LocalDateTime()
    held_at = LocalDateTime(allow_none=True)
    settled_at = LocalDateTime(allow_none=True)
    release_by = fields.Date(allow_none=True, metadata={
        "description": "released deposits: the local day the money is due back, DEPOSIT_RELEASE_WORKING_DAYS "
                       "(3) statutory working days after the close (holidays and 调休 make-up days counted)"})
    client_secret = fields.String(allow_none=True, metadata={"description": "registration answer only: for an online gateway"})


class WinnerConfirmationOut(Schema):
    """The winner's own view of its 成交确认书: sign by the deadline or forfeit the deposit."""
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending | signed | forfeited"})
    hammer_price_fen = fields.Integer()
    sign_by = fields.Date()
    deadline = LocalDateTime()
    signed_at = LocalDateTime(allow_none=True)


class RegistrationOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    bidder_id = fields.Integer()
    user_id = fields.Integer()
    paddle_no = fields.Integer()
    created_at = LocalDateTime()
    deposit = fields.Nested(DepositOut)
    lot_title = fields.String(allow_none=True)
    my_confirmation = fields.Nested(WinnerConfirmationOut, allow_none=True, metadata={
        "description": "in my registrations: the confirmation of a lot my organisation won"})


class BidOut(Schema):
    seq = fields.Integer(allow_none=True)
    paddle_no = fields.Integer(allow_none=True)
    amount_fen = fields.Integer(allow_none=True)
    kind = fields.String(metadata={"description": "manual | proxy | auto | raise (the leader raised its maximum; operators only)"})
    at = LocalDateTime()
    accepted = fields.Boolean()
    id = fields.Integer(metadata={"description": "operators only"})
    bidder_id = fields.Integer(allow_none=True, metadata={"description": "operators only"})
    user_id = fields.Integer(allow_none=True, metadata={"description": "operators only"})
    max_amount_fen = fields.Integer(allow_none=True, metadata={"description": "operators only"})
    refusal = fields.String(allow_none=True, metadata={"description": "operators only"})
    refusal_message = fields.String(allow_none=True, metadata={"description": "operators only"})


class ConfirmationOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    achievement_id = fields.Integer()
    market_code = fields.String()
    seller_id = fields.Integer()
    winner_id = fields.Integer()
    hammer_price_fen = fields.Integer()
    deposit_fen = fields.Integer()
    sign_by = fields.Date()
    deadline = LocalDateTime()
    status = fields.String(metadata={"description": "pending | signed | forfeited"})
    created_at = LocalDateTime()
    signed_at = LocalDateTime(allow_none=True)
    signed_by_id = fields.Integer(allow_none=True)
    forfeited_at = LocalDateTime(allow_none=True)
    contract_id = fields.Integer(allow_none=True, metadata={"description": "signing answer only"})


class LotOut(Schema):
    """A lot (拍品). Its price rules:

    - **Grid.** Every bid, the first included, is `starting_price_fen + k × increment_fen` (k ≥ 0)
      and above the current price; anything else is refused (`off_increment`, `below_start`,
      `not_above_current`). `minimum_next_bid_fen` is the lowest valid bid.
    - **Proxy.** A bidder may send `max_amount_fen`: the system bids for it, one increment above
      the runner-up, never against itself; the maximum stays hidden. Equal maxima go to the
      earlier one. The leader may raise its own maximum (accepted, the price does not move, no
      window restarts); it may not lower it (`maximum_not_raised`).
    - **Reserve (保留价).** Never revealed while bidding: the shown price moves only by
      competition, and `reserve_met` says only whether the shown price has reached it. At the
      hammer, if the leader's maximum reaches the reserve but the price does not, the lot sells
      to the leader at the reserve (rounded up onto the grid); only then does it show, as the
      hammer price. Below it the lot is unsold (流拍) and its reserve is never shown. The reserve
      is at least the starting price; the market's operators and the seller's organisation read
      it, bidders never.
    """
    id = fields.Integer()
    auction_id = fields.Integer()
    lot_no = fields.Integer()
    achievement_id = fields.Integer()
    seller_id = fields.Integer()
    title = fields.String()
    status = fields.String()
    phase = fields.String()
    starting_price_fen = fields.Integer()
    increment_fen = fields.Integer()
    deposit_fen = fields.Integer()
    current_price_fen = fields.Integer(allow_none=True)
    minimum_next_bid_fen = fields.Integer()
    bid_count = fields.Integer()
    leader_paddle_no = fields.Integer(allow_none=True)
    reserve_met = fields.Boolean(allow_none=True)
    starts_at = LocalDateTime()
    free_period_ends_at = LocalDateTime()
    window_seconds = fields.Integer()
    ends_at = LocalDateTime()
    seconds_left = fields.Float()
    opened_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    reoffer_of_id = fields.Integer(allow_none=True)
    last_event_id = fields.Integer()
    server_now = LocalDateTime()
    reserve_price_fen = fields.Integer(allow_none=True, metadata={
        "description": "the market's operators and the seller's organisation only"})
    leader_id = fields.Integer(allow_none=True, metadata={"description": "the market's operators only"})
    market_code = fields.String()
    my_registration = fields.Nested(RegistrationOut, allow_none=True)
    leading = fields.Boolean()
    recent_bids = fields.List(fields.Nested(BidOut))
    my_confirmation = fields.Nested(WinnerConfirmationOut, allow_none=True, metadata={
        "description": "the winner only, once the lot is sold: its confirmation and signing deadline"})
    registrations = fields.List(fields.Nested(RegistrationOut), metadata={"description": "operators, in the session view"})
    confirmation = fields.Nested(ConfirmationOut, allow_none=True, metadata={"description": "operators, in the session view"})


class AuctionOut(Schema):
    id = fields.Integer()
    market_code = fields.String()
    title = fields.String()
    description = fields.String()
    operator_id = fields.Integer()
    created_at = LocalDateTime()
    server_now = LocalDateTime()
    status = fields.String(metadata={"description": "scheduled | live | finished"})
    lot_count = fields.Integer()
    sold_count = fields.Integer()
    unsold_count = fields.Integer()
    sold_total_fen = fields.Integer()
    next_end = LocalDateTime(allow_none=True)
    lots = fields.List(fields.Nested(LotOut), metadata={"description": "not in the list of sessions"})


class OwnBidOut(Schema):
    seq = fields.Integer(allow_none=True)
    amount_fen = fields.Integer(allow_none=True)
    max_amount_fen = fields.Integer(allow_none=True)
    kind = fields.String()
    at = LocalDateTime()


class BidAnswerOut(Schema):
    lot_id = fields.Integer()
    accepted = fields.Boolean()
    refusal = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    leading = fields.Boolean()
    bid = fields.Nested(OwnBidOut)
    price_fen = fields.Integer(allow_none=True)
    minimum_next_bid_fen = fields.Integer()
    bid_count = fields.Integer()
    window_restarted = fields.Boolean()
    ends_at = LocalDateTime()
    server_now = LocalDateTime()
    replayed = fields.Boolean()


class BidRefusedOut(BidAnswerOut):
    """409: the error shape, and for a refused bid also the answer (`refusal` names the rule)."""
    code = fields.Integer()
    status = fields.String()
    errors = fields.Dict()


class LotClosedOut(Schema):
    lot_id = fields.Integer()
    status = fields.String(metadata={"description": "sold | unsold"})
    winner_id = fields.Integer(allow_none=True)
    hammer_price_fen = fields.Integer(allow_none=True)
    closed_at = LocalDateTime()
    ends_at = LocalDateTime()
    confirmation_id = fields.Integer(allow_none=True)
