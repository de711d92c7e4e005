"""The operators' auction-day console: create a day and its lots, confirm deposits, watch every
lot live (static/web/console.js follows the auction-wide stream), close, cancel, re-offer and
sign the winner's confirmation, which records the technology contract.

Every action is one service call with the operator as actor; the services decide who may do
what (an operator of another market gets the service's 403 as a page). Forms are checked by the
API's own schemas, so a page shows the API's field messages."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from market.adapters.repository import ListingFilter
from market.api.auctions import AuctionIn, CancelIn, LotIn, ReofferIn
from market.api.deps import now, services, uow
from market.domain.errors import Forbidden
from market.domain.labels import status_label
from market.services import accounts
from market.services import achievements as achievements_svc
from market.services import auctions as svc
from market.services.live_feed import FeedStore
from market.services.lot_close import close_lot_by_hand

from .auction_forms import FormErrors, field_errors, form_body, load_form, signed_in_user
from .blueprints import page_blueprint
from .format import yuan

bp = page_blueprint("web_console")
LOT_TIMES = ("starts_at", "free_period_ends_at")
MAX_ACHIEVEMENTS_OFFERED = 100


def _operator() -> dict:
    """The signed-in operator (or admin); members are told the console is not theirs."""
    user = signed_in_user()
    if user["role"] not in ("operator", "admin"):
        raise Forbidden("只有市场运营人员可以使用拍卖控制台 (operators only)")
    return user


def _day(auction_id: int, user: dict) -> dict:
    return svc.get_auction(uow(), auction_id, now=now(), viewer_id=user["id"])


def _offerable(market_code: str) -> list[dict]:
    """Published achievements listed on the day's market: what a new lot may offer."""
    page = achievements_svc.list_public_achievements(
        uow(), ListingFilter(market=market_code, per_page=MAX_ACHIEVEMENTS_OFFERED))
    return [a for a in page.items if a["status"] == "published"]


def _bidder_names(day: dict) -> dict[int, str]:
    ids = {r["bidder_id"] for lot in day["lots"] for r in lot.get("registrations", ())}
    return {i: accounts.get_organisation(uow(), i)["name"] for i in ids}


def _render_day(auction_id: int, user: dict, *, errors=None, status: int = 200):
    # the stream position first: an event landing while the page is read is then sent again,
    # and console.js drops what the page already shows (each row knows its lot's last seq)
    last_event_id = FeedStore(services().uow_factory).last_auction_event_id(auction_id)
    day = _day(auction_id, user)
    return render_template("web/console_day.html", day=day, errors=errors or {}, last_event_id=last_event_id,
                           names=_bidder_names(day)), status


def _render_lot_form(auction_id: int, user: dict, *, errors=None, status: int = 200):
    day = svc.get_auction(uow(), auction_id, now=now(), viewer_id=user["id"])
    return render_template("web/console_lot_form.html", day=day, achievements=_offerable(day["market_code"]),
                           errors=errors or {}, form=request.form), status


@bp.route("/console/auctions", methods=["GET", "POST"])
def days():
    """The operator's auction days and the form that opens a new one."""
    user = _operator()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            body = load_form(AuctionIn(), {"market_code": user.get("market_code") or "",
                                           **form_body(text=("title", "description"))})
        except FormErrors as exc:
            errors, status = field_errors(exc.errors), exc.status
        else:
            day = svc.create_auction(uow(), actor_id=user["id"], now=now(), **body)
            flash(f"已创建拍卖会「{day['title']}」，请添加拍品")
            return redirect(url_for("web_console.day", auction_id=day["id"]))
    listed = svc.list_auctions(uow(), market_code=user.get("market_code"), now=now())
    return render_template("web/console_days.html", days=listed, errors=errors), status


@bp.route("/console/auctions/<int:auction_id>")
def day(auction_id):
    user = _operator()
    return _render_day(auction_id, user)


def _lot_body(schema, *, ids=()) -> dict:
    body = form_body(money=("starting_price", "increment", "reserve_price", "deposit"), ids=ids,
                     text=LOT_TIMES + ("window_seconds",))
    if "window_seconds" in body:
        raw = body["window_seconds"]
        if not (raw.isascii() and raw.isdigit()):
            raise FormErrors({"window_seconds": ["请填写秒数 (whole seconds)"]})
        body["window_seconds"] = int(raw)
    return load_form(schema, body)


@bp.route("/console/auctions/<int:auction_id>/lots", methods=["GET", "POST"])
def add_lot(auction_id):
    """The form that offers a published achievement of the day's market as a new lot."""
    user = _operator()
    if request.method == "GET":
        return _render_lot_form(auction_id, user)
    try:
        body = _lot_body(LotIn(), ids=("achievement_id",))
    except FormErrors as exc:
        return _render_lot_form(auction_id, user, errors=field_errors(exc.errors), status=exc.status)
    lot = svc.add_lot(uow(), actor_id=user["id"], auction_id=auction_id, now=now(), **body)
    flash(f"已添加拍品 {lot['lot_no']}：{lot['title']}")
    return redirect(url_for("web_console.day", auction_id=auction_id))


@bp.route("/console/deposits/<int:deposit_id>/confirm", methods=["POST"])
def confirm_deposit(deposit_id):
    user = _operator()
    body = form_body(text=("reference", "auction_id"))
    deposit = svc.confirm_deposit(uow(), actor_id=user["id"], deposit_id=deposit_id, now=now(),
                                  reference=body.get("reference"))
    flash(f"保证金 {yuan(deposit['amount_fen'])} 已确认（{status_label('deposit', deposit['status'])}）")
    return _back(body.get("auction_id"))


def _back(auction_id):
    if auction_id and str(auction_id).isdigit():
        return redirect(url_for("web_console.day", auction_id=int(auction_id)))
    return redirect(url_for("web_console.days"))


def _lot_auction(lot_id: int) -> int:
    return svc.get_lot(uow(), lot_id, now=now())["auction_id"]


@bp.route("/console/lots/<int:lot_id>/close", methods=["POST"])
def close_lot(lot_id):
    user = _operator()
    s = services()
    result = close_lot_by_hand(s.uow_factory, actor_id=user["id"], lot_id=lot_id, clock=s.clock,
                               rules=svc.rules_from_config(current_app.config), bus=s.events)
    if result is None:
        flash("拍品未到结束时间或已结束，未作处理")
    elif result["status"] == "sold":
        flash(f"拍品已成交，成交价 {yuan(result['hammer_price_fen'])}，请签署成交确认书")
    else:
        flash("拍品流拍")
    return redirect(url_for("web_console.day", auction_id=_lot_auction(lot_id)))


@bp.route("/console/lots/<int:lot_id>/cancel", methods=["POST"])
def cancel_lot(lot_id):
    user = _operator()
    auction_id = _lot_auction(lot_id)
    try:
        body = load_form(CancelIn(), form_body(text=("reason",)))
    except FormErrors as exc:
        return _render_day(auction_id, user, errors={f"cancel-{lot_id}": field_errors(exc.errors)["reason"]},
                           status=exc.status)
    s = services()
    svc.cancel_lot(uow(), actor_id=user["id"], lot_id=lot_id, reason=body["reason"], now=now(), bus=s.events,
                   rules=svc.rules_from_config(current_app.config))
    flash(f"拍品已撤拍：{body['reason']}")
    return redirect(url_for("web_console.day", auction_id=auction_id))


@bp.route("/console/lots/<int:lot_id>/reoffer", methods=["POST"])
def reoffer_lot(lot_id):
    user = _operator()
    auction_id = _lot_auction(lot_id)
    try:
        body = _lot_body(ReofferIn())
    except FormErrors as exc:
        errors = {f"reoffer-{lot_id}": "；".join(field_errors(exc.errors).values())}
        return _render_day(auction_id, user, errors=errors, status=exc.status)
    lot = svc.reoffer_lot(uow(), actor_id=user["id"], lot_id=lot_id, now=now(), **body)
    flash(f"已重新上拍：拍品 {lot['lot_no']}")
    return redirect(url_for("web_console.day", auction_id=lot["auction_id"]))


@bp.route("/console/confirmations/<int:confirmation_id>/sign", methods=["POST"])
def sign(confirmation_id):
    """The winner signed the 成交确认书: recorded here, and the contract with it."""
    user = _operator()
    signed = svc.sign_confirmation(uow(), actor_id=user["id"], confirmation_id=confirmation_id, now=now())
    flash(f"成交确认书已签约，成交价 {yuan(signed['hammer_price_fen'])}；技术合同已录入，待认定登记")
    if signed.get("contract_id"):
        return redirect(url_for("web_contracts.contract", contract_id=signed["contract_id"]))
    return redirect(url_for("web_console.day", auction_id=_lot_auction(signed["lot_id"])))
