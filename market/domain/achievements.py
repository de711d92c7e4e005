"""Achievements (科技成果) and their market listings."""
from __future__ import annotations

from datetime import date, datetime
from market.domain.local_time import local_today

from . import taxonomy
from .codes import normalise_patent_number
from .errors import Conflict, Forbidden, ValidationFailed
from .status import HistoryEntry, Reviewable, clean_title

STATUSES = ("draft", "pending_review", "published", "in_auction", "in_agreement", "sold", "withdrawn")
#: in_auction / in_agreement: still shown, but out of the market (no second lot or agreement)
PUBLIC_STATUSES = ("published", "in_auction", "in_agreement")
# 成交公示: a sold achievement leaves the catalogue but stays readable by everyone, with its result
READABLE_STATUSES = (*PUBLIC_STATUSES, "sold")
# statuses in which an achievement is published, so its application numbers are taken
PUBLISHED_STATUSES = ("published", "in_auction", "in_agreement", "sold")

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
    "start_agreement": ({"published"}, "in_agreement"),     # an offer accepted (协议成交)
    "void_agreement": ({"in_agreement"}, "published"),      # an objection upheld
    "sell_by_agreement": ({"in_agreement"}, "sold"),        # the agreement signed
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
    KIND = "achievement"

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

    def start_agreement(self, actor_id, now, detail: dict | None = None):
        self._go("start_agreement", actor_id, now, detail=detail)

    def void_agreement(self, actor_id, now, reason: str | None = None):
        self._go("void_agreement", actor_id, now, reason=reason)

    def sell_by_agreement(self, actor_id, now, detail: dict | None = None):
        self._go("sell_by_agreement", actor_id, now, detail=detail)

    # --- reads -------------------------------------------------------------
    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def visible_to(self, user) -> bool:
        if self.status in READABLE_STATUSES:
            return True
        if user is None:
            return False
        return user.is_admin or user.operates(self.market_code) or user.organisation_id == self.holder_id

    def is_listed_on(self, market_code: str) -> bool:
        """Its home market, or a market where a listing of it is live."""
        return self.market_code == market_code or any(
            li.market_code == market_code and li.status == "listed" for li in self.listings)

    def require_listed_on(self, market_code: str) -> None:
        """A market's operators act (auction, re-offer) only on what their market lists: they
        have no say over another market's achievement, nor a line in its history."""
        if not self.is_listed_on(market_code):
            raise Forbidden(f"成果 {self.id} 未在 {market_code} 市场挂牌 (achievement not listed on this market)",
                            {"achievement_id": ["not_listed_on_market"]})

    def add_listing(self, market_code: str, *, actor_id: int | None, now: datetime,
                    external_id: str | None = None, price_fen: int | None = None) -> AchievementListing:
        """Another market lists this published achievement (rather than publishing the same
        patent again as a second achievement): from now on its operators may auction it."""
        if self.status not in ("published", "in_auction"):
            raise Conflict(f"只有已发布的成果可以增加挂牌 (only a published achievement can be listed; it is {self.status})")
        if self.is_listed_on(market_code):
            raise Conflict(f"成果已在 {market_code} 市场挂牌 (already listed on {market_code})",
                           {"market_code": ["already_listed"]})
        listing = AchievementListing(market_code, external_id, price_fen, price_fen is None,
                                     local_today(now), now)
        self.listings.append(listing)
        self.record_change(actor_id, now, f"{market_code} 市场增加挂牌 (listed on {market_code})",
                           {"listed_on_market": market_code})
        return listing

    def require_numbers_not_published_elsewhere(self, others) -> None:
        """One CN application number is one invention: published as two achievements it would
        split its bids, contracts and statistics. `others` are achievements sharing any of this
        one's numbers; the first published one is named (409), so the reviewer can add a listing
        to it instead."""
        for other in sorted(others, key=lambda a: a.id):
            if other.id == self.id or other.status not in PUBLISHED_STATUSES:
                continue
            taken = set(other.application_numbers or [])
            shared = [n for n in self.application_numbers or [] if n in taken]
            if shared:
                raise Conflict(
                    f"申请号 {shared[0]} 已由成果 {other.id}「{other.title}」发布，请在该成果上增加挂牌"
                    f" (application number already published as achievement {other.id}; add a listing to it)",
                    {"application_numbers": [f"{n}: achievement {other.id}" for n in shared]})

    def require_owner(self, user) -> None:
        if user is None or user.organisation_id != self.holder_id:
            raise Forbidden("只有成果所属机构的成员可以执行此操作 (holder organisation only)")
