"""Deals by agreement (协议成交) for members: a company registers interest in an achievement, the
holder accepts to negotiate or declines; both sides make, counter, accept or decline offers;
the agreement goes through its publicity (公示) when the seller is publicly funded, and is signed.

Every step calls the deal service the API calls, with the API's own schemas for the forms."""
from __future__ import annotations

from flask import abort, current_app, render_template, request

from market.api.deals import DealReasonIn, InterestIn, OfferDeclineIn, OfferIn
from market.api.deps import now, uow
from market.domain import taxonomy
from market.domain.errors import DomainError
from market.services import achievements as achievements_svc
from market.services import deal_pages
from market.services import deals as deals_svc

from .blueprints import page_blueprint
from .forms import back_with_refusal, done, form_values, load, refusal, signed_in

bp = page_blueprint("web_deals")
LISTED = 50
OFFER_SPEC = {"price_fen": "money", "transfer_mode": "text", "payment_terms": "text", "valid_days": "text"}


@bp.route("/achievements/<int:achievement_id>/interest", methods=["POST"])
def register_interest(achievement_id):
    """意向登记 from the achievement page; a refused form is shown again on that page."""
    user = signed_in()
    body, errors = load(InterestIn(), {"achievement_id": achievement_id,
                                       "message": request.form.get("message", "").strip()})
    message, status = None, 422
    if body is not None:
        try:
            deals_svc.register_interest(uow(), actor_id=user["id"], now=now(), **body)
        except DomainError as exc:
            (message, errors), status = refusal(exc), exc.status
        else:
            return done("已登记意向，等待成果方答复", "web_deals.mine")
    view = achievements_svc.get_achievement(uow(), achievement_id, viewer_id=user["id"])
    return render_template("web/achievement.html", a=view, interest_errors=errors, interest_message=message,
                           interest_text=request.form.get("message", "")), status


@bp.route("/my/deals")
def mine():
    """My organisation's interests (as buyer or holder) and negotiations, with their next step."""
    user = signed_in()
    interests = deals_svc.list_interests(uow(), actor_id=user["id"], per_page=LISTED)
    negotiations = deals_svc.list_negotiations(uow(), actor_id=user["id"], now=now(), per_page=LISTED)
    names = deal_pages.names_for_deals(uow(), *interests["items"], *negotiations["items"])
    return render_template("web/my_deals.html", interests=interests, negotiations=negotiations, names=names,
                           org_id=user.get("organisation_id"))


@bp.route("/my/deals/interests/<int:interest_id>/<action>", methods=["POST"])
def answer_interest(interest_id, action):
    """The holder accepts to negotiate (the negotiation opens) or declines with a reason."""
    user = signed_in()
    try:
        if action == "accept":
            negotiation = deals_svc.accept_interest(uow(), actor_id=user["id"], interest_id=interest_id, now=now())
            return done("已接受洽谈，可以开始报价", "web_deals.negotiation", negotiation_id=negotiation["id"])
        if action != "decline":
            abort(404)
        body, errors = load(DealReasonIn(), {"reason": request.form.get("reason", "").strip()})
        if body is None:
            raise DomainError("婉拒需要说明理由", errors)
        deals_svc.decline_interest(uow(), actor_id=user["id"], interest_id=interest_id, reason=body["reason"],
                                   now=now())
    except DomainError as exc:
        return back_with_refusal(exc, "web_deals.mine")
    return done("已婉拒该意向", "web_deals.mine")


def _render_negotiation(negotiation_id: int, user: dict, *, form: dict | None = None, errors: dict | None = None,
                        message: str | None = None, status: int = 200):
    n = deals_svc.get_negotiation(uow(), actor_id=user["id"], negotiation_id=negotiation_id, now=now())
    agreement = deals_svc.get_agreement(uow(), actor_id=user["id"], agreement_id=n["agreement_id"]) \
        if n["agreement_id"] else None
    names = deal_pages.names_for_deals(uow(), n)
    my_side = "buyer" if user.get("organisation_id") == n["buyer_org_id"] else \
        "holder" if user.get("organisation_id") == n["seller_org_id"] else None
    open_offer = next((o for o in n["offers"] if o["status"] == "open"), None)
    modes = names["achievements"].get(n["achievement_id"], {}).get("transfer_modes") or taxonomy.TRANSFER_MODES
    modes = [(m, m) for m in modes]
    return render_template("web/negotiation.html", n=n, agreement=agreement, names=names, my_side=my_side,
                           open_offer=open_offer, modes=modes, form=form or {}, errors=errors or {},
                           message=message), status


@bp.route("/my/deals/negotiations/<int:negotiation_id>")
def negotiation(negotiation_id):
    return _render_negotiation(negotiation_id, signed_in())


def _offer_terms(form) -> tuple[dict | None, dict]:
    data, errors = form_values(form, OfferIn(), OFFER_SPEC)
    return load(OfferIn(), data, errors)


@bp.route("/my/deals/negotiations/<int:negotiation_id>/offers", methods=["POST"])
def make_offer(negotiation_id):
    """报价: a price, a transfer mode, payment terms and how long the offer stands."""
    user = signed_in()
    terms, errors = _offer_terms(request.form)
    if terms is None:
        return _render_negotiation(negotiation_id, user, form=request.form, errors=errors,
                                   message="请修改标红的项目", status=422)
    try:
        deals_svc.make_offer(uow(), actor_id=user["id"], negotiation_id=negotiation_id, terms=terms, now=now())
    except DomainError as exc:
        message, fields = refusal(exc)
        return _render_negotiation(negotiation_id, user, form=request.form, errors=fields, message=message,
                                   status=exc.status)
    return done("报价已发出，等待对方答复", "web_deals.negotiation", negotiation_id=negotiation_id)


@bp.route("/my/deals/offers/<int:offer_id>/<action>", methods=["POST"])
def answer_offer(offer_id, action):
    """Accept (the agreement is made), decline (a reason may be given) or counter (还价)."""
    user = signed_in()
    negotiation_id = request.form.get("negotiation_id", type=int)
    if action not in ("accept", "decline", "counter") or negotiation_id is None:
        abort(404)
    try:
        if action == "accept":
            agreement = deals_svc.accept_offer(uow(), actor_id=user["id"], offer_id=offer_id, now=now(),
                                               rules=deals_svc.rules_from_config(current_app.config))
            said = "已接受报价，协议成交" + ("，进入公示期" if agreement["status"] == "in_publicity" else "，可以签约")
            return done(said, "web_deals.negotiation", negotiation_id=negotiation_id)
        if action == "decline":
            body, errors = load(OfferDeclineIn(), {"reason": request.form.get("reason", "").strip() or None})
            if body is None:
                raise DomainError("理由过长", errors)
            deals_svc.decline_offer(uow(), actor_id=user["id"], offer_id=offer_id, reason=body.get("reason"), now=now())
            return done("已拒绝该报价", "web_deals.negotiation", negotiation_id=negotiation_id)
        terms, errors = _offer_terms(request.form)
        if terms is None:
            return _render_negotiation(negotiation_id, user, form=request.form, errors=errors,
                                       message="请修改标红的项目", status=422)
        deals_svc.counter_offer(uow(), actor_id=user["id"], offer_id=offer_id, terms=terms, now=now())
    except DomainError as exc:
        if action == "counter":
            message, fields = refusal(exc)
            return _render_negotiation(negotiation_id, user, form=request.form, errors=fields, message=message,
                                       status=exc.status)
        return back_with_refusal(exc, "web_deals.negotiation", negotiation_id=negotiation_id)
    return done("已还价，等待对方答复", "web_deals.negotiation", negotiation_id=negotiation_id)


@bp.route("/my/deals/agreements/<int:agreement_id>/sign", methods=["POST"])
def sign(agreement_id):
    """签约: the achievement is sold and the technology contract is made (to be registered)."""
    user = signed_in()
    negotiation_id = request.form.get("negotiation_id", type=int)
    if negotiation_id is None:
        abort(404)
    try:
        deals_svc.sign_agreement(uow(), actor_id=user["id"], agreement_id=agreement_id, now=now())
    except DomainError as exc:
        return back_with_refusal(exc, "web_deals.negotiation", negotiation_id=negotiation_id)
    return done("已签约，技术合同已提交认定登记", "web_deals.negotiation", negotiation_id=negotiation_id)
