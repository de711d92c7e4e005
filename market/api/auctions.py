"""Auctions (拍卖会): sessions, lots, registrations, deposits, bids, live feed, confirmations.

Every lot response carries `server_now` and the current `ends_at`: clients count down from the
server's clock, never their own. Times are shown in Asia/Shanghai."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from market.domain.errors import Conflict, ValidationFailed
from market.domain.idempotency import HEADER as IDEMPOTENCY_KEY
from market.services import auctions as svc
from market.services.lot_close import close_lot_by_hand

from .auction_schemas import (AuctionIn, AuctionListArgs, AuctionOut, BID_IN, BidAnswerOut, BidOut,
                              BidRefusedOut, CancelIn, ConfirmDepositIn, ConfirmationOut,
                              DepositOut, LotClosedOut, LotIn, LotOut, RegistrationOut, ReofferIn)
from .deps import current_user_id, limiter, now, require_user, services, uow
from .fields import local_times as _local

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


@limiter.request_filter
def _bids_are_not_rate_limited() -> bool:
    """No limit applies to bids (the lot's lock paces them); saying so up front spares the hot
    route flask-limiter's per-request limit resolution."""
    return request.endpoint == "lots.LotBids" and request.method == "POST"


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
