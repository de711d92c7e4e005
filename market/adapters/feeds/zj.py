"""浙江科技大市场: achievements as ONE JSON document ``{total, rows, exportTime}``
with pinyin-initial keys, streamed row by row with ijson (a plain json.load
would hold the whole export in memory); demands as JSON Lines.

Keys: cgbh 成果编号, cgmc 成果名称, cgjj 成果简介, gjc 关键词 (；-separated),
zl [{zlh 专利号, zllx 专利类型}], cglx 成果类型, cgsyr 成果所有人, jsly 技术领域
(code 01-10), jyfs 交易方式, jg 价格 ("85万元" / 面议), fbsj 发布时间 (20240305),
ssdq 所属地区, cssd 成熟程度, zt 状态 ("1" listed, "0" withdrawn).
"""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator

import ijson

from market.adapters.feeds.base import (
    FeedAdapter, KeyCensus, UTF8_BOM, first_line, jsonl_rows, malformed, strip_bom, text_id,
)
from market.domain.feeds import (
    ACHIEVEMENTS, DEMANDS, Parsed, RawDemand, RawListing, build_demand, build_listing,
)

LISTING_COLUMNS = {
    "external_id": "cgbh", "title": "cgmc", "abstract": "cgjj", "keywords": "gjc", "patents": "zl.zlh",
    "ip_type": "cglx", "holder": "cgsyr", "field_label": "jsly", "transfer_mode": "jyfs", "price": "jg",
    "listed_on": "fbsj", "place": "ssdq", "maturity": "cssd", "status": "zt",
}
DEMAND_COLUMNS = {
    "external_id": "demandNo", "title": "title", "enterprise": "company", "field_label": "field",
    "budget": "budget", "deadline": "deadline", "cooperation_mode": "cooperation",
    "description": "description", "place": "city",
}
OPTIONAL = {"abstract", "keywords", "patents", "place", "status", "description", "deadline"}
STATUS = {"1": False, "0": True}  # zt -> withdrawn?


class _SkipBom:
    """A read()-able view of a binary stream without its UTF-8 BOM, for ijson."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.started = stream, False

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if not self.started and data:  # ijson first calls read(0) to learn bytes vs str
            self.started = True
            if data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM):] or self.stream.read(size)
        return data


class ZhejiangFeed(FeedAdapter):
    code = "ZJ"
    description = "JSON document (achievements) / JSON Lines (demands), UTF-8"

    def detect_kind(self, head: bytes) -> str:
        body = strip_bom(head).lstrip()
        if not body.startswith(b"{"):
            raise self.unreadable("不是 JSON (应以 { 开头)")
        try:
            obj = json.loads(first_line(head).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            obj = None  # a pretty-printed document: its first line is not a whole object
        if isinstance(obj, dict) and "demandNo" in obj:
            return DEMANDS
        if (isinstance(obj, dict) and "rows" in obj) or (obj is None and b'"rows"' in body):
            return ACHIEVEMENTS
        raise self.unreadable("既不是成果导出 {total, rows, exportTime} 也不是需求 JSON Lines (demandNo)")

    def read(self, stream: BinaryIO, kind: str) -> Iterator[Parsed]:
        keys = KeyCensus()
        if kind == ACHIEVEMENTS:
            yield from self._achievements(stream, keys)
            columns = LISTING_COLUMNS
        else:
            for number, obj, problem in jsonl_rows(stream, self):
                yield malformed(self.code, number, None, problem) if problem else self._demand(number, keys.see(obj))
            columns = DEMAND_COLUMNS
        documented = [c.split(".")[0] for c in columns.values()]
        yield keys.report(self.code, documented,
                          [c.split(".")[0] for name, c in columns.items() if name not in OPTIONAL])

    def _achievements(self, stream: BinaryIO, keys: KeyCensus) -> Iterator[Parsed]:
        number = 0
        try:
            for obj in ijson.items(_SkipBom(stream), "rows.item", use_float=False):
                number += 1
                if not isinstance(obj, dict):
                    yield malformed(self.code, number, None, "rows 中的元素应为 JSON 对象")
                    continue
                yield self._listing(number, keys.see(obj))
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise self.unreadable(f"JSON 在第 {number + 1} 条附近无法解析 ({exc})") from None
        if number == 0:
            raise self.unreadable("没有 rows 数组或数组为空")

    def _listing(self, number: int, obj: dict) -> Parsed:
        row_id = text_id(obj.get("cgbh"))
        status = obj.get("zt")
        status = "1" if status in (None, "") else status
        if isinstance(status, int) and not isinstance(status, bool):
            status = str(status)
        if not isinstance(status, str) or status.strip() not in STATUS:
            return malformed(self.code, number, row_id, f"未知的状态 zt={status!r}", field="zt")
        patents = obj.get("zl") or []
        if not isinstance(patents, list) or not all(isinstance(p, dict) for p in patents):
            return malformed(self.code, number, row_id, "zl 应为 [{zlh, zllx}] 列表", field="zl")
        raw = RawListing(
            row=number, external_id=obj.get("cgbh"), title=obj.get("cgmc"), abstract=obj.get("cgjj"),
            keywords=obj.get("gjc"), patents=[p.get("zlh") for p in patents if p.get("zlh") not in (None, "")],
            ip_type=obj.get("cglx"), holder=obj.get("cgsyr"), field_label=_code(obj.get("jsly")),
            transfer_mode=obj.get("jyfs"), price=obj.get("jg"), price_unit=None,
            listed_on=obj.get("fbsj"), place=obj.get("ssdq"), maturity=obj.get("cssd"),
            withdrawn=STATUS[status.strip()],
        )
        return build_listing(self.code, raw, LISTING_COLUMNS)

    def _demand(self, number: int, obj: dict) -> Parsed:
        raw = RawDemand(
            row=number, external_id=obj.get("demandNo"), title=obj.get("title"),
            description=obj.get("description"), enterprise=obj.get("company"),
            field_label=_code(obj.get("field")), budget=obj.get("budget"),
            deadline=obj.get("deadline"), cooperation_mode=obj.get("cooperation"), place=obj.get("city"),
        )
        return build_demand(self.code, raw, DEMAND_COLUMNS)


def _code(value):
    """A field code 1-10 / "01"-"10" as its two-digit text; any other type is left for the row check to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip().zfill(2) if isinstance(value, str) else value
