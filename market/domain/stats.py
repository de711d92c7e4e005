"""The arithmetic of the technology-contract statistics, free of any database.

The figures reconcile by construction: every contract is one fact with one
seller province and one buyer province, so summing the facts by seller
(outflow, 输出) or by buyer (inflow, 吸纳) gives the same total, and a contract
inside one province is one fact, counted once. The services compute the same
groupings in SQL; the functions here are the reference the tests hold them to,
and they build the flows matrix, its totals and the period-on-period changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from . import taxonomy
from .errors import ValidationFailed

OTHER_PROVINCES = "其他省份"
FLOW_BUCKETS = taxonomy.YRD_PROVINCES + (OTHER_PROVINCES, taxonomy.ABROAD)
SIDES = ("outflow", "inflow")
TIME_GROUPS = ("year", "quarter", "month")
GROUPS = ("province",) + TIME_GROUPS + ("type", "field", "market")
MAX_GROUPS = 2


# --- amounts ---------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    """Count and money of a set of contracts; adding is the only operation."""
    count: int = 0
    contract_amount_fen: int = 0
    tech_amount_fen: int = 0

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(self.count + other.count, self.contract_amount_fen + other.contract_amount_fen,
                      self.tech_amount_fen + other.tech_amount_fen)

    def __sub__(self, other: "Totals") -> "Totals":
        return Totals(self.count - other.count, self.contract_amount_fen - other.contract_amount_fen,
                      self.tech_amount_fen - other.tech_amount_fen)

    def as_dict(self) -> dict:
        return {"count": self.count, "contract_amount_fen": self.contract_amount_fen,
                "tech_amount_fen": self.tech_amount_fen}


def total_of(items: Iterable[Totals]) -> Totals:
    out = Totals()
    for item in items:
        out = out + item
    return out


# --- periods -------------------------------------------------------------------------
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-?[Hh]([12])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 1900, 2100   # a year earlier (同比) must exist; tables stay a sane size


def period_bounds(text: str) -> tuple[date, date]:
    """'2025' / '2025Q1' / '2025-H1' / '2025-03' / '2025-03-15' -> (first day, last day).

    Raises ValueError (Chinese message) on anything else."""
    value = (text or "").strip()
    year = re.match(r"^(\d{4})", value)
    if year and not MIN_YEAR <= int(year[1]) <= MAX_YEAR:
        raise ValueError(f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间: {text!r} (year out of range)")
    try:
        if m := _YEAR.match(value):
            y = int(m[1])
            return date(y, 1, 1), date(y, 12, 31)
        if m := _QUARTER.match(value):
            y, q = int(m[1]), int(m[2])
            return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
        if m := _HALF.match(value):
            y, h = int(m[1]), int(m[2])
            return date(y, 6 * h - 5, 1), _month_end(y, 6 * h)
        if m := _MONTH.match(value):
            y, mo = int(m[1]), int(m[2])
            return date(y, mo, 1), _month_end(y, mo)
        if m := _DAY.match(value):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
    except ValueError:
        pass
    raise ValueError(f"无法识别的日期或期间: {text!r} (use 2025, 2025Q1, 2025-H1, 2025-03 or 2025-03-15)")


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class DateRange:
    """Inclusive date range [start, end]."""
    start: date
    end: date

    def shifted_years(self, years: int) -> "DateRange":
        return DateRange(_shift_year(self.start, years), _shift_year(self.end, years))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_range(start_text: str | None, end_text: str | None, *, today: date) -> DateRange:
    """The query's `from`/`to`: each a period; `from` takes its first day, `to` its
    last, so from=2025Q1&to=2025Q4 is the year 2025. A missing `from` is 1 January
    of the year of `to` (or of today); a missing `to` is the end of `from`'s year.
    Inverted ranges are refused (422)."""
    errors: dict[str, list[str]] = {}
    start = end = None
    if start_text:
        try:
            start = period_bounds(start_text)[0]
        except ValueError as exc:
            errors["from"] = [str(exc)]
    if end_text:
        try:
            end = period_bounds(end_text)[1]
        except ValueError as exc:
            errors["to"] = [str(exc)]
    if errors:
        raise ValidationFailed("统计期间有误 (invalid period)", errors)
    if start is None:
        start = date((end or today).year, 1, 1)
    if end is None:
        end = date(start.year, 12, 31)
    if end < start:
        raise ValidationFailed("结束日期早于开始日期 (inverted range)",
                               {"to": [f"结束日期 {end} 早于开始日期 {start}"]})
    return DateRange(start, end)


def period_key(granularity: str, year: int, month: int) -> str:
    if granularity == "year":
        return f"{year}"
    if granularity == "quarter":
        return f"{year}Q{(month - 1) // 3 + 1}"
    if granularity == "month":
        return f"{year}-{month:02d}"
    raise ValueError(granularity)


def key_start(granularity: str, key: str) -> tuple[int, int]:
    """(year, first month) of a period key."""
    if granularity == "year":
        return int(key), 1
    if granularity == "quarter":
        return int(key[:4]), 3 * int(key[5]) - 2
    return int(key[:4]), int(key[5:7])


def periods_between(granularity: str, span: DateRange) -> list[str]:
    """Every period key that overlaps the range, in order."""
    step = {"year": 12, "quarter": 3, "month": 1}[granularity]
    year, month = span.start.year, span.start.month
    month = 1 if granularity == "year" else (month - 1) // step * step + 1
    keys = []
    while (year, month) <= (span.end.year, span.end.month):
        keys.append(period_key(granularity, year, month))
        year, month = year + (month - 1 + step) // 12, (month - 1 + step) % 12 + 1
    return keys


def previous_key(granularity: str, key: str) -> str:
    """The period just before (环比: previous quarter / month / year)."""
    year, month = key_start(granularity, key)
    step = {"year": 12, "quarter": 3, "month": 1}[granularity]
    index = year * 12 + (month - 1) - step
    return period_key(granularity, index // 12, index % 12 + 1)


def year_earlier_key(granularity: str, key: str) -> str:
    """The same period a year earlier (同比)."""
    year, month = key_start(granularity, key)
    return period_key(granularity, year - 1, month)


def change_ratio(current: int, earlier: int | None) -> float | None:
    """(current − earlier) / earlier, rounded to 4 places; None when the earlier
    period has no data (nothing to compare with)."""
    if not earlier:
        return None
    return round((current - earlier) / earlier, 4)


def changes(current: Totals, earlier: Totals | None) -> dict | None:
    if earlier is None or earlier.count == 0:
        return None
    return {"count": change_ratio(current.count, earlier.count),
            "contract_amount_fen": change_ratio(current.contract_amount_fen, earlier.contract_amount_fen),
            "tech_amount_fen": change_ratio(current.tech_amount_fen, earlier.tech_amount_fen)}


# --- grouping ----------------------------------------------------------------------------
def parse_group_by(text: str | None) -> tuple[str, ...]:
    """'quarter,province' -> ('quarter', 'province'); unknown, repeated, two time
    granularities or more than two groups -> 422."""
    parts = tuple(p.strip() for p in (text or "province").split(",") if p.strip())
    problems = []
    unknown = [p for p in parts if p not in GROUPS]
    if unknown:
        problems.append(f"未知分组: {', '.join(unknown)} (allowed: {', '.join(GROUPS)})")
    if not parts:
        problems.append("至少需要一个分组")
    if len(set(parts)) != len(parts):
        problems.append("分组不能重复")
    if len(parts) > MAX_GROUPS:
        problems.append(f"最多{MAX_GROUPS}个分组")
    if sum(p in TIME_GROUPS for p in parts) > 1:
        problems.append("只能按一种时间粒度分组 (year, quarter or month)")
    if problems:
        raise ValidationFailed("分组参数有误 (invalid group_by)", {"group_by": problems})
    return parts


def parse_side(text: str | None) -> str:
    side = (text or "outflow").strip()
    if side not in SIDES:
        raise ValidationFailed.on("side", "side 必须是 outflow(输出) 或 inflow(吸纳)")
    return side


def time_group(groups: tuple[str, ...]) -> str | None:
    return next((g for g in groups if g in TIME_GROUPS), None)


def dimension_values(group: str, seen: Iterable, span: DateRange) -> list:
    """The rows a table shows even when empty: every period of the range, the four
    delta provinces, each contract type, field and market; plus anything seen."""
    seen = set(seen)
    if group in TIME_GROUPS:
        return periods_between(group, span)
    base = {"province": taxonomy.YRD_PROVINCES, "type": taxonomy.CONTRACT_TYPES,
            "field": taxonomy.FIELDS, "market": taxonomy.MARKET_CODES}[group]
    order = {"province": taxonomy.PROVINCES + (taxonomy.ABROAD,)}.get(group, base)
    rank = {v: i for i, v in enumerate(order)}
    return sorted(set(base) | seen, key=lambda v: (rank.get(v, len(rank)), str(v)))


# --- the flows matrix -------------------------------------------------------------------
def flow_bucket(province: str) -> str:
    if province in taxonomy.YRD_PROVINCES:
        return province
    if province == taxonomy.ABROAD:
        return taxonomy.ABROAD
    return OTHER_PROVINCES


@dataclass
class FlowMatrix:
    """Seller bucket × buyer bucket; rows are outflow, columns inflow."""
    cells: dict[tuple[str, str], Totals]

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str, Totals]]) -> "FlowMatrix":
        cells = {(s, b): Totals() for s in FLOW_BUCKETS for b in FLOW_BUCKETS}
        for seller, buyer, totals in pairs:
            key = (flow_bucket(seller), flow_bucket(buyer))
            cells[key] = cells[key] + totals
        return cls(cells)

    def cell(self, seller: str, buyer: str) -> Totals:
        return self.cells[(seller, buyer)]

    def outflow(self, bucket: str) -> Totals:
        return total_of(self.cells[(bucket, b)] for b in FLOW_BUCKETS)

    def inflow(self, bucket: str) -> Totals:
        return total_of(self.cells[(s, bucket)] for s in FLOW_BUCKETS)

    @property
    def total(self) -> Totals:
        return total_of(self.cells.values())

    def net(self, bucket: str) -> Totals:
        """Outflow − inflow (positive: a net exporter of technology)."""
        return self.outflow(bucket) - self.inflow(bucket)

    def yrd_cross_outflow(self, province: str) -> Totals:
        return total_of(self.cells[(province, b)] for b in taxonomy.YRD_PROVINCES if b != province)

    def yrd_cross_inflow(self, province: str) -> Totals:
        return total_of(self.cells[(s, province)] for s in taxonomy.YRD_PROVINCES if s != province)

    @property
    def yrd_cross_total(self) -> Totals:
        """Contracts between two different delta provinces (长三角跨省)."""
        return total_of(self.yrd_cross_outflow(p) for p in taxonomy.YRD_PROVINCES)

    def as_dict(self) -> dict:
        total, cross = self.total, self.yrd_cross_total
        return {
            "buckets": list(FLOW_BUCKETS),
            "matrix": [{"seller": s, "cells": [{"buyer": b, **self.cell(s, b).as_dict()}
                                               for b in FLOW_BUCKETS]} for s in FLOW_BUCKETS],
            "outflow": {s: self.outflow(s).as_dict() for s in FLOW_BUCKETS},
            "inflow": {b: self.inflow(b).as_dict() for b in FLOW_BUCKETS},
            "net": {p: self.net(p).as_dict() for p in FLOW_BUCKETS},
            "total": total.as_dict(),
            "yrd_cross_province": {
                "total": cross.as_dict(),
                "share_of_total": share(cross.contract_amount_fen, total.contract_amount_fen),
                "by_province": {p: {
                    "outflow": self.yrd_cross_outflow(p).as_dict(),
                    "inflow": self.yrd_cross_inflow(p).as_dict(),
                    "outflow_share": share(self.yrd_cross_outflow(p).contract_amount_fen,
                                           cross.contract_amount_fen),
                } for p in taxonomy.YRD_PROVINCES},
            },
            "checks": reconciliation_checks(
                [self.outflow(s) for s in FLOW_BUCKETS], [self.inflow(b) for b in FLOW_BUCKETS], total),
        }


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places (0.3558 = 35.58%); None for an empty whole."""
    return round(part / whole, 4) if whole else None


def reconciliation_checks(outflow: Iterable[Totals], inflow: Iterable[Totals], total: Totals) -> dict:
    """Σ outflow = Σ inflow = total. Published beside the figures so a reader
    sees the table add up (and a regression shows at once)."""
    out_sum, in_sum = total_of(outflow), total_of(inflow)
    return {"outflow_equals_total": out_sum == total, "inflow_equals_total": in_sum == total}


# --- the contracts table ---------------------------------------------------------------
def comparison_range(span: DateRange, groups: tuple[str, ...]) -> DateRange:
    """What else to query for the changes. With a time grouping: the year before
    the range (holds every row's year-earlier and previous period). Without one:
    the same range a year earlier."""
    if time_group(groups):
        return DateRange(_shift_year(span.start, -1), span.start - timedelta(days=1))
    return span.shifted_years(-1)


def contracts_result(current: dict[tuple, Totals], earlier: dict[tuple, Totals], *,
                     groups: tuple[str, ...], side: str, span: DateRange, registered_only: bool) -> dict:
    """Rows for every combination of the groups' values (zeros included, so series
    and tables have no holes), each with its year-on-year change (同比) and, for a
    quarter or month grouping, the change on the previous period (环比).

    `current` is the grouping over `span`, `earlier` over `comparison_range`."""
    time = time_group(groups)
    axes = [dimension_values(g, {k[i] for k in current}, span) for i, g in enumerate(groups)]

    def lookup(key):
        return current.get(key) or earlier.get(key)

    rows, total = [], Totals()
    for key in _product(axes):
        figures = current.get(key, Totals())
        total = total + figures
        row = {g: v for g, v in zip(groups, key)}
        row.update(figures.as_dict())
        if time:
            t = groups.index(time)
            row["yoy"] = changes(figures, lookup(_with(key, t, year_earlier_key(time, key[t]))))
            row["qoq"] = (None if time == "year" else
                          changes(figures, lookup(_with(key, t, previous_key(time, key[t])))))
        else:
            row["yoy"], row["qoq"] = changes(figures, earlier.get(key)), None
        rows.append(row)
    return {"from": span.start, "to": span.end, "group_by": list(groups),
            "side": side, "registered_only": registered_only, "rows": rows, "total": total.as_dict()}


def _product(axes: list[list]) -> list[tuple]:
    out: list[tuple] = [()]
    for axis in axes:
        out = [prefix + (value,) for prefix in out for value in axis]
    return out


def _with(key: tuple, index: int, value) -> tuple:
    return key[:index] + (value,) + key[index + 1:]
