"""A market's contract register (CSV) read into rows of contract values: the
columns it may carry (Chinese or English headers), the required ones, and the
reading of each cell. Plain Python: the service decides what the rows become.

A bad cell refuses its row with ``ValidationFailed.on(field, reason)``; a file
that cannot be read at all (size, encoding, header) is refused whole.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from market.domain.encodings import decode_usual
from market.domain.errors import ValidationFailed
from market.domain.feed_dates import parse_date
from market.domain.money import YUAN, parse_amount_fen

COLUMNS = {
    "external_id": ("external_id", "合同编号", "编号"),
    "title": ("title", "合同名称", "项目名称"),
    "contract_type": ("contract_type", "合同类型", "合同类别"),
    "field": ("field", "技术领域"),
    "seller_name": ("seller_name", "卖方", "卖方名称", "技术卖方"),
    "seller_credit_code": ("seller_credit_code", "卖方统一社会信用代码", "卖方信用代码"),
    "seller_province": ("seller_province", "卖方省份", "卖方所在地"),
    "buyer_name": ("buyer_name", "买方", "买方名称", "技术买方"),
    "buyer_credit_code": ("buyer_credit_code", "买方统一社会信用代码", "买方信用代码"),
    "buyer_province": ("buyer_province", "买方省份", "买方所在地"),
    "contract_amount": ("contract_amount", "合同成交额", "合同金额"),
    "tech_amount": ("tech_amount", "技术交易额", "技术性收入"),
    "signed_on": ("signed_on", "签订日期", "签订时间"),
    "registration_number": ("registration_number", "登记编号", "认定登记号"),
}
REQUIRED = ("external_id", "title", "contract_type", "field", "seller_name", "seller_province",
            "buyer_name", "buyer_province", "contract_amount", "tech_amount", "signed_on")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_EXTERNAL_ID = 64


def refused(field: str, message: str) -> ValidationFailed:
    """The error that refuses one row of the register (reported by field, never fatal)."""
    return ValidationFailed.on(field, message)


def parse_amount(text: str, field: str) -> int:
    """'12.5万元' / '12.5万' / '125000元' / '1,250,000.00' (元) -> fen, by the domain's one amount reading."""
    try:
        return parse_amount_fen(text, YUAN)
    except ValueError as exc:
        raise refused(field, f"金额格式错误: {exc}") from None


def parse_signed_on(text: str, field: str = "signed_on") -> date:
    """A signing date, by the domain's one date reading (market.domain.feed_dates)."""
    try:
        return parse_date(text)
    except ValueError:
        raise refused(field, f"日期格式错误: {text!r} (2025-03-15)") from None


def decode_register(content: bytes) -> list[dict]:
    """Bytes -> rows keyed by our column names. UTF-8 (with or without BOM) or
    GB18030; a file that is neither, or lacks a required column, is refused whole."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed.on("file", "文件过大 (最大 20 MB)")
    decoded = decode_usual(content)
    if decoded is None:
        raise ValidationFailed.on("file", "无法识别文件编码 (UTF-8 or GB18030 expected)")
    reader = csv.reader(io.StringIO(decoded[0]))
    header = next(reader, None)
    if not header:
        raise ValidationFailed.on("file", "文件为空或没有表头")
    names = {index: key for index, raw in enumerate(header)
             for key, aliases in COLUMNS.items() if raw.strip() in aliases}
    missing = [k for k in REQUIRED if k not in names.values()]
    if missing:
        raise ValidationFailed("合同登记表缺少必需列 (missing columns)", {"file": [f"缺少列: {', '.join(missing)}"]})
    return [{names[i]: cell.strip() for i, cell in enumerate(line) if i in names}
            for line in reader if any(cell.strip() for cell in line)]


def row_values(row: dict) -> dict:
    """The contract values of one register row (refusing the row on the first bad cell)."""
    for key in REQUIRED:
        if not row.get(key):
            raise refused(key, "不能为空")
    for key, cell in row.items():
        if "\x00" in cell:   # PostgreSQL cannot store or even compare text holding NUL
            raise refused(key, "不能包含 NUL 字符 (NUL not allowed)")
    if len(row["external_id"]) > MAX_EXTERNAL_ID:
        raise refused("external_id", "合同编号过长")
    return {
        "title": row["title"], "contract_type": row["contract_type"], "field": row["field"],
        "contract_amount_fen": parse_amount(row["contract_amount"], "contract_amount"),
        "tech_amount_fen": parse_amount(row["tech_amount"], "tech_amount"),
        "signed_on": parse_signed_on(row["signed_on"]),
    }


def guess_kind(name: str) -> str:
    """The kind of an organisation the register names but the platform does not know yet."""
    if "大学" in name or "学院" in name:
        return "university"
    if "研究院" in name or "研究所" in name or "科学院" in name:
        return "research_institute"
    return "enterprise"
