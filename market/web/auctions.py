"""The live auction hall of one lot: rendered server-side first, then kept current by
static/web/lot.js from the lot's event stream (GET /api/v1/lots/<id>/events)."""
from __future__ import annotations

from flask import render_template

from market.api.deps import now, uow
from market.services import auctions as svc

from .blueprints import page_blueprint
from .session_auth import page_user

bp = page_blueprint("web_auctions")


@bp.route("/lots/<int:lot_id>")
def lot(lot_id):
    user = page_user()
    view = svc.get_lot(uow(), lot_id, now=now(), viewer_id=user["id"] if user else None)
    return render_template("web/lot.html", lot=view)
