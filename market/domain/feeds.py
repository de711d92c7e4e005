"""What a market's feed row becomes once read: one normalised record shape for
all markets, or the reasons the row was refused.

Adapters only map their own column names onto ``RawListing`` / ``RawDemand``;
``build_listing`` / ``build_demand`` apply the same checks to every market, so
a fifth market cannot bring in a looser reading of prices or dates.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Mapping, Union

from market.domain import normalise as nz
from market.domain.achievements import MAX_KEYWORDS, MAX_TITLE
from market.domain.errors import ValidationFailed

MAX_NAME = 200  # organisations.name
MAX_EXTERNAL_ID = 64  # achievement_listings.external_id, demands.external_id
MAX_PLACE = 64

ACHIEVEMENTS = "achievements"
DEMANDS = "demands"
FEED_KINDS = (ACHIEVEMENTS, DEMANDS)


class FeedUnreadable(ValidationFailed):
    """The file as a whole cannot be read (encoding, format): nothing is imported."""

    default_message = "无法读取导入文件 (unreadable feed)"


@dataclass(frozen=True)
class RowError:
    market_code: str
    row: int
    external_id: str | None
    field: str
    reason: str


@dataclass(frozen=True)
class RejectedRow:
    market_code: str
    row: int
    external_id: str | None
    errors: tuple[RowError, ...]


@dataclass
class ListingRecord:
    """One market's listing of an achievement, normalised."""

    market_code: str
    row: int
    external_id: str
    title: str
    abstract: str
    keywords: list[str]
    ip_type: str
    application_numbers: list[str]
    holder_name: str
    field: str
    maturity: str
    transfer_modes: list[str]
    price_fen: int | None
    negotiable: bool
    listed_on: date
    province: str | None
    city: str | None
    withdrawn: bool = False

    @property
    def title_holder_key(self) -> str:
        return nz.title_holder_key(self.title, self.holder_name)

    @property
    def holder_key(self) -> str:
        return nz.match_key(self.holder_name)


@dataclass
class DemandRecord:
    market_code: str
    row: int
    external_id: str
    title: str
    description: str
    enterprise_name: str
    field: str
    budget_min_fen: int | None
    budget_max_fen: int | None
    deadline: date | None
    cooperation_mode: str
    province: str | None
    city: str | None

    @property
    def holder_name(self) -> str:  # the organisation to match or create
        return self.enterprise_name


Parsed = Union[ListingRecord, DemandRecord, RejectedRow]


@dataclass
class RawListing:
    """A listing row's values as sent, under the platform's names."""

    row: int
    external_id: str | None = None
    title: object = None
    abstract: object = None
    keywords: object = None
    patents: list = field(default_factory=list)
    ip_type: object = None
    holder: object = None
    field_label: object = None
    maturity: object = None
    transfer_mode: object = None
    price: object = None
    price_unit: str | None = "元"  # None: the market always writes the unit
    negotiable: bool = False
    listed_on: object = None
    place: object = None
    withdrawn: bool = False


@dataclass
class RawDemand:
    row: int
    external_id: str | None = None
    title: object = None
    description: object = None
    enterprise: object = None
    field_label: object = None
    budget: object = None
    budget_unit: str = "万元"
    deadline: object = None
    cooperation_mode: object = None
    place: object = None


class _RowCheck:
    """Collects every problem of one row (not just the first), named by the
    market's own column so its operators can find it in their export."""

    def __init__(self, market_code: str, row: int, external_id: str | None, columns: Mapping[str, str]):
        self.market_code, self.row, self.external_id = market_code, row, external_id
        self.columns = columns
        self.errors: list[RowError] = []

    def fail(self, name: str, reason: str) -> None:
        column = self.columns.get(name, name)
        self.errors.append(RowError(self.market_code, self.row, self.external_id, column, reason))

    def take(self, name: str, parse: Callable, *args, default=None, **kwargs):
        try:
            return parse(*args, **kwargs)
        except ValueError as exc:
            self.fail(name, str(exc))
            return default

    def required_text(self, name: str, value, reason: str = "不能为空") -> str:
        text = nz.clean_text(value)
        if not text:
            self.fail(name, reason)
        return text

    def rejected(self) -> RejectedRow:
        return RejectedRow(self.market_code, self.row, self.external_id, tuple(self.errors))


def synthetic_key(application_numbers: list[str], title: str, holder: str) -> str | None:
    """A stable id for a market whose own id is only a row number (AH):
    the first patent number, else a digest of the normalised title and holder."""
    if application_numbers:
        return f"P{application_numbers[0]}"
    key = nz.title_holder_key(title, holder)
    if key.startswith("|") or key.endswith("|"):
        return None
    return "T" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]


def build_listing(market_code: str, raw: RawListing, columns: Mapping[str, str],
                  derive_key: bool = False) -> ListingRecord | RejectedRow:
    external_id = nz.clean_line(raw.external_id) or None
    check = _RowCheck(market_code, raw.row, external_id, columns)
    title = nz.clean_line(raw.title)
    if not title:
        check.fail("title", "成果名称为空")
    elif len(title) > MAX_TITLE:
        check.fail("title", f"成果名称超过{MAX_TITLE}字")
    holder = nz.clean_line(raw.holder)
    if not holder:
        check.fail("holder", "权利人为空")
    elif len(holder) > MAX_NAME:
        check.fail("holder", f"权利人名称超过{MAX_NAME}字")
    patents = [p for p in (check.take("patents", nz.normalise_patent, p) for p in raw.patents) if p]
    if len(patents) != len([p for p in raw.patents if nz.clean_text(p)]):
        patents = []  # a row with an invalid number is refused; do not key it on the rest
    if derive_key:
        external_id = external_id or synthetic_key(patents, title, holder)
        check.external_id = external_id
    if not external_id:
        check.fail("external_id", "缺少项目编号")
    elif len(external_id) > MAX_EXTERNAL_ID:
        check.fail("external_id", f"项目编号超过{MAX_EXTERNAL_ID}个字符")
    field_label = check.take("field_label", nz.map_field, market_code, raw.field_label)
    ip_type = check.take("ip_type", nz.map_ip_type, raw.ip_type)
    maturity = check.take("maturity", nz.map_maturity, raw.maturity)
    modes = check.take("transfer_mode", nz.map_transfer_modes, raw.transfer_mode)
    price = check.take("price", nz.parse_price, raw.price, raw.price_unit, raw.negotiable)
    listed_on = check.take("listed_on", nz.parse_date, raw.listed_on)
    if check.errors:
        return check.rejected()
    place = nz.parse_place(raw.place, _market_province(market_code))
    return ListingRecord(
        market_code=market_code, row=raw.row, external_id=external_id, title=title,
        abstract=nz.clean_text(raw.abstract), keywords=nz.split_keywords(raw.keywords)[:MAX_KEYWORDS],
        ip_type=ip_type, application_numbers=list(dict.fromkeys(patents)), holder_name=holder,
        field=field_label, maturity=maturity, transfer_modes=modes, price_fen=price.fen,
        negotiable=price.negotiable, listed_on=listed_on, province=place.province,
        city=place.city[:MAX_PLACE] if place.city else None, withdrawn=raw.withdrawn,
    )


def build_demand(market_code: str, raw: RawDemand, columns: Mapping[str, str]) -> DemandRecord | RejectedRow:
    external_id = nz.clean_line(raw.external_id) or None
    check = _RowCheck(market_code, raw.row, external_id, columns)
    if not external_id:
        check.fail("external_id", "缺少需求编号")
    elif len(external_id) > MAX_EXTERNAL_ID:
        check.fail("external_id", f"需求编号超过{MAX_EXTERNAL_ID}个字符")
    title = nz.clean_line(raw.title)
    if not title:
        check.fail("title", "需求名称为空")
    elif len(title) > MAX_TITLE:
        check.fail("title", f"需求名称超过{MAX_TITLE}字")
    enterprise = nz.clean_line(raw.enterprise)
    if not enterprise:
        check.fail("enterprise", "需求单位为空")
    elif len(enterprise) > MAX_NAME:
        check.fail("enterprise", f"需求单位名称超过{MAX_NAME}字")
    field_label = check.take("field_label", nz.map_field, market_code, raw.field_label)
    budget = check.take("budget", nz.parse_budget, raw.budget, raw.budget_unit, default=(None, None))
    deadline = None
    if nz.clean_text(raw.deadline):
        deadline = check.take("deadline", nz.parse_date, raw.deadline)
    mode = check.take("cooperation_mode", nz.map_cooperation_mode, raw.cooperation_mode)
    if check.errors:
        return check.rejected()
    place = nz.parse_place(raw.place, _market_province(market_code))
    return DemandRecord(
        market_code=market_code, row=raw.row, external_id=external_id, title=title,
        description=nz.clean_text(raw.description), enterprise_name=enterprise, field=field_label,
        budget_min_fen=budget[0], budget_max_fen=budget[1], deadline=deadline,
        cooperation_mode=mode, province=place.province, city=place.city[:MAX_PLACE] if place.city else None,
    )


def _market_province(market_code: str) -> str | None:
    from market.domain.taxonomy import MARKETS

    return next((province for code, _, province in MARKETS if code == market_code), None)


# --- what an import run leaves behind -------------------------------------
OUTCOMES = ("created", "updated", "unchanged", "withdrawn", "rejected")


class ImportRun:
    """One upload of one market's feed: who, when, which file, what happened.

    Every row read ends in exactly one outcome, so the counts reconcile:
    rows_read == created + updated + unchanged + withdrawn + rejected.
    """

    def __init__(self, market_code: str, kind: str, filename: str, file_hash: str, size_bytes: int,
                 actor_id: int | None, now):
        self.market_code, self.kind, self.filename = market_code, kind, filename
        self.file_hash, self.size_bytes, self.actor_id = file_hash, size_bytes, actor_id
        self.started_at, self.finished_at = now, None
        self.status = "running"
        self.rows_read = 0
        self.created = self.updated = self.unchanged = self.withdrawn = self.rejected = 0

    def count(self, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown import outcome {outcome}")
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.rows_read += 1

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ("rows_read", *OUTCOMES)}

    @property
    def reconciles(self) -> bool:
        return self.rows_read == sum(getattr(self, name) for name in OUTCOMES)

    def finish(self, now, status: str = "completed") -> None:
        self.finished_at, self.status = now, status


class ImportRowError:
    """A persisted RowError of one run."""

    def __init__(self, run_id: int, row: int, external_id: str | None, field: str, reason: str):
        self.run_id, self.row, self.external_id, self.field, self.reason = run_id, row, external_id, field, reason
