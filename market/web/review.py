"""The operators' review queue: pending achievements and demands of their own market, each
approved or rejected with a reason (the reason is what the member reads as the review comment)."""
from __future__ import annotations

from flask import abort, render_template, request

from market.adapters.repository import ListingFilter
from market.api.deps import now, uow
from market.api.schemas import ReviewIn
from market.domain import taxonomy
from market.domain.errors import DomainError
from market.services import achievements as achievements_svc
from market.services import demands as demands_svc

from .blueprints import page_blueprint
from .forms import back_with_refusal, done, load, signed_in

bp = page_blueprint("web_review")
QUEUE_SIZE = 20


def _queues(user: dict, market: str | None) -> dict:
    """Both queues of the operator's market (the admin: every market, or the one asked for)."""
    f = lambda: ListingFilter(market=market, per_page=QUEUE_SIZE, sort="oldest")   # noqa: E731 - oldest first
    return {"achievements": achievements_svc.review_queue(uow(), actor_id=user["id"], f=f()),
            "demands": demands_svc.demand_review_queue(uow(), actor_id=user["id"], f=f(), now=now())}


@bp.route("/operator/review")
def queue():
    user = signed_in()
    market = request.args.get("market") or None
    if market is not None and market not in taxonomy.MARKET_CODES:
        abort(404)
    market = market or user.get("market_code")
    return render_template("web/review_queue.html", queues=_queues(user, market), market=market,
                           markets=taxonomy.MARKETS, shown=QUEUE_SIZE)


@bp.route("/operator/review/<kind>/<int:ident>", methods=["POST"])
def decide(kind, ident):
    """Approve, or reject with a reason (the API's ReviewIn; the domain asks a reason to reject)."""
    user = signed_in()
    if kind not in ("achievements", "demands"):
        abort(404)
    back = {"market": request.form.get("market") or None}
    body, errors = load(ReviewIn(), {k: request.form[k] for k in ("decision", "reason") if request.form.get(k)})
    try:
        if body is None:
            raise DomainError("审核结论无效", errors)
        if kind == "achievements":
            view = achievements_svc.review_achievement(uow(), actor_id=user["id"], achievement_id=ident, now=now(),
                                                       decision=body["decision"], reason=body.get("reason"))
        else:
            view = demands_svc.review_demand(uow(), actor_id=user["id"], demand_id=ident, now=now(),
                                             decision=body["decision"], reason=body.get("reason"))
    except DomainError as exc:
        return back_with_refusal(exc, "web_review.queue", **back)
    verdict = "已通过并发布" if body["decision"] == "approve" else "已驳回"
    return done(f"{verdict}：{view['title']}", "web_review.queue", **back)
