"""Use cases for enterprise technical demands."""
from __future__ import annotations

from datetime import datetime

from market.domain.listings import ListingFilter
from market.domain.demands import Demand, check_deadline
from market.domain.errors import NotFound, ValidationFailed
from market.domain.onboarding import require_may_trade

from .common import (scope_review_queue, default_market_for, get_or_404, load_actor, load_optional_actor, local_today,
                     require_market, require_member_of_kind)
from .views import demand_view

POSTING_KINDS = ("enterprise",)


def create_demand(uow, *, actor_id: int, data: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        require_member_of_kind(user, POSTING_KINDS, "企业")
        company = user.organisation
        market_code = data.get("market_code") or default_market_for(uow, company.province)
        require_market(uow, market_code)
        deadline = data.get("deadline")
        check_deadline(deadline, local_today(now))
        demand = Demand(
            title=data.get("title", ""), description=data.get("description") or "",
            field=data.get("field"), budget_min_fen=data.get("budget_min_fen"),
            budget_max_fen=data.get("budget_max_fen"), deadline=deadline,
            cooperation_mode=data.get("cooperation_mode"), enterprise_id=company.id,
            market_code=market_code, province=company.province, city=data.get("city") or company.city,
            created_by_id=user.id, now=now)
        uow.demands.add(demand)
        uow.commit()
        return demand_view(demand, local_today(now))


def _load_visible(uow, demand_id: int, user) -> Demand:
    demand = get_or_404(uow.demands, demand_id, "需求")
    if not demand.visible_to(user):
        raise NotFound(f"需求 {demand_id} 不存在 (not found)")
    return demand


def get_demand(uow, demand_id: int, *, viewer_id: int | None, now: datetime) -> dict:
    with uow:
        user = load_optional_actor(uow, viewer_id)
        demand = _load_visible(uow, demand_id, user)
        staff = user is not None and (user.operates(demand.market_code) or user.organisation_id == demand.enterprise_id)
        return demand_view(demand, local_today(now), with_history=staff)


def update_demand(uow, *, actor_id: int, demand_id: int, changes: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        demand = _load_visible(uow, demand_id, user)
        demand.require_owner(user)
        check_deadline(changes.get("deadline"), local_today(now))
        demand.edit(changes, actor_id=user.id, now=now)
        uow.commit()
        return demand_view(demand, local_today(now))


def submit_demand(uow, *, actor_id: int, demand_id: int, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        demand = _load_visible(uow, demand_id, user)
        demand.require_owner(user)
        require_may_trade(user, "submit_demand")   # verified organisation, trading role
        demand.submit(user.id, now)
        uow.commit()
        return demand_view(demand, local_today(now), with_history=True)


def close_demand(uow, *, actor_id: int, demand_id: int, now: datetime, reason: str | None = None) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        demand = _load_visible(uow, demand_id, user)
        if not user.operates(demand.market_code):
            demand.require_owner(user)
        demand.close(user.id, now, reason)
        uow.commit()
        return demand_view(demand, local_today(now), with_history=True)


def review_demand(uow, *, actor_id: int, demand_id: int, decision: str, now: datetime,
                  reason: str | None = None) -> dict:
    if decision not in ("approve", "reject"):
        raise ValidationFailed.on("decision", "必须是 approve 或 reject")
    with uow:
        user = load_actor(uow, actor_id)
        demand = get_or_404(uow.demands, demand_id, "需求")
        user.require_operator_of(demand.market_code)
        if decision == "approve":
            demand.approve(user.id, now)
        else:
            demand.reject(user.id, now, reason or "")
        uow.commit()
        return demand_view(demand, local_today(now), with_history=True)


def list_public_demands(uow, f: ListingFilter, now: datetime, include_expired: bool = False):
    f.statuses = ("open",)
    if not include_expired:
        f.extra["open_on"] = local_today(now)
    return _list(uow, f, now)


def list_own_demands(uow, *, actor_id: int, f: ListingFilter, now: datetime, status: str | None = None):
    with uow:
        user = load_actor(uow, actor_id)
        require_member_of_kind(user, POSTING_KINDS, "企业")
        f.owner_org_id = user.organisation_id
    f.statuses = (status,) if status else ()
    return _list(uow, f, now)


def demand_review_queue(uow, *, actor_id: int, f: ListingFilter, now: datetime):
    with uow:
        scope_review_queue(load_actor(uow, actor_id), f)
    return _list(uow, f, now)


def _list(uow, f: ListingFilter, now: datetime):
    today = local_today(now)
    with uow:
        page = uow.demands.list(f)
        page.items = [demand_view(d, today) for d in page.items]
        return page
