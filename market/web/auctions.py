"""The live auction hall of one lot: rendered server-side first, then kept current by
static/web/lot.js from the lot's event stream (GET /api/v1/lots/<id>/events).

Registered bidders bid from the page. The bid form posts normally (the answer is the page again,
with the refusal in words); lot.js sends the same form with fetch and reads the JSON answer, so
the page never reloads during bidding. The big screen of the hall (大屏) lives here too: it is
the public view of a whole auction day."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from market.api.auctions import BID_IN
from market.api.deps import now, services, uow
from market.api.fields import local_times
from market.services import auctions as svc
from market.services.live_feed import FeedStore

from .auction_forms import FormErrors, field_errors, form_body, load_form, signed_in_user
from .blueprints import page_blueprint
from .format import yuan
from .session_auth import page_user

bp = page_blueprint("web_auctions")
SCREEN_BIDS = 5      # last bids per lot on the big screen
SCREEN_RESULTS = 6   # lots shown once none is live


def _lot_view(lot_id: int) -> dict:
    user = page_user()
    return svc.get_lot(uow(), lot_id, now=now(), viewer_id=user["id"] if user else None)


@bp.route("/lots/<int:lot_id>")
def lot(lot_id):
    return render_template("web/lot.html", lot=_lot_view(lot_id), errors={}, refusal=None)


def _wants_json() -> bool:
    """lot.js asks for JSON; a plain form post (no script) gets the page."""
    return request.accept_mimetypes.best == "application/json"


def _accepted_words(answer: dict) -> str:
    if answer["bid"]["kind"] == "raise":
        return f"最高代理价已提高至 {yuan(answer['bid']['max_amount_fen'])}"
    price = yuan(answer["price_fen"])
    return f"出价成功，当前价 {price}，" + ("您是最高出价者" if answer["leading"] else "您的代理价已被超越")


@bp.route("/lots/<int:lot_id>/bids", methods=["POST"])
def place_bid(lot_id):
    """A bid (amount) or a proxy maximum, in 元, from the lot page's forms."""
    user = signed_in_user()
    try:
        body = load_form(BID_IN, form_body(money=("amount", "max_amount")))
    except FormErrors as exc:
        errors = field_errors(exc.errors)
        if _wants_json():
            return jsonify(accepted=False, message="；".join(errors.values()), errors=errors), exc.status
        return render_template("web/lot.html", lot=_lot_view(lot_id), errors=errors, refusal=None), exc.status
    answer = svc.place_bid(uow(), actor_id=user["id"], lot_id=lot_id, clock=services().clock,
                           amount_fen=body.get("amount_fen"), max_amount_fen=body.get("max_amount_fen"),
                           bus=services().events)
    words = _accepted_words(answer) if answer["accepted"] else answer["message"]
    if _wants_json():
        return jsonify(local_times({**answer, "words": words})), 201 if answer["accepted"] else 409
    if answer["accepted"]:
        flash(words)
        return redirect(url_for("web_auctions.lot", lot_id=lot_id))
    return render_template("web/lot.html", lot=_lot_view(lot_id), errors={}, refusal=words), 409


@bp.route("/auctions/<int:auction_id>/screen")
def screen(auction_id):
    """大屏: the hall's big screen, the day's lots with large price and countdown (public)."""
    last_event_id = FeedStore(services().uow_factory).last_auction_event_id(auction_id)   # before the state
    day = svc.get_auction(uow(), auction_id, now=now())
    live = [lot for lot in day["lots"] if lot["status"] in ("open", "scheduled")]
    shown = live or day["lots"][-SCREEN_RESULTS:]   # after the day: its last results
    recent = {lot["id"]: svc.get_lot(uow(), lot["id"], now=now())["recent_bids"][:SCREEN_BIDS] for lot in shown}
    return render_template("web/screen.html", day=day, lots=shown, recent=recent, last_event_id=last_event_id)
