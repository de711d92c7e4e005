"""The regional technology-contract statistics, read straight from the contract
rows (so they cannot drift from them) and shaped by market.domain.stats.

Official figures count registered contracts only (`registered_only`, the
default); showing every contract is for the markets' staff and the admin.
Contracts are dated by their signing date.
"""
from __future__ import annotations

from datetime import datetime

from market.domain import stats
from market.domain.errors import Forbidden, Unauthorized

from .common import load_optional_actor, local_today
from .contracts import contracts_repo


def _require_staff_for_all(uow, viewer_id: int | None, registered_only: bool) -> None:
    if registered_only:
        return
    user = load_optional_actor(uow, viewer_id)
    if user is None:
        raise Unauthorized("查看含未登记合同的统计需要登录 (sign in to include unregistered contracts)")
    if user.role not in ("operator", "admin"):
        raise Forbidden("只有市场运营人员和管理员可以查看含未登记合同的统计")


def contract_stats(uow, *, start: str | None, end: str | None, group_by: str | None, side: str | None,
                   registered_only: bool = True, viewer_id: int | None = None, now: datetime) -> dict:
    """Counts, contract amounts and technology transaction amounts grouped by up
    to two of province|year|quarter|month|type|field|market, with 同比/环比."""
    span = stats.parse_range(start, end, today=local_today(now))
    groups = stats.parse_group_by(group_by)
    side = stats.parse_side(side)
    with uow:
        _require_staff_for_all(uow, viewer_id, registered_only)
        repo = contracts_repo(uow)
        current = repo.grouped_totals(groups, side, span, registered_only)
        earlier = repo.grouped_totals(groups, side, stats.comparison_range(span, groups), registered_only)
    return stats.contracts_result(current, earlier, groups=groups, side=side, span=span,
                                  registered_only=registered_only)


def flow_stats(uow, *, start: str | None, end: str | None, registered_only: bool = True,
               viewer_id: int | None = None, now: datetime) -> dict:
    """The seller × buyer matrix over 上海/江苏/浙江/安徽/其他省份/境外, its totals,
    the cross-province turnover inside the delta and its shares, net positions,
    and each province's outflow and inflow change on the same range a year earlier."""
    span = stats.parse_range(start, end, today=local_today(now))
    with uow:
        _require_staff_for_all(uow, viewer_id, registered_only)
        repo = contracts_repo(uow)
        matrix = stats.FlowMatrix.from_pairs(repo.flow_pairs(span, registered_only))
        before = stats.FlowMatrix.from_pairs(repo.flow_pairs(span.shifted_years(-1), registered_only))
    result = {"from": span.start, "to": span.end, "registered_only": registered_only,
              **matrix.as_dict()}
    result["yoy"] = {
        "total": stats.changes(matrix.total, before.total),
        "outflow": {b: stats.changes(matrix.outflow(b), before.outflow(b)) for b in stats.FLOW_BUCKETS},
        "inflow": {b: stats.changes(matrix.inflow(b), before.inflow(b)) for b in stats.FLOW_BUCKETS},
        "yrd_cross_province": stats.changes(matrix.yrd_cross_total, before.yrd_cross_total),
    }
    return result
