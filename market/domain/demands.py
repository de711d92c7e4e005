"""Enterprise technical demands (技术需求)."""
from __future__ import annotations

from datetime import date, datetime

from . import taxonomy
from .errors import Forbidden, ValidationFailed
from .status import HistoryEntry, Reviewable, clean_title

STATUSES = ("draft", "pending_review", "open", "closed")
TRANSITIONS = {
    "submit": ({"draft"}, "pending_review"),
    "approve": ({"pending_review"}, "open"),
    "reject": ({"pending_review"}, "draft"),
    "close": ({"open", "draft", "pending_review"}, "closed"),
    "publish_imported": ({"draft", "pending_review", "closed"}, "open"),
}
#: A deadline further ahead than this is a typing error (2204 for 2024), not a plan.
MAX_DEADLINE_YEARS = 10
EDITABLE = ("title", "description", "field", "budget_min_fen", "budget_max_fen", "deadline",
            "cooperation_mode", "city")
MAX_TITLE, MAX_DESCRIPTION = 200, 20_000


class DemandHistory(HistoryEntry):
    pass


def clean_demand_fields(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(data)
    clean_title(data, out, errors, MAX_TITLE)
    if "description" in data and len(data["description"] or "") > MAX_DESCRIPTION:
        errors["description"] = [f"需求描述不能超过{MAX_DESCRIPTION}字"]
    if data.get("field") is not None and data["field"] not in taxonomy.FIELDS:
        errors["field"] = [f"技术领域必须是以下之一: {'、'.join(taxonomy.FIELDS)}"]
    if data.get("cooperation_mode") is not None and data["cooperation_mode"] not in taxonomy.COOPERATION_MODES:
        errors["cooperation_mode"] = [f"合作方式必须是以下之一: {'、'.join(taxonomy.COOPERATION_MODES)}"]
    lo, hi = data.get("budget_min_fen"), data.get("budget_max_fen")
    for key, value in (("budget_min_fen", lo), ("budget_max_fen", hi)):
        if value is not None and value < 0:
            errors[key] = ["预算不能为负"]
    if lo is not None and hi is not None and lo > hi:
        errors["budget_max_fen"] = ["预算上限不能低于下限"]
    if errors:
        raise ValidationFailed("需求信息有误 (invalid demand)", errors)
    return out


class Demand(Reviewable):
    history_class = DemandHistory
    TRANSITIONS = TRANSITIONS
    EDITABLE = EDITABLE
    LABEL = "需求"
    KIND = "demand"

    def __init__(self, *, title: str, enterprise_id: int, market_code: str, now: datetime,
                 description: str = "", field: str | None = None, budget_min_fen: int | None = None,
                 budget_max_fen: int | None = None, deadline: date | None = None,
                 cooperation_mode: str | None = None, province: str | None = None,
                 city: str | None = None, created_by_id: int | None = None, status: str = "draft",
                 external_id: str | None = None, district: str | None = None):
        values = clean_demand_fields(dict(
            title=title, description=description, field=field, budget_min_fen=budget_min_fen,
            budget_max_fen=budget_max_fen, deadline=deadline, cooperation_mode=cooperation_mode))
        for key, value in values.items():
            setattr(self, key, value)
        self.enterprise_id, self.market_code = enterprise_id, market_code
        self.province, self.city, self.created_by_id = province, city, created_by_id
        self.district = district
        self.external_id = external_id
        self.status = status
        self.rejection_reason = None
        self.created_at = self.updated_at = now
        self.published_at = None
        self.history = [DemandHistory(at=now, from_status=None, to_status=status, actor_id=created_by_id)]

    def edit(self, changes: dict, *, actor_id, now):
        self._check_editable(changes)
        merged = {"budget_min_fen": self.budget_min_fen, "budget_max_fen": self.budget_max_fen, **changes}
        for key, value in clean_demand_fields(merged).items():
            setattr(self, key, value)
        self.updated_at = now

    def close(self, actor_id, now, reason: str | None = None):
        self._go("close", actor_id, now, reason=reason)

    def is_expired(self, today: date) -> bool:
        return self.status == "open" and self.deadline is not None and self.deadline < today

    def display_status(self, today: date) -> str:
        """An open demand whose deadline passed reads as expired."""
        return "expired" if self.is_expired(today) else self.status

    @property
    def is_public(self) -> bool:
        return self.status == "open"

    def visible_to(self, user) -> bool:
        if self.is_public:
            return True
        if user is None:
            return False
        return user.is_admin or user.operates(self.market_code) or user.organisation_id == self.enterprise_id

    def require_owner(self, user) -> None:
        if user is None or user.organisation_id != self.enterprise_id:
            raise Forbidden("只有发布需求的企业成员可以执行此操作 (posting enterprise only)")


def check_deadline(deadline: date | None, today: date) -> None:
    """A demand's deadline (a local date) lies between today and MAX_DEADLINE_YEARS ahead."""
    if deadline is None:
        return
    if deadline < today:
        raise ValidationFailed.on("deadline", "截止日期不能早于今天 (deadline before today)")
    try:
        latest = today.replace(year=today.year + MAX_DEADLINE_YEARS)
    except ValueError:      # 29 February
        latest = today.replace(year=today.year + MAX_DEADLINE_YEARS, day=28)
    if deadline > latest:
        raise ValidationFailed.on("deadline", f"截止日期最多为 {MAX_DEADLINE_YEARS} 年之内 "
                                              f"(deadline at most {MAX_DEADLINE_YEARS} years ahead)")
