"""安徽科技大市场: CSV with Chinese headers in GB18030; prices "85万",
"850000元" or 面议; dates ``2024年3月5日``. Its 序号 is only the row number of
that export, so listings are keyed by patent number, else by the normalised
title and holder (see ``market.domain.feeds.synthetic_key``)."""
from __future__ import annotations

from typing import BinaryIO, Iterator

from market.adapters.feeds.base import FeedAdapter, spreadsheet_demand, UTF8_BOM, csv_rows, kind_from_csv_head, malformed
from market.domain.feeds import ACHIEVEMENTS, Parsed, RawListing, build_demand, build_listing

ENCODING = "gb18030"
LISTING_COLUMNS = {
    "row_number": "序号", "title": "成果名称", "abstract": "成果简介", "patents": "知识产权编号",
    "ip_type": "知识产权类型", "holder": "单位", "field_label": "领域", "transfer_mode": "转化方式",
    "price": "价格", "listed_on": "发布时间", "place": "地市", "maturity": "成熟程度",
    "external_id": "知识产权编号/成果名称+单位",
}
DEMAND_COLUMNS = {
    "external_id": "需求编号", "title": "需求名称", "description": "需求内容", "enterprise": "需求单位",
    "field_label": "技术领域", "budget": "预算(万元)", "deadline": "截止日期",
    "cooperation_mode": "合作方式", "place": "所在地",
}
REQUIRED_LISTING = ["成果名称", "知识产权编号", "知识产权类型", "单位", "领域", "转化方式", "价格", "发布时间", "成熟程度"]
REQUIRED_DEMAND = ["需求编号", "需求名称", "需求单位", "技术领域", "预算(万元)", "合作方式"]


class AnhuiFeed(FeedAdapter):
    code = "AH"
    description = "CSV, GB18030"

    def detect_kind(self, head: bytes) -> str:
        if head.startswith(UTF8_BOM):
            raise self.unreadable("文件带 UTF-8 BOM, 应为 GB18030 编码")
        return kind_from_csv_head(self, head, ENCODING, "成果名称", "需求编号")

    def read(self, stream: BinaryIO, kind: str) -> Iterator[Parsed]:
        required = REQUIRED_LISTING if kind == ACHIEVEMENTS else REQUIRED_DEMAND
        columns = LISTING_COLUMNS if kind == ACHIEVEMENTS else DEMAND_COLUMNS
        documented = [c for name, c in columns.items() if not (kind == ACHIEVEMENTS and name == "external_id")]
        id_column = "序号" if kind == ACHIEVEMENTS else columns["external_id"]
        rows = csv_rows(stream, ENCODING, self, required, documented, id_column)
        yield next(rows)  # the header report
        for number, row, problem, row_id in rows:
            if problem:
                yield malformed(self.code, number, row_id, problem)
            elif kind == ACHIEVEMENTS:
                yield build_listing(self.code, self._listing(number, row), LISTING_COLUMNS, derive_key=True)
            else:
                yield build_demand(self.code, spreadsheet_demand(number, row, DEMAND_COLUMNS), DEMAND_COLUMNS)

    @staticmethod
    def _listing(number: int, row: dict) -> RawListing:
        c = LISTING_COLUMNS
        patent = row.get(c["patents"], "")
        return RawListing(
            row=number, external_id=None, title=row[c["title"]], abstract=row.get(c["abstract"]),
            patents=[patent] if patent.strip() else [], ip_type=row[c["ip_type"]], holder=row[c["holder"]],
            field_label=row[c["field_label"]], transfer_mode=row[c["transfer_mode"]], price=row[c["price"]],
            price_unit=None, listed_on=row[c["listed_on"]], place=row.get(c["place"]),
            maturity=row[c["maturity"]], market_id=row.get(c["row_number"]), excel_dates=True,
        )
