"""Regional technology-contract statistics: grouped figures and the flows matrix,
as JSON, CSV, XLSX or an SVG chart (`format=`)."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields

from market.adapters import exports
from market.domain import stats
from market.services import stats as svc

from .deps import current_user_id, now, uow
from .schemas import Choice

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats",
                description="技术合同成交统计 (technology-contract statistics)")

FORMATS = ("json", "csv", "xlsx", "svg")
_FILES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    "image/svg+xml": {"schema": {"type": "string"}},
}


def _file_doc(schema_name: str) -> dict:
    """The 200 answer in every format (`format=`): JSON, CSV (UTF-8 with BOM), XLSX, SVG."""
    return {"responses": {"200": {
        "description": "JSON by default; CSV (UTF-8 with BOM), XLSX or an SVG chart with format=csv|xlsx|svg",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}, **_FILES}}}}


class StatsRangeArgs(Schema):
    class Meta:
        unknown = EXCLUDE
    from_ = fields.String(data_key="from", metadata={
        "description": "start period: 2025, 2025Q1, 2025-H1, 2025-03 or 2025-03-15 (its first day)"})
    to = fields.String(metadata={"description": "end period, same forms (its last day, inclusive)"})
    registered_only = fields.Boolean(load_default=True, metadata={
        "description": "official figures (registered contracts only); false needs an operator or admin"})
    format = Choice(FORMATS, load_default="json", metadata={"description": "json | csv | xlsx | svg (chart)"})


class ContractStatsArgs(StatsRangeArgs):
    group_by = fields.String(load_default="province", metadata={
        "description": f"one or two of {', '.join(stats.GROUPS)}, comma-separated (e.g. quarter,province)"})
    side = Choice(stats.SIDES, load_default="outflow", metadata={
        "description": "for province groups: outflow (输出, seller's province) or inflow (吸纳, buyer's province)"})


class StatsTotalsOut(Schema):
    count = fields.Integer()
    contract_amount_fen = fields.Integer()
    tech_amount_fen = fields.Integer()


class StatsChangeOut(Schema):
    count = fields.Float(allow_none=True)
    contract_amount_fen = fields.Float(allow_none=True)
    tech_amount_fen = fields.Float(allow_none=True)


class StatsRowOut(StatsTotalsOut):
    province = fields.String()
    year = fields.String()
    quarter = fields.String()
    month = fields.String()
    type = fields.String()
    field = fields.String()
    market = fields.String()
    yoy = fields.Nested(StatsChangeOut, allow_none=True, metadata={"description": "同比: ratio of change on a year earlier"})
    qoq = fields.Nested(StatsChangeOut, allow_none=True, metadata={"description": "环比: on the previous quarter/month"})


class ContractStatsOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    group_by = fields.List(fields.String())
    side = fields.String()
    registered_only = fields.Boolean()
    rows = fields.List(fields.Nested(StatsRowOut))
    total = fields.Nested(StatsTotalsOut)


class StatsCellOut(StatsTotalsOut):
    buyer = fields.String()


class FlowsMatrixRowOut(Schema):
    seller = fields.String()
    cells = fields.List(fields.Nested(StatsCellOut))


class FlowsCrossProvinceOut(Schema):
    outflow = fields.Nested(StatsTotalsOut)
    inflow = fields.Nested(StatsTotalsOut)
    outflow_share = fields.Float(allow_none=True)


class FlowsYrdCrossOut(Schema):
    total = fields.Nested(StatsTotalsOut)
    share_of_total = fields.Float(allow_none=True)
    by_province = fields.Dict(keys=fields.String(), values=fields.Nested(FlowsCrossProvinceOut))


class FlowsOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    registered_only = fields.Boolean()
    buckets = fields.List(fields.String())
    matrix = fields.List(fields.Nested(FlowsMatrixRowOut))
    outflow = fields.Dict(keys=fields.String(), values=fields.Nested(StatsTotalsOut))
    inflow = fields.Dict(keys=fields.String(), values=fields.Nested(StatsTotalsOut))
    net = fields.Dict(keys=fields.String(), values=fields.Nested(StatsTotalsOut),
                      metadata={"description": "outflow − inflow (positive: net exporter)"})
    total = fields.Nested(StatsTotalsOut)
    yrd_cross_province = fields.Nested(FlowsYrdCrossOut)
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean())
    yoy = fields.Dict()


def _file(data: bytes, fmt: str, name: str) -> Response:
    ext = {"csv": "csv", "xlsx": "xlsx", "svg": "svg"}[fmt]
    response = Response(data, content_type=exports.CONTENT_TYPES[fmt])
    if fmt != "svg":
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


def _answer(result: dict, fmt: str, stem: str, renderers: dict):
    """The JSON result, or the file ``fmt`` asks for (named after the statistic and its range)."""
    render = renderers.get(fmt)
    if render is None:
        return result
    return _file(render(result), fmt, f"{stem}_{result['from']}_{result['to']}")


@blp.route("/contracts")
class ContractStats(MethodView):
    @blp.doc(**_file_doc("ContractStatsOut"))
    @blp.arguments(ContractStatsArgs, location="query")
    @blp.response(200, ContractStatsOut)
    def get(self, args):
        """Counts, contract amounts and technology transaction amounts by province
        (outflow or inflow), period, type, field or market; 同比 and 环比 where the
        earlier period has data. format=csv|xlsx gives the table, format=svg a chart
        (lines per province over the periods when grouped by a period and province)."""
        result = svc.contract_stats(uow(), start=args.get("from_"), end=args.get("to"),
                                    group_by=args["group_by"], side=args["side"],
                                    registered_only=args["registered_only"], viewer_id=current_user_id(),
                                    now=now())
        return _answer(result, args["format"], "contracts", {
            "csv": lambda r: exports.to_csv(*exports.contracts_table(r)), "xlsx": exports.contracts_workbook,
            "svg": exports.contracts_chart_svg})


@blp.route("/flows")
class FlowStats(MethodView):
    @blp.doc(**_file_doc("FlowsOut"))
    @blp.arguments(StatsRangeArgs, location="query")
    @blp.response(200, FlowsOut)
    def get(self, args):
        """Seller-province × buyer-province matrix (上海/江苏/浙江/安徽/其他省份/境外),
        totals, the cross-province turnover inside the delta and each province's share
        of it, net positions, 同比. format=csv gives every cell, xlsx the matrices and
        positions, svg a stacked-bar chart of the matrix."""
        result = svc.flow_stats(uow(), start=args.get("from_"), end=args.get("to"),
                                registered_only=args["registered_only"], viewer_id=current_user_id(), now=now())
        return _answer(result, args["format"], "flows", {
            "csv": lambda r: exports.to_csv(*exports.flows_cells_table(r)), "xlsx": exports.flows_workbook,
            "svg": exports.flows_chart_svg})
