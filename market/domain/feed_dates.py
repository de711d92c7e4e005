"""The date forms the markets' exports really use, read without guessing.

Accepted: ISO dates and date-times (read in their own offset, taken in
Asia/Shanghai), ``2024-03-05`` / ``2024/3/5`` / ``2024.3.5`` with an optional
``10:00[:00]`` time, ``20240305``, ``2024年3月5日[ 10:00]``, the same in Chinese
numerals (``二〇二四年三月五日``) and, where the file is a spreadsheet export
(CSV), an Excel serial day number. Anything else, or an impossible date, is
refused with a reason: a guessed day is worse than a reported row.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from market.domain.local_time import SHANGHAI
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)
EXCEL_SERIALS = range(20_000, 80_000)  # 1954-10-03 .. 2119-01-10: a day number, not a year or yyyymmdd

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$"),
    re.compile(rf"^(\d{{4}})年(\d{{1,2}})月(\d{{1,2}})日?{_TIME}$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_ISO_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*(?:Z|[+-]\d{2}:?\d{2})$")
_SERIAL_RE = re.compile(r"^(\d{5})(?:\.\d+)?$")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_DATE_RE = re.compile(r"^([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                         r"([一二三四五六七八九十]{1,3})日?$")


def _checked_date(year: int, month: int, day: int, raw: str) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"日期无效: 月份 {month} 不存在 ('{raw}')")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"日期无效: {year}年{month}月没有{day}日 ('{raw}')") from None


def _cn_number(text: str) -> int:
    """'五' 5, '十' 10, '十二' 12, '二十' 20, '三十一' 31 (months and days only)."""
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else -1
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return -1
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def parse_date(raw, *, excel_serial: bool = False) -> date:
    """One of the forms above -> a calendar date (ValueError otherwise)."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not text:
        raise ValueError("缺少日期")
    if _ISO_DATETIME_RE.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"日期时间无效 '{text}'") from None
        return moment.astimezone(SHANGHAI).date()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return _checked_date(*(int(g) for g in m.groups()), raw=text)
    m = _CN_DATE_RE.match(text)
    if m:
        year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
        return _checked_date(year, _cn_number(m[2]), _cn_number(m[3]), raw=text)
    m = _SERIAL_RE.match(text)
    if m and excel_serial and int(m[1]) in EXCEL_SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(m[1]))
    raise ValueError(f"无法识别的日期格式 '{text}'")
