"""What a market's feed row becomes once read: one normalised record shape for
all markets, or the reasons the row was refused.

Adapters only map their own column names onto ``RawListing`` / ``RawDemand``;
``build_listing`` / ``build_demand`` apply the same checks to every market, so
a fifth market cannot bring in a looser reading of prices or dates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Mapping, Union

from market.domain import normalise as nz
from market.domain.dedup import synthetic_key  # noqa: F401  (part of this module's API)
from market.domain.achievements import MAX_KEYWORDS, MAX_TITLE
from market.domain.errors import ValidationFailed
from market.domain.feed_check import RowCheck, RowError, RowWarning  # noqa: F401  (part of this module's API)
from market.domain.taxonomy import MARKETS

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
    district: str | None = None
    warnings: tuple[RowWarning, ...] = ()

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
    district: str | None = None
    warnings: tuple[RowWarning, ...] = ()

    @property
    def holder_name(self) -> str:  # the organisation to match or create
        return self.enterprise_name


@dataclass(frozen=True)
class HeaderReport:
    """The columns (keys) a file really has, against the market's documented
    header: what the run must say before anyone trusts its numbers."""

    market_code: str
    found: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    missing_optional: tuple[str, ...] = ()

    def warnings(self) -> list[RowWarning]:
        notes = [RowWarning(self.market_code, 0, None, c, "未知的列, 其内容未导入 (unknown column, ignored)")
                 for c in self.unknown]
        notes += [RowWarning(self.market_code, 0, None, c, "缺少可选列, 所有行的该字段为空 (optional column missing)")
                  for c in self.missing_optional]
        return notes

    def as_dict(self) -> dict:
        return {"found": list(self.found), "unknown": list(self.unknown),
                "missing_optional": list(self.missing_optional)}


Parsed = Union[ListingRecord, DemandRecord, RejectedRow, HeaderReport]


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
    negotiable: object = None  # a yes/no flag as sent (read strictly)
    listed_on: object = None
    place: object = None
    withdrawn: bool = False
    market_id: object = None  # the market's own id of the row when it is not the key (AH 序号)
    excel_dates: bool = False  # a spreadsheet export: a date may be an Excel serial day number


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
    excel_dates: bool = False


def build_listing(market_code: str, raw: RawListing, columns: Mapping[str, str],
                  derive_key: bool = False) -> ListingRecord | RejectedRow:
    """Check one listing row; every problem is reported, every change noted."""
    external_id = nz.clean_line(_id_text(raw.external_id)) or None
    market_id = nz.clean_line(_id_text(raw.market_id)) or None
    check = RowCheck(market_code, raw.row, external_id or market_id, columns)
    if raw.external_id is not None and not isinstance(raw.external_id, (str, int)):
        check.fail("external_id", "项目编号应为文本")
    title = check.required_line("title", raw.title, "成果名称为空", MAX_TITLE, "成果名称")
    holder = check.required_line("holder", raw.holder, "权利人为空", MAX_NAME, "权利人名称")
    patents = _patents(check, raw.patents)
    if derive_key and not external_id:
        external_id = synthetic_key(patents, title, holder)
        check.external_id = external_id or market_id
    if not external_id:
        check.fail("external_id", "缺少项目编号")
    elif len(external_id) > MAX_EXTERNAL_ID:
        check.fail("external_id", f"项目编号超过{MAX_EXTERNAL_ID}个字符")
    abstract = check.text("abstract", raw.abstract)
    keywords = check.keywords("keywords", raw.keywords, MAX_KEYWORDS)
    field_label = check.take("field_label", nz.map_field, market_code, check.raw_text("field_label", raw.field_label))
    ip_type = check.take("ip_type", nz.map_ip_type, check.raw_text("ip_type", raw.ip_type))
    maturity = check.take("maturity", nz.map_maturity, check.raw_text("maturity", raw.maturity))
    modes = check.take("transfer_mode", nz.map_transfer_modes, check.raw_text("transfer_mode", raw.transfer_mode))
    negotiable = check.flag("negotiable", raw.negotiable)
    price = check.take("price", nz.parse_price, check.raw_text("price", raw.price), raw.price_unit, negotiable)
    listed_on = check.take("listed_on", nz.parse_date, check.raw_text("listed_on", raw.listed_on),
                           excel_serial=raw.excel_dates)
    place = _place(check, raw.place, market_code)
    if check.errors:
        return _rejected(check)
    return ListingRecord(
        market_code=market_code, row=raw.row, external_id=external_id, title=title,
        abstract=abstract, keywords=keywords, ip_type=ip_type,
        application_numbers=list(dict.fromkeys(patents)), holder_name=holder, field=field_label,
        maturity=maturity, transfer_modes=modes, price_fen=price.fen, negotiable=price.negotiable,
        listed_on=listed_on, province=place.province, city=place.city, district=place.district,
        withdrawn=raw.withdrawn, warnings=tuple(check.warnings),
    )


def build_demand(market_code: str, raw: RawDemand, columns: Mapping[str, str]) -> DemandRecord | RejectedRow:
    external_id = nz.clean_line(_id_text(raw.external_id)) or None
    check = RowCheck(market_code, raw.row, external_id, columns)
    if not external_id:
        check.fail("external_id", "缺少需求编号")
    elif len(external_id) > MAX_EXTERNAL_ID:
        check.fail("external_id", f"需求编号超过{MAX_EXTERNAL_ID}个字符")
    title = check.required_line("title", raw.title, "需求名称为空", MAX_TITLE, "需求名称")
    enterprise = check.required_line("enterprise", raw.enterprise, "需求单位为空", MAX_NAME, "需求单位名称")
    description = check.text("description", raw.description)
    field_label = check.take("field_label", nz.map_field, market_code, check.raw_text("field_label", raw.field_label))
    budget = check.take("budget", nz.parse_budget, check.raw_text("budget", raw.budget), raw.budget_unit,
                        default=(None, None))
    deadline = None
    deadline_text = check.raw_text("deadline", raw.deadline)
    if nz.clean_text(deadline_text):
        deadline = check.take("deadline", nz.parse_date, deadline_text, excel_serial=raw.excel_dates)
    mode = check.take("cooperation_mode", nz.map_cooperation_mode,
                      check.raw_text("cooperation_mode", raw.cooperation_mode))
    place = _place(check, raw.place, market_code)
    if check.errors:
        return _rejected(check)
    return DemandRecord(
        market_code=market_code, row=raw.row, external_id=external_id, title=title,
        description=description, enterprise_name=enterprise, field=field_label,
        budget_min_fen=budget[0], budget_max_fen=budget[1], deadline=deadline,
        cooperation_mode=mode, province=place.province, city=place.city, district=place.district,
        warnings=tuple(check.warnings),
    )


def _id_text(value) -> str:
    """An id as text: ids are sent as strings or integers; anything else is reported by the caller."""
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _patents(check: RowCheck, values) -> list[str]:
    """Valid, normalised patent numbers; a row with an invalid one is refused
    (and not keyed on the rest)."""
    numbers = []
    for value in values or []:
        text = check.raw_text("patents", value)
        if nz.clean_text(text):
            numbers.append(check.take("patents", nz.normalise_patent, text))
    return numbers if all(numbers) else []


def _place(check: RowCheck, value, market_code: str):
    place = nz.parse_place(check.line("place", value), _market_province(market_code))
    if max(len(place.city or ""), len(place.district or "")) > MAX_PLACE:
        check.fail("place", f"地点超过{MAX_PLACE}字")
    elif place.note:
        check.warn("place", place.note)
    return place


def _rejected(check: RowCheck) -> RejectedRow:
    return RejectedRow(check.market_code, check.row, check.external_id, tuple(check.errors))


@lru_cache(maxsize=None)
def _market_province(market_code: str) -> str | None:
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
        self.header: dict | None = None  # the columns the file had (HeaderReport.as_dict)

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
