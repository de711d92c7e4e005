"""Registering for a lot (报名竞买) and following the deposit (保证金): a company member registers
its enterprise, gets a paddle number, and sees the deposit go from 待缴纳 to 已冻结 (the operator
confirms a bank transfer, or the payment gateway does), then 已抵作价款 / 已退还 / 已没收."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from market.api.deps import now, services, uow
from market.domain.errors import DomainError
from market.services import auctions as auctions_svc

from .blueprints import page_blueprint
from .forms import back_with_refusal, done, signed_in

bp = page_blueprint("web_registrations")


@bp.route("/lots/<int:lot_id>/register", methods=["GET"])
def form(lot_id):
    """The lot's terms and the registration button; once registered, the paddle and deposit."""
    user = signed_in()
    lot = auctions_svc.get_lot(uow(), lot_id, now=now(), viewer_id=user["id"])
    return render_template("web/register_lot.html", lot=lot, registration=lot.get("my_registration"))


@bp.route("/lots/<int:lot_id>/register", methods=["POST"])
def register(lot_id):
    user = signed_in()
    if not request.form.get("agree"):
        flash("请先阅读并勾选同意竞买规则", "error")
        return redirect(url_for("web_registrations.form", lot_id=lot_id))
    try:
        view = auctions_svc.register_for_lot(uow(), actor_id=user["id"], lot_id=lot_id, now=now(),
                                             gateway=services().payment_gateway)
    except DomainError as exc:
        return back_with_refusal(exc, "web_registrations.form", lot_id=lot_id)
    return done(f"报名成功，号牌 {view['paddle_no']} 号；请缴纳保证金", "web_registrations.form", lot_id=lot_id)


@bp.route("/my/registrations")
def mine():
    """Every lot my organisation registered for: paddle, deposit state, and a won lot's confirmation."""
    user = signed_in()
    registrations = auctions_svc.my_registrations(uow(), actor_id=user["id"])
    return render_template("web/my_registrations.html", registrations=registrations)
