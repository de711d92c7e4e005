"""Deals without an auction (协议成交): interest (意向登记), negotiations and offers (洽谈 / 报价),
agreements and their signature; and the public publicity notices (公示) with objections (异议)."""
from http import HTTPStatus

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from market.domain import taxonomy
from market.domain.deals import (AGREEMENT_STATUSES, INTEREST_STATUSES, MAX_MESSAGE, MAX_OFFER_VALID_DAYS,
                                 MAX_REASON, MAX_TERMS, NEGOTIATION_STATUSES, OFFER_STATUSES, SIDES)
from market.domain.publicity import NOTICE_STATUSES, OBJECTION_STATUSES, RULINGS
from market.services import deals as svc
from market.services import publicity as pub

from .deps import now, require_user, uow
from .fields import LocalDateTime
from .schemas import Choice, Id, Money, PageArgs, page_schema

blp = Blueprint("deals", __name__, url_prefix="/api/v1/deals",
                description="协议成交：意向登记、洽谈报价、协议与签约 (deals by agreement: interest, offers, agreements)")
publicity_blp = Blueprint("publicity", __name__, url_prefix="/api/v1/publicity-notices",
                          description="协议定价公示与异议 (publicity of agreed prices, and objections); public to read")
BLUEPRINTS = [blp, publicity_blp]

def errors(*codes, bp=blp):
    """Document the error answers a route gives (the Api's registered responses, in the one error shape)."""
    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view
    return decorate


def _me() -> int:
    return require_user()["id"]


# --------------------------------------------------------------------------- schemas
class InterestIn(Schema):
    achievement_id = Id(required=True)
    message = fields.String(required=True, validate=validate.Length(min=1, max=MAX_MESSAGE),
                            metadata={"description": "意向说明 (what the company wants)"})


class DealReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class OfferDeclineIn(Schema):
    reason = fields.String(validate=validate.Length(max=MAX_REASON), allow_none=True)


class OfferIn(Schema):
    price_fen = Money(required=True, metadata={"description": "报价 (fen)"})
    transfer_mode = Choice(taxonomy.TRANSFER_MODES, required=True, metadata={"description": "交易方式"})
    payment_terms = fields.String(validate=validate.Length(max=MAX_TERMS), load_default="",
                                  metadata={"description": "付款安排 (payment schedule, text)"})
    valid_days = fields.Integer(validate=validate.Range(min=1, max=MAX_OFFER_VALID_DAYS,
                                                        error=f"有效期应为 1 到 {MAX_OFFER_VALID_DAYS} 天"),
                                load_default=None, metadata={"description": "offer lapses after this many days (default 7)"})


class SignIn(Schema):
    signed_on = fields.Date(allow_none=True, metadata={"description": "签订日期; default: today in Shanghai"})


class RulingIn(Schema):
    decision = Choice(RULINGS, required=True, metadata={"description": "upheld: the deal is voided; dismissed: recorded"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class InterestOut(Schema):
    id = fields.Integer()
    achievement_id = fields.Integer()
    buyer_org_id = fields.Integer()
    seller_org_id = fields.Integer()
    market_code = fields.String()
    message = fields.String()
    status = fields.String(metadata={"enum": list(INTEREST_STATUSES)})
    decline_reason = fields.String(allow_none=True)
    negotiation_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    answered_at = LocalDateTime(allow_none=True)


class OfferOut(Schema):
    id = fields.Integer()
    negotiation_id = fields.Integer()
    side = fields.String(metadata={"enum": list(SIDES)})
    price_fen = fields.Integer()
    transfer_mode = fields.String()
    payment_terms = fields.String()
    status = fields.String(metadata={"enum": list(OFFER_STATUSES)})
    replaces_id = fields.Integer(allow_none=True, metadata={"description": "the offer this one counters"})
    decline_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    expires_at = LocalDateTime()
    answered_at = LocalDateTime(allow_none=True)


class NegotiationOut(Schema):
    id = fields.Integer()
    interest_id = fields.Integer()
    achievement_id = fields.Integer()
    buyer_org_id = fields.Integer()
    seller_org_id = fields.Integer()
    market_code = fields.String()
    status = fields.String(metadata={"enum": list(NEGOTIATION_STATUSES)})
    offers = fields.List(fields.Nested(OfferOut))
    agreement_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class AgreementOut(Schema):
    id = fields.Integer()
    negotiation_id = fields.Integer()
    offer_id = fields.Integer()
    achievement_id = fields.Integer()
    seller_org_id = fields.Integer()
    buyer_org_id = fields.Integer()
    market_code = fields.String()
    price_fen = fields.Integer()
    transfer_mode = fields.String()
    contract_type = fields.String()
    payment_terms = fields.String()
    publicly_funded = fields.Boolean(metadata={"description": "the seller is bound by the 公示 rule"})
    status = fields.String(metadata={"enum": list(AGREEMENT_STATUSES)})
    publicity_notice_id = fields.Integer(allow_none=True)
    contract_id = fields.Integer(allow_none=True)
    void_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    signed_at = LocalDateTime(allow_none=True)
    voided_at = LocalDateTime(allow_none=True)


class ObjectionOut(Schema):
    id = fields.Integer()
    notice_id = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"enum": list(OBJECTION_STATUSES)})
    ruling_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    ruled_at = LocalDateTime(allow_none=True)
    agreement_status = fields.String(metadata={"description": "after a ruling: the agreement's status"})


class PartyOut(Schema):
    id = fields.Integer()
    name = fields.String()


class NoticeOut(Schema):
    id = fields.Integer()
    agreement_id = fields.Integer()
    achievement_id = fields.Integer()
    achievement_title = fields.String()
    market_code = fields.String()
    seller = fields.Nested(PartyOut)
    buyer = fields.Nested(PartyOut)
    price_fen = fields.Integer(metadata={"description": "拟成交价格 (fen)"})
    transfer_mode = fields.String()
    days = fields.Integer(metadata={"description": "公示天数 (≥ 15 calendar days)"})
    status = fields.String(metadata={"enum": list(NOTICE_STATUSES)})
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    opened_at = LocalDateTime(allow_none=True)
    ended_at = LocalDateTime(allow_none=True)
    voided_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    objections = fields.List(fields.Nested(ObjectionOut))


class StatusArgs(PageArgs):
    status = fields.String(validate=validate.Length(max=16))


class NoticeArgs(PageArgs):
    market = Choice(taxonomy.MARKET_CODES)
    status = Choice(NOTICE_STATUSES)


# --------------------------------------------------------------------------- interest
@blp.route("/interests")
class Interests(MethodView):
    @blp.arguments(StatusArgs, location="query")
    @blp.response(200, page_schema(InterestOut, "InterestPage"))
    @errors(401)
    def get(self, args):
        """Members: their organisation's (as buyer or holder); operators: their market's; the admin: all."""
        return svc.list_interests(uow(), actor_id=_me(), status=args.get("status"), page=args["page"],
                                  per_page=args["per_page"])

    @blp.arguments(InterestIn)
    @blp.response(201, InterestOut)
    @errors(401, 403, 404, 409)
    def post(self, body):
        """意向登记: a company member registers interest in a published achievement."""
        return svc.register_interest(uow(), actor_id=_me(), now=now(), **body)


@blp.route("/interests/<int:interest_id>")
class InterestItem(MethodView):
    @blp.response(200, InterestOut)
    @errors(401, 404)
    def get(self, interest_id):
        return svc.get_interest(uow(), actor_id=_me(), interest_id=interest_id)


@blp.route("/interests/<int:interest_id>/accept")
class InterestAccept(MethodView):
    @blp.response(201, NegotiationOut)
    @errors(401, 403, 404, 409)
    def post(self, interest_id):
        """The holder accepts to negotiate: a negotiation opens."""
        return svc.accept_interest(uow(), actor_id=_me(), interest_id=interest_id, now=now())


@blp.route("/interests/<int:interest_id>/decline")
class InterestDecline(MethodView):
    @blp.arguments(DealReasonIn)
    @blp.response(200, InterestOut)
    @errors(401, 403, 404, 409)
    def post(self, body, interest_id):
        """The holder declines, with a reason."""
        return svc.decline_interest(uow(), actor_id=_me(), interest_id=interest_id, reason=body["reason"], now=now())


# --------------------------------------------------------------------------- negotiations and offers
@blp.route("/negotiations")
class Negotiations(MethodView):
    @blp.arguments(StatusArgs, location="query")
    @blp.response(200, page_schema(NegotiationOut, "NegotiationPage"))
    @errors(401)
    def get(self, args):
        """The parties' own; operators see their market's; nobody else sees the offers."""
        return svc.list_negotiations(uow(), actor_id=_me(), now=now(), status=args.get("status"),
                                     page=args["page"], per_page=args["per_page"])


@blp.route("/negotiations/<int:negotiation_id>")
class NegotiationItem(MethodView):
    @blp.response(200, NegotiationOut)
    @errors(401, 404)
    def get(self, negotiation_id):
        return svc.get_negotiation(uow(), actor_id=_me(), negotiation_id=negotiation_id, now=now())


@blp.route("/negotiations/<int:negotiation_id>/offers")
class NegotiationOffers(MethodView):
    @blp.arguments(OfferIn)
    @blp.response(201, OfferOut)
    @errors(401, 403, 404, 409)
    def post(self, body, negotiation_id):
        """Either side proposes a price and terms (while no offer is open)."""
        return svc.make_offer(uow(), actor_id=_me(), negotiation_id=negotiation_id, terms=body, now=now())


@blp.route("/offers/<int:offer_id>/accept")
class OfferAccept(MethodView):
    @blp.response(201, AgreementOut)
    @errors(401, 403, 404, 409)
    def post(self, offer_id):
        """The other side accepts: the agreement (协议成交). A publicly funded seller's opens its
        publicity notice; the achievement leaves the market (no lot, no second agreement)."""
        return svc.accept_offer(uow(), actor_id=_me(), offer_id=offer_id, now=now(),
                                rules=svc.rules_from_config(current_app.config))


@blp.route("/offers/<int:offer_id>/decline")
class OfferDecline(MethodView):
    @blp.arguments(OfferDeclineIn)
    @blp.response(200, OfferOut)
    @errors(401, 403, 404, 409)
    def post(self, body, offer_id):
        return svc.decline_offer(uow(), actor_id=_me(), offer_id=offer_id, reason=body.get("reason"), now=now())


@blp.route("/offers/<int:offer_id>/counter")
class OfferCounter(MethodView):
    @blp.arguments(OfferIn)
    @blp.response(201, OfferOut)
    @errors(401, 403, 404, 409)
    def post(self, body, offer_id):
        """还价: answer an offer with another (the first is marked countered)."""
        return svc.counter_offer(uow(), actor_id=_me(), offer_id=offer_id, terms=body, now=now())


# --------------------------------------------------------------------------- agreements
@blp.route("/agreements/<int:agreement_id>")
class AgreementItem(MethodView):
    @blp.response(200, AgreementOut)
    @errors(401, 404)
    def get(self, agreement_id):
        return svc.get_agreement(uow(), actor_id=_me(), agreement_id=agreement_id)


@blp.route("/agreements/<int:agreement_id>/sign")
class AgreementSign(MethodView):
    @blp.arguments(SignIn)
    @blp.response(200, AgreementOut)
    @errors(401, 403, 404, 409)
    def post(self, body, agreement_id):
        """Record the signature (a party's member or the listing market's operator): the achievement
        is sold and the technology contract is made, to be registered by the seller's market."""
        return svc.sign_agreement(uow(), actor_id=_me(), agreement_id=agreement_id, now=now(),
                                  signed_on=body.get("signed_on"))


# --------------------------------------------------------------------------- publicity (public)
@publicity_blp.route("")
class Notices(MethodView):
    @publicity_blp.arguments(NoticeArgs, location="query")
    @publicity_blp.response(200, page_schema(NoticeOut, "NoticePage"))
    def get(self, args):
        """Public: every notice, by market and status, newest period first."""
        return pub.list_notices(uow(), market_code=args.get("market"), status=args.get("status"),
                                page=args["page"], per_page=args["per_page"])


@publicity_blp.route("/<int:notice_id>")
class NoticeItem(MethodView):
    @publicity_blp.response(200, NoticeOut)
    @errors(404, bp=publicity_blp)
    def get(self, notice_id):
        """Public: the achievement, the parties, the intended price, the period and its objections."""
        return pub.get_notice(uow(), notice_id=notice_id)


@publicity_blp.route("/<int:notice_id>/objections")
class NoticeObjections(MethodView):
    @publicity_blp.arguments(DealReasonIn)
    @publicity_blp.response(201, ObjectionOut)
    @errors(401, 403, 404, 409, bp=publicity_blp)
    def post(self, body, notice_id):
        """Anyone signed in, except the deal's parties, during the period."""
        return pub.file_objection(uow(), actor_id=_me(), notice_id=notice_id, reason=body["reason"], now=now())


@publicity_blp.route("/objections/<int:objection_id>/ruling")
class ObjectionRuling(MethodView):
    @publicity_blp.arguments(RulingIn)
    @publicity_blp.response(200, ObjectionOut)
    @errors(401, 403, 404, 409, bp=publicity_blp)
    def post(self, body, objection_id):
        """The listing market's operator rules: upheld voids the deal (the achievement is published
        again); dismissed is recorded with its reason."""
        return pub.rule_objection(uow(), actor_id=_me(), objection_id=objection_id, now=now(), **body)
