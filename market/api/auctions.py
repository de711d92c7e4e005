"""Auctions (拍卖会): sessions, lots, registrations, deposits, bids, live feed, confirmations.

Every lot response carries `server_now` and the current `ends_at`: clients count down from the
server's clock, never their own. Times are shown in Asia/Shanghai."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema, ValidationError

from market.domain.errors import Conflict, ValidationFailed
from market.domain.money import MAX_AMOUNT_FEN
from market.domain.idempotency import HEADER as IDEMPOTENCY_KEY
from market.services import auctions as svc
from market.services.lot_close import close_lot_by_hand

from .deps import current_user_id, limiter, now, require_user, services, uow
from .fields import LocalDateTime, local_times as _local
from .schemas import Id, Money

auctions_blp = Blueprint("auctions", __name__, url_prefix="/api/v1/auctions",
                         description="拍卖会 (auction sessions) and the operator's live view")
lots_blp = Blueprint("lots", __name__, url_prefix="/api/v1/lots",
                     description="拍品 (lots): state, bids, registrations, live events")
deposits_blp = Blueprint("auction_deposits", __name__, url_prefix="/api/v1/deposits",
                         description="保证金 (deposits) confirmed by operators")
confirmations_blp = Blueprint("confirmations", __name__, url_prefix="/api/v1/confirmations",
                              description="成交确认书 (sale confirmations)")
registrations_blp = Blueprint("registrations", __name__, url_prefix="/api/v1/registrations",
                              description="竞买报名 (my registrations)")
BLUEPRINTS = [auctions_blp, lots_blp, deposits_blp, confirmations_blp, registrations_blp]

Fen = lambda **kw: fields.Integer(strict=True, validate=validate.Range(  # noqa: E731
    min=1, max=MAX_AMOUNT_FEN, error="金额应在 1 到 10^15 分之间 (fen)"), **kw)


# ---------------------------------------------------------------------------- adapters

def _bus():
    return services().events


def _gateway():
    return services().payment_gateway


def _rules():
    return svc.rules_from_config(current_app.config)


def _clock():
    return services().clock


def _json(view, status: int = 200):
    response = jsonify(_local(view))
    response.status_code = status
    return response


# ---------------------------------------------------------------------------- schemas

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


@limiter.request_filter
def _bids_are_not_rate_limited() -> bool:
    """No limit applies to bids (the lot's lock paces them); saying so up front spares the hot
    route flask-limiter's per-request limit resolution."""
    return request.endpoint == "lots.LotBids" and request.method == "POST"


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


def _responds(blp, status, schema=None, description=None, content_type=None):
    """Document an answer the view builds itself: like `alt_response(success=True)`, but the view
    function is returned unwrapped (nothing added to the call path, the bid route included)."""
    def decorator(func):
        documented = blp.alt_response(status, schema=schema, description=description,
                                      content_type=content_type, success=True)(func)
        func._apidoc = documented._apidoc
        return func
    return decorator


# ---------------------------------------------------------------------------- sessions

@auctions_blp.route("")
class Auctions(MethodView):
    @auctions_blp.arguments(AuctionListArgs, location="query")
    @_responds(auctions_blp, 200, AuctionOut(many=True))
    def get(self, args):
        """Auction sessions, newest first (public)."""
        return _json(svc.list_auctions(uow(), market_code=args.get("market"), now=now()))

    @auctions_blp.arguments(AuctionIn)
    @_responds(auctions_blp, 201, AuctionOut)
    def post(self, body):
        """An operator opens an auction session for their market."""
        return _json(svc.create_auction(uow(), actor_id=require_user()["id"], now=now(), **body), 201)


@auctions_blp.route("/<int:auction_id>")
class AuctionItem(MethodView):
    @_responds(auctions_blp, 200, AuctionOut)
    def get(self, auction_id):
        """Live view of every lot; the market's operators also see reserves, leaders, deposits."""
        return _json(svc.get_auction(uow(), auction_id, now=now(), viewer_id=current_user_id()))


@auctions_blp.route("/<int:auction_id>/lots")
class AuctionLots(MethodView):
    @auctions_blp.arguments(LotIn)
    @_responds(auctions_blp, 201, LotOut)
    def post(self, body, auction_id):
        """Offer a published achievement in the session (operator)."""
        return _json(svc.add_lot(uow(), actor_id=require_user()["id"], auction_id=auction_id,
                                 now=now(), **body), 201)


# ---------------------------------------------------------------------------- lots

@lots_blp.route("/<int:lot_id>")
class LotItem(MethodView):
    @_responds(lots_blp, 200, LotOut)
    def get(self, lot_id):
        """A lot's state with `server_now` and the current `ends_at`.

        Price rules (see the LotOut schema): bids on the grid anchored on the starting price;
        the reserve never revealed while bidding and applied at the hammer; the leader may raise,
        never lower, its proxy maximum. The seller's organisation also reads the reserve; the
        winner reads its confirmation (`my_confirmation`: id, status, signing deadline)."""
        return _json(svc.get_lot(uow(), lot_id, now=now(), viewer_id=current_user_id()))


@lots_blp.route("/<int:lot_id>/bids")
class LotBids(MethodView):
    @_responds(lots_blp, 200, BidOut(many=True))
    def get(self, lot_id):
        """Accepted bids (operators: every attempt, with refusal reasons)."""
        return _json(svc.list_lot_bids(uow(), lot_id, viewer_id=current_user_id()))

    @lots_blp.arguments(BID_IN)
    @_responds(lots_blp, 201, BidAnswerOut, description="accepted")
    @_responds(lots_blp, 409, BidRefusedOut, description="refused (see `refusal`)")
    def post(self, body, lot_id):
        """Bid (`amount_fen`) or set a proxy maximum (`max_amount_fen`). 201 when accepted, 409 with
        the refusal code otherwise. The leader may send a higher `max_amount_fen` to raise its own
        maximum (201, the price does not move), never a lower one (`maximum_not_raised`).

        Send `Idempotency-Key` (1–100 characters) to make retries safe: the same key with the
        same request replays the first answer (`replayed: true`); the same key with another
        request (another amount, another lot) is refused with 422 `idempotency_key_reused`."""
        key = request.headers.get(IDEMPOTENCY_KEY)
        if key is not None and not 1 <= len(key) <= 100:
            raise ValidationFailed.on(IDEMPOTENCY_KEY, "长度应为 1–100 (1 to 100 characters)")
        answer = svc.place_bid(uow(), actor_id=require_user()["id"], lot_id=lot_id, clock=_clock(),
                               amount_fen=body.get("amount_fen"), max_amount_fen=body.get("max_amount_fen"),
                               idempotency_key=key, bus=_bus())
        if answer["accepted"]:
            return _json(answer, 201)
        field = "amount_fen" if body.get("amount_fen") is not None else "max_amount_fen"   # what was sent
        body = {"code": 409, "status": "Conflict", "message": answer["message"] or answer["refusal"],
                "errors": {field: [answer["refusal"]]}, **answer}
        return _json(body, 409)


@lots_blp.route("/<int:lot_id>/registrations")
class LotRegistrations(MethodView):
    @_responds(lots_blp, 201, RegistrationOut)
    def post(self, lot_id):
        """Register my enterprise for the lot; the deposit is pending until confirmed."""
        return _json(svc.register_for_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id,
                                          now=now(), gateway=_gateway()), 201)


@lots_blp.route("/<int:lot_id>/cancel")
class LotCancel(MethodView):
    @lots_blp.arguments(CancelIn)
    @_responds(lots_blp, 200, LotOut)
    def post(self, body, lot_id):
        """Withdraw the lot (operator): deposits are released, the achievement published again."""
        return _json(svc.cancel_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id,
                                    reason=body["reason"], now=now(), bus=_bus(),
                                    rules=_rules()))


@lots_blp.route("/<int:lot_id>/close")
class LotClose(MethodView):
    @_responds(lots_blp, 200, LotClosedOut)
    def post(self, lot_id):
        """Record the result now if the lot's end has passed (operator; the scheduler does this
        on its own). 409 when it is not due or already closed."""
        result = close_lot_by_hand(services().uow_factory, actor_id=require_user()["id"], lot_id=lot_id,
                                   clock=_clock(), rules=_rules(), bus=_bus())
        if result is None:
            raise Conflict("拍品未到结束时间或已结束 (not due, or already closed)")
        return _json(result)


@lots_blp.route("/<int:lot_id>/reoffer")
class LotReoffer(MethodView):
    @lots_blp.arguments(ReofferIn)
    @_responds(lots_blp, 201, LotOut)
    def post(self, body, lot_id):
        """Offer again an unsold, cancelled or forfeited lot's achievement (operator)."""
        return _json(svc.reoffer_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id, now=now(),
                                     **body), 201)


# ---------------------------------------------------------------------------- deposits etc.

@deposits_blp.route("/<int:deposit_id>/confirm")
class DepositConfirm(MethodView):
    @deposits_blp.arguments(ConfirmDepositIn)
    @_responds(deposits_blp, 200, DepositOut)
    def post(self, body, deposit_id):
        """The operator confirms a bank-transfer deposit: it is held, and its bidder may bid."""
        return _json(svc.confirm_deposit(uow(), actor_id=require_user()["id"], deposit_id=deposit_id,
                                         now=now(), reference=body.get("reference")))


@registrations_blp.route("/mine")
class MyRegistrations(MethodView):
    @_responds(registrations_blp, 200, RegistrationOut(many=True))
    def get(self):
        """My organisation's registrations and deposits."""
        return _json(svc.my_registrations(uow(), actor_id=require_user()["id"]))


@confirmations_blp.route("/<int:confirmation_id>")
class ConfirmationItem(MethodView):
    @_responds(confirmations_blp, 200, ConfirmationOut)
    def get(self, confirmation_id):
        return _json(svc.get_confirmation(uow(), actor_id=require_user()["id"],
                                          confirmation_id=confirmation_id))


@confirmations_blp.route("/<int:confirmation_id>/sign")
class ConfirmationSign(MethodView):
    @_responds(confirmations_blp, 200, ConfirmationOut)
    def post(self, confirmation_id):
        """Record the winner's signature (operator): the achievement is sold, the contract recorded."""
        return _json(svc.sign_confirmation(uow(), actor_id=require_user()["id"],
                                           confirmation_id=confirmation_id, now=now()))
