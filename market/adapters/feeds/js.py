"""江苏省技术产权交易市场: CSV with Chinese headers, UTF-8 with BOM, prices in
万元 (or 面议), dates like ``2024/3/5``, region as ``江苏省无锡市``."""
from __future__ import annotations

from typing import BinaryIO, Iterator

from market.adapters.feeds.base import FeedAdapter, spreadsheet_demand, csv_rows, kind_from_csv_head, malformed
from market.domain.feeds import ACHIEVEMENTS, Parsed, RawListing, build_demand, build_listing

ENCODING = "utf-8-sig"
LISTING_COLUMNS = {
    "external_id": "项目编号", "title": "成果名称", "abstract": "成果简介", "patents": "专利号",
    "ip_type": "成果类型", "holder": "权利人", "field_label": "技术领域", "transfer_mode": "交易方式",
    "price": "挂牌价(万元)", "listed_on": "挂牌日期", "place": "所在地区", "maturity": "成熟度",
}
DEMAND_COLUMNS = {
    "external_id": "需求编号", "title": "需求名称", "description": "需求内容", "enterprise": "需求单位",
    "field_label": "技术领域", "budget": "预算(万元)", "deadline": "截止日期",
    "cooperation_mode": "合作方式", "place": "所在地",
}
OPTIONAL = {"abstract", "place", "description", "deadline", "patents"}


def required_columns(columns: dict) -> list[str]:
    return [c for name, c in columns.items() if name not in OPTIONAL]


class JiangsuFeed(FeedAdapter):
    code = "JS"
    description = "CSV, UTF-8 with BOM"

    def detect_kind(self, head: bytes) -> str:
        return kind_from_csv_head(self, head, ENCODING, "项目编号", "需求编号")

    def read(self, stream: BinaryIO, kind: str) -> Iterator[Parsed]:
        columns = LISTING_COLUMNS if kind == ACHIEVEMENTS else DEMAND_COLUMNS
        rows = csv_rows(stream, ENCODING, self, required_columns(columns), columns.values(), columns["external_id"])
        yield next(rows)  # the header report
        for number, row, problem, row_id in rows:
            if problem:
                yield malformed(self.code, number, row_id, problem)
            elif kind == ACHIEVEMENTS:
                yield build_listing(self.code, self._listing(number, row), LISTING_COLUMNS)
            else:
                yield build_demand(self.code, spreadsheet_demand(number, row, DEMAND_COLUMNS), DEMAND_COLUMNS)

    @staticmethod
    def _listing(number: int, row: dict) -> RawListing:
        c = LISTING_COLUMNS
        patent = row.get(c["patents"], "")
        return RawListing(
            row=number, external_id=row[c["external_id"]], title=row[c["title"]],
            abstract=row.get(c["abstract"]), patents=[patent] if patent.strip() else [],
            ip_type=row[c["ip_type"]], holder=row[c["holder"]], field_label=row[c["field_label"]],
            transfer_mode=row[c["transfer_mode"]], price=row[c["price"]], price_unit="万元",
            listed_on=row[c["listed_on"]], place=row.get(c["place"]), maturity=row[c["maturity"]],
            excel_dates=True,
        )
