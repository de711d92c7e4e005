"""Auctions (拍卖会): sessions, lots, registrations, deposits, bids, live feed, confirmations.

Every lot response carries `server_now` and the current `ends_at`: clients count down from the
server's clock, never their own. Times are shown in Asia/Shanghai."""
from __future__ import annotations

from datetime import date, datetime

from flask import Response, current_app, jsonify, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema, ValidationError

from market.adapters.events import FakeEventBus, follow
from market.domain.auctions import SHANGHAI
from market.domain.errors import Conflict
from market.services import auctions as svc

from .deps import current_user_id, limiter, now, require_user, services, uow
from .fields import LocalDateTime
from .schemas import Money

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
    min=1, max=10**15, error="金额应在 1 到 10^15 分之间 (fen)"), **kw)


# ---------------------------------------------------------------------------- adapters

def _bus():
    return services().events


def _gateway():
    return services().payment_gateway


def _rules():
    return svc.rules_from_config(current_app.config)


def _clock():
    return services().clock


def _local(value):
    """Views hold datetimes (UTC) and dates; the API shows Shanghai time as ISO 8601."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T" and value[-6] in "+-":
        try:
            return datetime.fromisoformat(value).astimezone(SHANGHAI).isoformat()
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _local(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_local(v) for v in value]
    return value


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
    achievement_id = fields.Integer(required=True, strict=True)
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
    auction_id = fields.Integer(load_default=None, strict=True)
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


# ---------------------------------------------------------------------------- sessions

@auctions_blp.route("")
class Auctions(MethodView):
    @auctions_blp.arguments(AuctionListArgs, location="query")
    def get(self, args):
        """Auction sessions, newest first (public)."""
        return _json(svc.list_auctions(uow(), market_code=args.get("market"), now=now()))

    @auctions_blp.arguments(AuctionIn)
    def post(self, body):
        """An operator opens an auction session for their market."""
        return _json(svc.create_auction(uow(), actor_id=require_user()["id"], now=now(), **body), 201)


@auctions_blp.route("/<int:auction_id>")
class AuctionItem(MethodView):
    def get(self, auction_id):
        """Live view of every lot; the market's operators also see reserves, leaders, deposits."""
        return _json(svc.get_auction(uow(), auction_id, now=now(), viewer_id=current_user_id()))


@auctions_blp.route("/<int:auction_id>/lots")
class AuctionLots(MethodView):
    @auctions_blp.arguments(LotIn)
    def post(self, body, auction_id):
        """Offer a published achievement in the session (operator)."""
        return _json(svc.add_lot(uow(), actor_id=require_user()["id"], auction_id=auction_id,
                                 now=now(), **body), 201)


# ---------------------------------------------------------------------------- lots

@lots_blp.route("/<int:lot_id>")
class LotItem(MethodView):
    def get(self, lot_id):
        """A lot's state with `server_now` and the current `ends_at`."""
        return _json(svc.get_lot(uow(), lot_id, now=now(), viewer_id=current_user_id()))


@lots_blp.route("/<int:lot_id>/bids")
class LotBids(MethodView):
    def get(self, lot_id):
        """Accepted bids (operators: every attempt, with refusal reasons)."""
        return _json(svc.list_lot_bids(uow(), lot_id, viewer_id=current_user_id()))

    @lots_blp.arguments(BID_IN)
    def post(self, body, lot_id):
        """Bid (`amount_fen`) or set a proxy maximum (`max_amount_fen`). 201 when accepted, 409 with
        the refusal code otherwise. Send `Idempotency-Key` to make retries safe."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 100:
            raise Conflict("Idempotency-Key 长度应为 1–100 (1 to 100 characters)")
        answer = svc.place_bid(uow(), actor_id=require_user()["id"], lot_id=lot_id, clock=_clock(),
                               amount_fen=body.get("amount_fen"), max_amount_fen=body.get("max_amount_fen"),
                               idempotency_key=key, bus=_bus())
        if answer["accepted"]:
            return _json(answer, 201)
        body = {"code": 409, "status": "Conflict", "message": answer["message"] or answer["refusal"],
                "errors": {"amount_fen": [answer["refusal"]]}, **answer}
        return _json(body, 409)


@lots_blp.route("/<int:lot_id>/registrations")
class LotRegistrations(MethodView):
    def post(self, lot_id):
        """Register my enterprise for the lot; the deposit is pending until confirmed."""
        return _json(svc.register_for_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id,
                                          now=now(), gateway=_gateway()), 201)


@lots_blp.route("/<int:lot_id>/cancel")
class LotCancel(MethodView):
    @lots_blp.arguments(CancelIn)
    def post(self, body, lot_id):
        """Withdraw the lot (operator): deposits are released, the achievement published again."""
        return _json(svc.cancel_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id,
                                    reason=body["reason"], now=now(), bus=_bus()))


@lots_blp.route("/<int:lot_id>/close")
class LotClose(MethodView):
    def post(self, lot_id):
        """Record the result now if the lot's end has passed (operator; the scheduler does this
        on its own). 409 when it is not due or already closed."""
        user = require_user()
        view = svc.get_lot(uow(), lot_id, now=now(), viewer_id=user["id"])
        if "reserve_price_fen" not in view:
            from market.domain.errors import Forbidden
            raise Forbidden()
        result = svc.close_lot(uow(), lot_id, _clock(), _rules(), _bus())
        if result is None:
            raise Conflict("拍品未到结束时间或已结束 (not due, or already closed)")
        return _json(result)


@lots_blp.route("/<int:lot_id>/reoffer")
class LotReoffer(MethodView):
    @lots_blp.arguments(ReofferIn)
    def post(self, body, lot_id):
        """Offer again an unsold, cancelled or forfeited lot's achievement (operator)."""
        return _json(svc.reoffer_lot(uow(), actor_id=require_user()["id"], lot_id=lot_id, now=now(),
                                     **body), 201)


@lots_blp.route("/<int:lot_id>/events")
class LotEvents(MethodView):
    def get(self, lot_id):
        """Server-sent events: bid_accepted, window_restarted, lot_opened, lot_closed, lot_cancelled.
        Each has an id (the lot's event sequence); reconnect with `Last-Event-ID` to resume."""
        raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or "0"
        after = int(raw) if raw.isdigit() else 0
        factory = services().uow_factory
        final = svc.lot_is_final(factory(), lot_id)
        if final is None:
            from market.domain.errors import NotFound
            raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
        if final and not svc.lot_events_after(factory(), lot_id, after):
            return Response(status=204)   # over and fully seen: tells EventSource to stop
        bus = _bus()
        subscription = bus.subscribe(lot_id)
        shared = not isinstance(bus, FakeEventBus)   # an in-process bus misses the scheduler's events
        stream = follow(subscription, lambda seq: svc.lot_events_after(factory(), lot_id, seq), after,
                        heartbeat=current_app.config.get("SSE_HEARTBEAT_SECONDS", 15),
                        idle_replay=5.0 if shared else 1.0,
                        max_seconds=current_app.config.get("SSE_MAX_SECONDS", 300))
        return Response(stream_with_context(stream), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---------------------------------------------------------------------------- deposits etc.

@deposits_blp.route("/<int:deposit_id>/confirm")
class DepositConfirm(MethodView):
    @deposits_blp.arguments(ConfirmDepositIn)
    def post(self, body, deposit_id):
        """The operator confirms a bank-transfer deposit: it is held, and its bidder may bid."""
        return _json(svc.confirm_deposit(uow(), actor_id=require_user()["id"], deposit_id=deposit_id,
                                         now=now(), reference=body.get("reference")))


@registrations_blp.route("/mine")
class MyRegistrations(MethodView):
    def get(self):
        """My organisation's registrations and deposits."""
        return _json(svc.my_registrations(uow(), actor_id=require_user()["id"]))


@confirmations_blp.route("/<int:confirmation_id>")
class ConfirmationItem(MethodView):
    def get(self, confirmation_id):
        return _json(svc.get_confirmation(uow(), actor_id=require_user()["id"],
                                          confirmation_id=confirmation_id))


@confirmations_blp.route("/<int:confirmation_id>/sign")
class ConfirmationSign(MethodView):
    def post(self, confirmation_id):
        """Record the winner's signature (operator): the achievement is sold, the contract recorded."""
        return _json(svc.sign_confirmation(uow(), actor_id=require_user()["id"],
                                           confirmation_id=confirmation_id, now=now()))
