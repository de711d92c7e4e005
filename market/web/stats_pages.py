"""The statistics office's dashboard: for a period (a year or a quarter), technology-contract
outflow (输出) and inflow (吸纳) by province, the cross-province flows matrix as a heat map,
quarterly trends, contract types and technology fields — each a server-side SVG chart with its
table, and the CSV/XLSX downloads the stats API already serves (the same figures, same files).

Official figures: registered contracts only, as the API's default."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request

from market.api.deps import now, uow
from market.domain import taxonomy
from market.domain.errors import ValidationFailed
from market.services import stats as svc
from market.services.common import local_today

from . import charts
from .blueprints import page_blueprint

bp = page_blueprint("web_stats")
GROUPS = (("type", "合同类型"), ("field", "技术领域"))


def _api(path: str, **query) -> str:
    return f"/api/v1/stats/{path}?{urlencode(query)}"


def _downloads(path: str, **query) -> dict[str, str]:
    return {fmt: _api(path, **query, format=fmt) for fmt in ("csv", "xlsx")}


def _grouped(period: str, group_by: str, side: str = "outflow", start: str | None = None) -> dict:
    return svc.contract_stats(uow(), start=start or period, end=period, group_by=group_by, side=side, now=now())


def _by(rows: list[dict], key: str) -> list[tuple[str, int]]:
    return [(row[key], row["contract_amount_fen"]) for row in rows]


def _trends(period: str, year: int) -> dict:
    """Quarters of the period's year and the year before, per province of the delta."""
    result = _grouped(period, "quarter,province", start=str(year - 1))
    quarters = sorted({row["quarter"] for row in result["rows"]})
    cell = {(row["quarter"], row["province"]): row for row in result["rows"]}
    series = [(p, [cell.get((q, p), {}).get("contract_amount_fen", 0) for q in quarters])
              for p in taxonomy.YRD_PROVINCES]
    return {"quarters": quarters, "series": series, "cell": cell,
            "chart": charts.columns("季度趋势（按卖方省份，合同成交额）", quarters, series),
            "downloads": _downloads("contracts", **{"from": str(year - 1), "to": period,
                                                    "group_by": "quarter,province"})}


def _dashboard(period: str) -> dict:
    flows = svc.flow_stats(uow(), start=period, end=period, now=now())
    year = flows["from"].year
    buckets = flows["buckets"]
    span = {"from": period, "to": period}
    cells = {(row["seller"], c["buyer"]): c["contract_amount_fen"] for row in flows["matrix"] for c in row["cells"]}
    groups = {}
    for key, label in GROUPS:
        result = _grouped(period, key)
        groups[key] = {"label": label, "rows": result["rows"],
                       "chart": charts.hbars(f"{label}（合同成交额）", _by(result["rows"], key), label_width=130),
                       "downloads": _downloads("contracts", **span, group_by=key)}
    return {
        "flows": flows, "buckets": buckets,
        "outflow_chart": charts.hbars("各省技术输出（合同成交额）", [(b, flows["outflow"][b]["contract_amount_fen"]) for b in buckets]),
        "inflow_chart": charts.hbars("各省技术吸纳（合同成交额）", [(b, flows["inflow"][b]["contract_amount_fen"]) for b in buckets]),
        "heatmap": charts.heatmap("跨省技术合同流向", buckets, cells),
        "flow_downloads": _downloads("flows", **span),
        "province_downloads": {side: _downloads("contracts", **span, group_by="province", side=side)
                               for side in ("outflow", "inflow")},
        "trends": _trends(period, year), "groups": groups,
    }


def _periods(today_year: int) -> list[tuple[str, str]]:
    """The choices offered: the last three years and their quarters, newest first."""
    out = []
    for year in range(today_year, today_year - 3, -1):
        out.append((str(year), f"{year} 年"))
        out += [(f"{year}Q{q}", f"{year} 年第{q}季度") for q in range(4, 0, -1)]
    return out


@bp.route("/stats")
def dashboard():
    today = local_today(now())
    period = (request.args.get("period") or str(today.year)).strip()[:16]
    error, board, status = None, None, 200
    try:
        board = _dashboard(period)
    except ValidationFailed as exc:   # the API's words for a period it cannot read
        error, status = "；".join(m for ms in exc.errors.values() for m in ms) or exc.message, 422
    return render_template("web/stats.html", period=period, periods=_periods(today.year), board=board,
                           error=error, wan=charts.wan), status
