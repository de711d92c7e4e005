"""Full-text search (/api/v1/search) and demand–achievement matching
(/api/v1/demands/{id}/matches, /api/v1/achievements/{id}/matches)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from market.domain import taxonomy
from market.services import matching
from market.services import search as svc

from .deps import current_user_id, services, uow
from .fields import LocalDateTime
from .schemas import Choice, PageArgs, QueryMoney

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="全文检索 (full-text search)")
matches_blp = Blueprint("matches", __name__, url_prefix="/api/v1",
                        description="需求与成果匹配 (demand–achievement matching)")

MODES = tuple(dict.fromkeys(taxonomy.TRANSFER_MODES + taxonomy.COOPERATION_MODES))


class FilterArgs(PageArgs):
    market = Choice(taxonomy.MARKET_CODES)
    field = Choice(taxonomy.FIELDS)
    ip_type = Choice(taxonomy.IP_TYPES)
    mode = Choice(MODES)
    province = Choice(taxonomy.PROVINCES)
    price_min = QueryMoney(metadata={"description": "fen"})
    price_max = QueryMoney(metadata={"description": "fen"})


class SearchArgs(FilterArgs):
    q = fields.String(load_default="", metadata={"description": "查询词；简繁体均可，空则按筛选浏览"})
    type = Choice(("achievement", "demand"))
    sort = Choice(("relevance", "newest", "price"), load_default="relevance")


class MatchArgs(FilterArgs):
    prefer_other_provinces = fields.Boolean(load_default=False,
                                            metadata={"description": "优先推荐外省的成果/需求 (cross-province)"})


class HitOut(Schema):
    type = fields.String()
    id = fields.Integer()
    score = fields.Float()
    title = fields.String()
    snippets = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "HTML-escaped text, matched terms in <mark>"})
    matched = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    field = fields.String(allow_none=True)
    markets = fields.List(fields.String())
    province = fields.String(allow_none=True)
    ip_type = fields.String(allow_none=True)
    modes = fields.List(fields.String())
    price_fen = fields.Integer(allow_none=True)
    status = fields.String()
    organisation = fields.String()
    published_at = LocalDateTime(allow_none=True)


class SearchOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    took_ms = fields.Float()
    facets = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))
    hits = fields.List(fields.Nested(HitOut))


class TermOut(Schema):
    term = fields.String()
    weight = fields.Float(allow_none=True)


class ExplanationOut(Schema):
    terms = fields.List(fields.Nested(TermOut))
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String(),
                          values=fields.List(fields.String()))
    cross_province = fields.Boolean()


class MatchOut(HitOut):
    explanation = fields.Nested(ExplanationOut)


class MatchesOut(Schema):
    source = fields.Dict()
    query_terms = fields.List(fields.Nested(TermOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    took_ms = fields.Float()
    facets = fields.Dict()
    matches = fields.List(fields.Nested(MatchOut))


def _index():
    return services().search_index


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchOut)
    def get(self, args):
        """Search published achievements and open demands (public): hits with marked snippets,
        facet counts, total and time taken."""
        return svc.search(_index(), args)


@matches_blp.route("/demands/<int:demand_id>/matches")
class DemandMatches(MethodView):
    @matches_blp.arguments(MatchArgs, location="query")
    @matches_blp.response(200, MatchesOut)
    def get(self, args, demand_id):
        """Published achievements that answer this demand, with the reasons."""
        return matching.matches_for_demand(uow(), _index(), demand_id, args, viewer_id=current_user_id())


@matches_blp.route("/achievements/<int:achievement_id>/matches")
class AchievementMatches(MethodView):
    @matches_blp.arguments(MatchArgs, location="query")
    @matches_blp.response(200, MatchesOut)
    def get(self, args, achievement_id):
        """Open demands this achievement answers, with the reasons."""
        return matching.matches_for_achievement(uow(), _index(), achievement_id, args,
                                                viewer_id=current_user_id())
