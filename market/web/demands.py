"""Public technical demands: the list with the API's filters, and each demand's page with the
published achievements that answer it and why (the matching service the API's /matches uses)."""
from __future__ import annotations

from flask import render_template, request

from market.api.deps import now, services, uow
from market.api.listing_args import to_filter
from market.api.schemas import DemandListArgs
from market.domain import taxonomy
from market.services import demands as demands_svc
from market.services import matching

from .blueprints import page_blueprint
from .forms import load
from .session_auth import page_user

bp = page_blueprint("web_demands")
MATCHES_SHOWN = 10
#: which text of an achievement a term matched in, as the page says it
MATCHED_IN = {"title": "名称", "keywords": "关键词", "org": "单位名称", "body": "简介"}
OPTIONS = {
    "market": [(code, name) for code, name, _ in taxonomy.MARKETS],
    "field": [(v, v) for v in taxonomy.FIELDS],
    "mode": [(v, v) for v in taxonomy.COOPERATION_MODES],
    "sort": [("newest", "最新发布"), ("deadline", "截止日期"), ("price_desc", "预算从高到低")],
}


@bp.route("/demands")
def demands():
    """Open demands (征集中), filtered and paged like GET /api/v1/demands."""
    args, errors = load(DemandListArgs(), {k: v for k, v in request.args.items() if v != ""})
    result = None
    if args is not None:
        result = demands_svc.list_public_demands(uow(), to_filter(args), now(),
                                                 include_expired=args["include_expired"])
    return render_template("web/demands.html", result=result, errors=errors, args=request.args.to_dict(),
                           options=OPTIONS), 422 if errors else 200


@bp.route("/demands/<int:demand_id>")
def demand(demand_id):
    """The demand and its matches: each achievement with the key terms it shares and where.
    (Not `prefer_other_provinces`: its re-ranking explains a pool of 100 hits, ~5x the page's time;
    each match still says whether it is cross-province.)"""
    user = page_user()
    viewer = user["id"] if user else None
    view = demands_svc.get_demand(uow(), demand_id, viewer_id=viewer, now=now())
    matches = matching.matches_for_demand(uow(), services().search_index, demand_id,
                                          {"per_page": MATCHES_SHOWN},
                                          viewer_id=viewer)
    return render_template("web/demand.html", d=view, m=matches, matched_in=MATCHED_IN)
