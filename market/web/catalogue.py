"""The public marketplace: home, achievement search and list, the achievement page.

Searching goes through the search service with the API's own query schema (same filters, same
field messages); lists and pages through the achievements and auctions services."""
from __future__ import annotations

from flask import render_template, request
from marshmallow import ValidationError

from market.api.deps import now, services, uow
from market.api.search import SearchArgs
from market.domain import taxonomy
from market.services import achievements as achievements_svc
from market.services import auctions as auctions_svc
from market.services import search as search_svc
from market.adapters.repository import ListingFilter

from .blueprints import page_blueprint
from .session_auth import page_user

bp = page_blueprint("web_catalogue")
HOME_PER_MARKET = 4
#: The search form's choices: (value sent, label shown)
OPTIONS = {
    "market": [(code, name) for code, name, _ in taxonomy.MARKETS],
    "field": [(v, v) for v in taxonomy.FIELDS],
    "ip_type": [(v, v) for v in taxonomy.IP_TYPES],
    "mode": [(v, v) for v in taxonomy.TRANSFER_MODES],
    "sort": [("relevance", "相关度"), ("newest", "最新发布"), ("price", "价格")],
}


@bp.route("/")
def home():
    """Latest achievements per market and the auction days, straight from the services."""
    latest = {code: achievements_svc.list_public_achievements(uow(), ListingFilter(market=code, per_page=HOME_PER_MARKET))
              for code in taxonomy.MARKET_CODES}
    auctions = [auctions_svc.get_auction(uow(), a["id"], now=now())
                for a in auctions_svc.list_auctions(uow(), market_code=None, now=now()) if a["status"] != "finished"]
    total = achievements_svc.list_public_achievements(uow(), ListingFilter(per_page=1)).total
    return render_template("web/home.html", latest=latest, auctions=auctions, total=total,
                           markets=taxonomy.MARKETS)


@bp.route("/achievements")
def search():
    """Search (q) or browse published achievements with the API's filters and paging."""
    errors, result = {}, None
    try:
        args = SearchArgs().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as exc:
        errors = exc.messages
    else:
        args["type"] = "achievement"
        result = search_svc.search(services().search_index, args)
    return render_template("web/search.html", result=result, errors=errors, args=request.args.to_dict(),
                           options=OPTIONS), 422 if errors else 200


@bp.route("/achievements/<int:achievement_id>")
def achievement(achievement_id):
    user = page_user()
    view = achievements_svc.get_achievement(uow(), achievement_id, viewer_id=user["id"] if user else None)
    return render_template("web/achievement.html", a=view)
