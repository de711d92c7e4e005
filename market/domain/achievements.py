"""Achievements (科技成果) and their market listings."""
from __future__ import annotations

from datetime import date, datetime

from . import taxonomy
from .codes import normalise_patent_number
from .errors import Forbidden, ValidationFailed
from .status import HistoryEntry, Reviewable, clean_title

STATUSES = ("draft", "pending_review", "published", "in_auction", "sold", "withdrawn")
PUBLIC_STATUSES = ("published", "in_auction")

TRANSITIONS = {
    "submit": ({"draft"}, "pending_review"),
    "approve": ({"pending_review"}, "published"),
    "reject": ({"pending_review"}, "draft"),
    "withdraw": ({"draft", "pending_review", "published"}, "withdrawn"),
    "reopen": ({"withdrawn"}, "draft"),
    "start_auction": ({"published"}, "in_auction"),
    "return_from_auction": ({"in_auction"}, "published"),
    "mark_sold": ({"in_auction"}, "sold"),
    "reinstate": ({"sold"}, "published"),     # the winner did not sign: the deposit is forfeited
    "publish_imported": ({"draft", "withdrawn", "pending_review"}, "published"),
}

EDITABLE = ("title", "abstract", "keywords", "ip_type", "application_numbers", "field", "maturity",
            "transfer_modes", "price_fen", "negotiable", "city")
MAX_TITLE, MAX_ABSTRACT, MAX_KEYWORDS = 200, 20_000, 60  # markets list up to 57 keywords


class AchievementHistory(HistoryEntry):
    pass


class AchievementListing:
    """One market's publication of an achievement, with that market's own id and price."""

    def __init__(self, market_code: str, external_id: str | None, price_fen: int | None,
                 negotiable: bool, listed_on: date | None, now: datetime, status: str = "listed"):
        self.market_code, self.external_id = market_code, external_id
        self.price_fen, self.negotiable, self.listed_on = price_fen, negotiable, listed_on
        self.status = status
        self.created_at = self.updated_at = now


def clean_achievement_fields(data: dict) -> dict:
    """Check the business rules on achievement fields; raise one ValidationFailed
    listing every bad field. Returns normalised values."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    clean_title(data, out, errors, MAX_TITLE)
    if "abstract" in data and len(data["abstract"] or "") > MAX_ABSTRACT:
        errors["abstract"] = [f"简介不能超过{MAX_ABSTRACT}字"]
    if "keywords" in data:
        words = [w.strip() for w in (data["keywords"] or []) if w and w.strip()]
        if len(words) > MAX_KEYWORDS:
            errors["keywords"] = [f"关键词最多{MAX_KEYWORDS}个"]
        out["keywords"] = list(dict.fromkeys(words))
    _check_choice(data, "ip_type", taxonomy.IP_TYPES, "知识产权类型", errors)
    _check_choice(data, "field", taxonomy.FIELDS, "技术领域", errors)
    _check_choice(data, "maturity", taxonomy.MATURITIES, "成熟度", errors)
    if "transfer_modes" in data:
        modes = list(dict.fromkeys(data["transfer_modes"] or []))
        bad = [m for m in modes if m not in taxonomy.TRANSFER_MODES]
        if bad:
            errors["transfer_modes"] = [f"未知交易方式: {', '.join(bad)}"]
        out["transfer_modes"] = modes
    if "application_numbers" in data:
        numbers, bad = [], []
        for raw in data["application_numbers"] or []:
            try:
                numbers.append(normalise_patent_number(raw))
            except ValueError as exc:
                bad.append(f"{raw}: {exc}")
        if bad:
            errors["application_numbers"] = bad
        out["application_numbers"] = list(dict.fromkeys(numbers))
    if data.get("price_fen") is not None:
        if data["price_fen"] < 0:
            errors["price_fen"] = ["价格不能为负"]
        out["negotiable"] = False
    elif "price_fen" in data or "negotiable" in data:
        out["price_fen"] = None
        out["negotiable"] = True
    if errors:
        raise ValidationFailed("成果信息有误 (invalid achievement)", errors)
    return out


def _check_choice(data, key, choices, label, errors):
    if key in data and data[key] is not None and data[key] not in choices:
        errors[key] = [f"{label}必须是以下之一: {'、'.join(choices)}"]


class Achievement(Reviewable):
    history_class = AchievementHistory
    TRANSITIONS = TRANSITIONS
    EDITABLE = EDITABLE
    LABEL = "成果"

    def __init__(self, *, title: str, holder_id: int, market_code: str, field: str,
                 ip_type: str, now: datetime, abstract: str = "", keywords=(), application_numbers=(),
                 maturity: str | None = None, transfer_modes=(), price_fen: int | None = None,
                 province: str | None = None, city: str | None = None, district: str | None = None,
                 created_by_id: int | None = None, status: str = "draft"):
        values = clean_achievement_fields(dict(
            title=title, abstract=abstract, keywords=list(keywords), ip_type=ip_type, field=field,
            maturity=maturity, transfer_modes=list(transfer_modes), application_numbers=list(application_numbers),
            price_fen=price_fen, negotiable=price_fen is None))
        for key, value in values.items():
            setattr(self, key, value)
        self.holder_id, self.market_code = holder_id, market_code
        self.province, self.city, self.district = province, city, district
        self.created_by_id = created_by_id
        self.status = status
        self.rejection_reason = None
        self.created_at = self.updated_at = now
        self.published_at = None
        self.history = [AchievementHistory(at=now, from_status=None, to_status=status, actor_id=created_by_id)]
        self.listings = []

    # --- edits -------------------------------------------------------------
    def edit(self, changes: dict, *, actor_id: int | None, now: datetime) -> None:
        self._check_editable(changes)
        for key, value in clean_achievement_fields(changes).items():
            setattr(self, key, value)
        self.updated_at = now

    # --- status machine ----------------------------------------------------
    def withdraw(self, actor_id, now, reason: str | None = None):
        self._go("withdraw", actor_id, now, reason=reason)

    def reopen(self, actor_id, now):
        self._go("reopen", actor_id, now)

    def start_auction(self, actor_id, now):
        self._go("start_auction", actor_id, now)

    def return_from_auction(self, actor_id, now, reason: str | None = None):
        self._go("return_from_auction", actor_id, now, reason=reason)

    def mark_sold(self, actor_id, now):
        self._go("mark_sold", actor_id, now)

    def reinstate(self, actor_id, now, reason: str | None = None):
        """A sale that fell through (no signature by the deadline) publishes the achievement again."""
        self._go("reinstate", actor_id, now, reason=reason)

    # --- reads -------------------------------------------------------------
    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def visible_to(self, user) -> bool:
        if self.is_public:
            return True
        if user is None:
            return False
        return user.is_admin or user.operates(self.market_code) or user.organisation_id == self.holder_id

    def require_owner(self, user) -> None:
        if user is None or user.organisation_id != self.holder_id:
            raise Forbidden("只有成果所属机构的成员可以执行此操作 (holder organisation only)")
