"""上海技术交易所: JSON Lines, camelCase keys, prices in yuan ("1,200,000.00")
with a ``priceNegotiable`` flag, ISO 8601 times with +08:00, patent numbers
with the ``ZL`` prefix."""
from __future__ import annotations

from typing import BinaryIO, Iterator

from market.adapters.feeds.base import (
    FeedAdapter, KeyCensus, jsonl_rows, kind_from_jsonl_head, malformed, text_id,
)
from market.domain.feeds import ACHIEVEMENTS, Parsed, RawDemand, RawListing, build_demand, build_listing

LISTING_COLUMNS = {
    "external_id": "projectNo", "title": "title", "abstract": "summary", "keywords": "keywords",
    "place": "city", "holder": "holder", "patents": "patentNo",
    "field_label": "field", "ip_type": "ipType", "maturity": "maturity", "transfer_mode": "tradeMode",
    "price": "listPrice", "negotiable": "priceNegotiable", "listed_on": "listedAt", "status": "status",
}
DEMAND_COLUMNS = {
    "external_id": "demandNo", "title": "title", "enterprise": "company", "field_label": "field",
    "budget": "budget", "deadline": "deadline", "cooperation_mode": "cooperation",
    "description": "description", "place": "city",
}
OPTIONAL = {"abstract", "keywords", "place", "patents", "negotiable", "status", "description", "deadline"}
LISTED = {"挂牌中", "已挂牌", "上架", "listed", ""}
WITHDRAWN = {"已撤牌", "撤牌", "已下架", "下架", "已撤回", "撤回", "withdrawn"}


class ShanghaiFeed(FeedAdapter):
    code = "SH"
    description = "JSON Lines, UTF-8"

    def detect_kind(self, head: bytes) -> str:
        return kind_from_jsonl_head(self, head, "projectNo", "demandNo")

    def read(self, stream: BinaryIO, kind: str) -> Iterator[Parsed]:
        columns = LISTING_COLUMNS if kind == ACHIEVEMENTS else DEMAND_COLUMNS
        keys = KeyCensus()
        for number, obj, problem in jsonl_rows(stream, self):
            if problem:
                yield malformed(self.code, number, None, problem)
            elif kind == ACHIEVEMENTS:
                yield self._listing(number, keys.see(obj))
            else:
                yield self._demand(number, keys.see(obj))
        yield keys.report(self.code, columns.values(),
                          [c for name, c in columns.items() if name not in OPTIONAL])

    def _listing(self, number: int, obj: dict) -> Parsed:
        status = obj.get("status") or ""
        status = status.strip() if isinstance(status, str) else status
        if not isinstance(status, str) or status not in LISTED | WITHDRAWN:
            return malformed(self.code, number, text_id(obj.get("projectNo")), f"未知的挂牌状态 {status!r}",
                             field="status")
        patent = obj.get("patentNo")
        raw = RawListing(
            row=number, external_id=obj.get("projectNo"), title=obj.get("title"),
            abstract=obj.get("summary"), keywords=obj.get("keywords"),
            patents=[patent] if patent not in (None, "") else [], ip_type=obj.get("ipType"), holder=obj.get("holder"),
            field_label=obj.get("field"), maturity=obj.get("maturity"), transfer_mode=obj.get("tradeMode"),
            price=obj.get("listPrice"), price_unit="元", negotiable=obj.get("priceNegotiable"),
            listed_on=obj.get("listedAt"), place=obj.get("city"), withdrawn=status in WITHDRAWN,
        )
        return build_listing(self.code, raw, LISTING_COLUMNS)

    def _demand(self, number: int, obj: dict) -> Parsed:
        raw = RawDemand(
            row=number, external_id=obj.get("demandNo"), title=obj.get("title"),
            description=obj.get("description"), enterprise=obj.get("company"), field_label=obj.get("field"),
            budget=obj.get("budget"), deadline=obj.get("deadline"), cooperation_mode=obj.get("cooperation"),
            place=obj.get("city"),
        )
        return build_demand(self.code, raw, DEMAND_COLUMNS)
