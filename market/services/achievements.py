"""Use cases for achievements: list, edit, submit, review, withdraw."""
from __future__ import annotations

from datetime import datetime

from market.domain.listings import ListingFilter
from market.domain.achievements import PUBLIC_STATUSES, READABLE_STATUSES, Achievement
from market.domain.errors import Conflict, NotFound, ValidationFailed
from market.domain.onboarding import require_may_trade

from .auction_parties import sale_result
from .common import (scope_review_queue, default_market_for, get_or_404, load_actor, load_optional_actor, require_market,
                     require_member_of_kind)
from .notifications import listings as notify
from .views import achievement_view

LISTING_KINDS = ("university", "research_institute")


def create_achievement(uow, *, actor_id: int, data: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        require_member_of_kind(user, LISTING_KINDS, "高校或科研院所")
        holder = user.organisation
        market_code = data.get("market_code") or default_market_for(uow, holder.province)
        require_market(uow, market_code)
        achievement = Achievement(
            title=data.get("title", ""), abstract=data.get("abstract") or "",
            keywords=data.get("keywords") or [], ip_type=data.get("ip_type"), field=data.get("field"),
            application_numbers=data.get("application_numbers") or [], maturity=data.get("maturity"),
            transfer_modes=data.get("transfer_modes") or [], price_fen=data.get("price_fen"),
            holder_id=holder.id, market_code=market_code, province=holder.province,
            city=data.get("city") or holder.city, created_by_id=user.id, now=now)
        uow.achievements.add(achievement)
        uow.commit()
        return achievement_view(achievement)


def _load_visible(uow, achievement_id: int, user) -> Achievement:
    achievement = get_or_404(uow.achievements, achievement_id, "成果")
    if not achievement.visible_to(user):
        # a draft is not disclosed to strangers: same answer as a missing id
        raise NotFound(f"成果 {achievement_id} 不存在 (not found)")
    return achievement


def get_achievement(uow, achievement_id: int, *, viewer_id: int | None) -> dict:
    with uow:
        user = load_optional_actor(uow, viewer_id)
        achievement = _load_visible(uow, achievement_id, user)
        view = achievement_view(achievement, with_history=achievement.status not in READABLE_STATUSES
                                or _is_staff_or_owner(user, achievement))
        if achievement.status == "sold":
            view["sale"] = sale_result(uow, achievement.id)
        return view


def _is_staff_or_owner(user, achievement) -> bool:
    return user is not None and (user.operates(achievement.market_code) or user.organisation_id == achievement.holder_id)


def update_achievement(uow, *, actor_id: int, achievement_id: int, changes: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        achievement = _load_visible(uow, achievement_id, user)
        achievement.require_owner(user)
        if "market_code" in changes:
            require_market(uow, changes["market_code"])
            if achievement.status != "draft":
                achievement.edit({}, actor_id=user.id, now=now)  # raises the 409
            achievement.market_code = changes.pop("market_code")
        achievement.edit(changes, actor_id=user.id, now=now)
        uow.commit()
        return achievement_view(achievement)


def _require_numbers_unpublished(uow, achievement: Achievement) -> None:
    """409 naming the published achievement that already carries one of its application numbers."""
    numbers = achievement.application_numbers or []
    achievement.require_numbers_not_published_elsewhere(uow.achievements.carrying_application_numbers(numbers))


def _owner_action(action: str, check=None):
    def run(uow, *, actor_id: int, achievement_id: int, now: datetime, reason: str | None = None) -> dict:
        with uow:
            user = load_actor(uow, actor_id)
            achievement = _load_visible(uow, achievement_id, user)
            achievement.require_owner(user)
            if action == "submit":
                require_may_trade(user, "submit_listing")   # verified organisation, trading role
            if check is not None:
                check(uow, achievement)
            method = getattr(achievement, action)
            method(user.id, now, reason) if action == "withdraw" else method(user.id, now)
            uow.commit()
            return achievement_view(achievement, with_history=True)
    run.__name__ = f"{action}_achievement"
    run.__doc__ = f"The holder's members {action} their achievement."
    return run


submit_achievement = _owner_action("submit", check=_require_numbers_unpublished)
reopen_achievement = _owner_action("reopen")


def withdraw_achievement(uow, *, actor_id: int, achievement_id: int, now: datetime, reason: str | None = None) -> dict:
    """The holder withdraws its own listing; the market's operator may take one down too."""
    with uow:
        user = load_actor(uow, actor_id)
        achievement = _load_visible(uow, achievement_id, user)
        if not user.operates(achievement.market_code):
            achievement.require_owner(user)
        achievement.withdraw(user.id, now, reason)
        uow.commit()
        return achievement_view(achievement, with_history=True)


def add_listing(uow, *, actor_id: int, achievement_id: int, market_code: str, now: datetime,
                external_id: str | None = None, price_fen: int | None = None) -> dict:
    """An operator lists a published achievement on its own market (instead of publishing the
    same application number twice)."""
    with uow:
        user = load_actor(uow, actor_id)
        require_market(uow, market_code)
        user.require_operator_of(market_code)
        achievement = _load_visible(uow, achievement_id, user)
        if external_id and uow.achievements.listing_by_external_id(market_code, external_id) is not None:
            raise Conflict(f"{market_code} 市场编号 {external_id} 已被使用 (external id already used)",
                           {"external_id": ["taken"]})
        achievement.add_listing(market_code, actor_id=user.id, now=now, external_id=external_id,
                                price_fen=price_fen)
        uow.commit()
        return achievement_view(achievement, with_history=True)


def review_achievement(uow, *, actor_id: int, achievement_id: int, decision: str, now: datetime,
                       reason: str | None = None) -> dict:
    """An operator of the achievement's own market approves or rejects it."""
    if decision not in ("approve", "reject"):
        raise ValidationFailed.on("decision", "必须是 approve 或 reject")
    with uow:
        user = load_actor(uow, actor_id)
        achievement = get_or_404(uow.achievements, achievement_id, "成果")
        user.require_operator_of(achievement.market_code)
        if decision == "approve":
            _require_numbers_unpublished(uow, achievement)
            achievement.approve(user.id, now)
        else:
            achievement.reject(user.id, now, reason or "")
        notify.on_review_decided(uow, achievement_id=achievement.id, approved=decision == "approve", reason=reason, now=now)
        uow.commit()
        return achievement_view(achievement, with_history=True)


def list_public_achievements(uow, f: ListingFilter):
    f.statuses = PUBLIC_STATUSES
    return _list(uow, f)


def list_own_achievements(uow, *, actor_id: int, f: ListingFilter, status: str | None = None):
    with uow:
        user = load_actor(uow, actor_id)
        require_member_of_kind(user, LISTING_KINDS, "高校或科研院所")
        org_id = user.organisation_id
    f.owner_org_id = org_id
    f.statuses = (status,) if status else ()
    return _list(uow, f)


def review_queue(uow, *, actor_id: int, f: ListingFilter):
    """Pending achievements of the operator's own market (the admin sees all, or one market)."""
    with uow:
        scope_review_queue(load_actor(uow, actor_id), f)
    return _list(uow, f)


def _list(uow, f: ListingFilter):
    with uow:
        page = uow.achievements.list(f)
        page.items = [achievement_view(a) for a in page.items]
        return page
