"""Shared machinery of the market feed adapters: decoding, CSV / JSON Lines
readers that stream, and the adapter interface the import service uses.

Every reader pulls one record at a time from a binary stream, so memory stays
flat whatever the file size. A problem that makes the whole file unreadable
(encoding, missing columns, not JSON) raises ``FeedUnreadable``; a problem in
one row becomes a ``RejectedRow`` and reading goes on.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from abc import ABC, abstractmethod
from typing import BinaryIO, Iterable, Iterator

from market.adapters.feeds.csv_structure import CsvRow, PhysicalLines, data_rows
from market.domain.encodings import decodings
from market.domain.feeds import (
    ACHIEVEMENTS, DEMANDS, FeedUnreadable, HeaderReport, Parsed, RawDemand, RejectedRow, RowError,
)

csv.field_size_limit(16 * 1024 * 1024)
HEAD_BYTES = 1024 * 1024  # enough for the header or first record of any feed
UTF8_BOM = codecs.BOM_UTF8


class FeedAdapter(ABC):
    """One market's export format. Subclasses name their columns/keys and map
    a row onto RawListing / RawDemand; everything else is shared."""

    code: str = ""
    description: str = ""

    @abstractmethod
    def detect_kind(self, head: bytes) -> str:
        """ACHIEVEMENTS or DEMANDS, judged from the first bytes of the file."""

    @abstractmethod
    def read(self, stream: BinaryIO, kind: str) -> Iterator[Parsed]:
        """Yield one normalised record or RejectedRow per row of the file."""

    def unreadable(self, reason: str) -> FeedUnreadable:
        message = f"{self.code} 导入文件无法读取: {reason}"
        return FeedUnreadable(message, {"file": [message]})


def strip_bom(head: bytes) -> bytes:
    return head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head


def first_line(head: bytes) -> bytes:
    return strip_bom(head).lstrip().split(b"\n", 1)[0].strip()


def text_stream(stream: BinaryIO, encoding: str, adapter: FeedAdapter) -> Iterator[str]:
    """Decode lazily; a byte sequence that is not ``encoding`` refuses the file."""
    wrapper = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        yield from _decoded_lines(wrapper, encoding, adapter)
    finally:
        try:
            wrapper.detach()  # the caller owns the binary stream
        except ValueError:
            pass  # already closed by its owner


def _decoded_lines(wrapper: io.TextIOWrapper, encoding: str, adapter: FeedAdapter) -> Iterator[str]:
    try:
        yield from wrapper
    except UnicodeDecodeError as exc:
        raise adapter.unreadable(f"文件编码不是 {encoding_name(encoding)} (有无法解码的字节: {exc.reason})") from None


def csv_rows(stream: BinaryIO, encoding: str, adapter: FeedAdapter, required: Iterable[str],
             documented: Iterable[str] = (), id_column: str | None = None) -> Iterator[CsvRow]:
    """A ``HeaderReport``, then (row number, {column: value}, problem, row id) per
    data row; row 1 is the first after the header. Structure problems (see
    ``market.adapters.feeds.csv_structure``) name the physical lines they cover."""
    lines = PhysicalLines(text_stream(stream, encoding, adapter))
    try:
        header = next(csv.reader(lines))
    except StopIteration:
        raise adapter.unreadable("文件为空") from None
    except csv.Error as exc:
        raise adapter.unreadable(f"不是有效的 CSV ({exc})") from None
    header = [h.lstrip("\ufeff").strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise adapter.unreadable(f"缺少列 {', '.join(missing)}; 表头为 {', '.join(header[:8])}")
    documented = list(documented)
    yield header_report(adapter.code, header, documented, required)
    lines.taken.clear()
    yield from data_rows(lines, header, id_column)


def jsonl_rows(stream: BinaryIO, adapter: FeedAdapter) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, object, problem) per non-blank line of a JSON Lines file."""
    number = 0
    for line in text_stream(stream, "utf-8-sig", adapter):
        number += 1
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"不是有效的 JSON ({exc.msg})"
            continue
        if not isinstance(obj, dict):
            yield number, None, "应为 JSON 对象"
            continue
        yield number, obj, None


def kind_from_keys(adapter: FeedAdapter, keys: Iterable[str], achievement_key: str, demand_key: str) -> str:
    keys = set(keys)
    if achievement_key in keys:
        return ACHIEVEMENTS
    if demand_key in keys:
        return DEMANDS
    raise adapter.unreadable(f"无法识别的导出类型: 既无 {achievement_key} 也无 {demand_key}")


def kind_from_jsonl_head(adapter: FeedAdapter, head: bytes, achievement_key: str, demand_key: str) -> str:
    try:
        obj = json.loads(first_line(head).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise adapter.unreadable("第一行不是 UTF-8 编码的 JSON 对象 (应为 JSON Lines)") from None
    if not isinstance(obj, dict):
        raise adapter.unreadable("第一行应为 JSON 对象 (JSON Lines)")
    return kind_from_keys(adapter, obj.keys(), achievement_key, demand_key)


def kind_from_csv_head(adapter: FeedAdapter, head: bytes, encoding: str,
                       achievement_key: str, demand_key: str) -> str:
    line = first_line(head)
    try:
        text = line.decode(encoding)
    except UnicodeDecodeError:
        hint = _encoding_hint(line, encoding, achievement_key, demand_key)
        raise adapter.unreadable(f"文件编码不是 {encoding_name(encoding)}{hint}") from None
    columns = [c.strip().strip('"') for c in text.split(",")]
    if achievement_key not in columns and demand_key not in columns:
        hint = _encoding_hint(line, encoding, achievement_key, demand_key)
        raise adapter.unreadable(f"表头既无 {achievement_key} 也无 {demand_key}{hint}")
    return ACHIEVEMENTS if achievement_key in columns else DEMANDS


def _encoding_hint(line: bytes, encoding: str, *keys: str) -> str:
    """Say so when the header would read fine in the other usual encoding."""
    for text, other in decodings(line, skip=encoding):
        if any(k in text for k in keys) or (not line.isascii() and _mostly_cjk(text)):
            return f" (文件似乎是 {encoding_name(other)} 编码, 应为 {encoding_name(encoding)})"
    return ""


def _mostly_cjk(text: str) -> bool:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk >= max(2, len(text.replace(",", "")) // 3)


def encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(encoding, encoding.upper())


def header_report(market_code: str, found: Iterable[str], documented: Iterable[str],
                  required: Iterable[str]) -> HeaderReport:
    """The header found against the documented one: unknown columns, and the
    documented optional columns that are absent (required ones refuse the file)."""
    found, documented, required = list(found), list(documented), set(required)
    return HeaderReport(market_code, tuple(found), tuple(c for c in found if c not in documented),
                        tuple(c for c in documented if c not in found and c not in required))


class KeyCensus:
    """The keys seen over all objects of a JSON feed, for its header report."""

    def __init__(self):
        self.keys: dict[str, None] = {}

    def see(self, obj: dict) -> dict:
        for key in obj:
            if key not in self.keys:
                self.keys[key] = None
        return obj

    def report(self, market_code: str, documented: Iterable[str], required: Iterable[str]) -> HeaderReport:
        return header_report(market_code, self.keys, documented, required)


def malformed(market_code: str, number: int, external_id: str | None, problem: str,
              field: str = "(row)") -> RejectedRow:
    error = RowError(market_code, number, external_id, field, problem)
    return RejectedRow(market_code, number, external_id, (error,))


def text_id(value) -> str | None:
    """A row's id for its error report, if it was sent as a string or integer."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip()[:64] or None


def spreadsheet_demand(number: int, row: dict, columns: dict) -> RawDemand:
    """A demand row of a spreadsheet export (JS, AH): budgets in 万元, dates possibly Excel serials."""
    c = columns
    return RawDemand(
        row=number, external_id=row[c["external_id"]], title=row[c["title"]],
        description=row.get(c["description"]), enterprise=row[c["enterprise"]],
        field_label=row[c["field_label"]], budget=row[c["budget"]], budget_unit="万元",
        deadline=row.get(c["deadline"]), cooperation_mode=row[c["cooperation_mode"]],
        place=row.get(c["place"]), excel_dates=True,
    )
