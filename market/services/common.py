"""Helpers every service needs: loading the acting user, local dates."""
from __future__ import annotations

from market.domain.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from market.domain.local_time import SHANGHAI, local_today  # noqa: F401  (used by the services through here)


def load_actor(uow, actor_id: int | None):
    if actor_id is None:
        raise Unauthorized()
    user = uow.users.get(actor_id)
    if user is None or not user.active:
        raise Unauthorized()
    return user


def load_optional_actor(uow, actor_id: int | None):
    return uow.users.get(actor_id) if actor_id is not None else None


def require_market(uow, code: str | None, field: str = "market_code") -> str:
    if not code or uow.markets.get(code) is None:
        raise ValidationFailed.on(field, f"未知市场: {code} (SH/JS/ZJ/AH)")
    return code


def default_market_for(uow, province: str | None) -> str | None:
    for market in uow.markets.all():
        if market.province == province:
            return market.code
    return None


def get_or_404(repo, ident, label: str):
    obj = repo.get(ident)
    if obj is None:
        raise NotFound(f"{label} {ident} 不存在 (not found)")
    return obj


def require_member_of_kind(user, kinds: tuple[str, ...], what: str) -> None:
    org = user.organisation
    if user.role != "member" or org is None or org.kind not in kinds:
        raise Forbidden(f"只有{what}的成员可以执行此操作")


def scope_review_queue(user, f) -> None:
    """Operators review their own market's queue only; the admin sees all, or one market."""
    if user.role == "operator":
        if f.market and f.market != user.market_code:
            user.require_operator_of(f.market)
        f.market = user.market_code
    elif not user.is_admin:
        user.require_operator_of(f.market)
    f.statuses = ("pending_review",)
