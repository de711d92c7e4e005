"""Validators for the national identifier formats the platform accepts.

Both codes carry a check character; validating it catches the typos that
otherwise split one organisation or one patent into two records.
"""
from __future__ import annotations

import re

# --- 统一社会信用代码, GB 32100-2015 ---------------------------------------
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Return the upper-cased code, or raise ValueError with a reason in Chinese."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise ValueError("统一社会信用代码应为18位")
    if not _CREDIT_RE.match(code):
        raise ValueError("统一社会信用代码含有不允许的字符")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValueError("统一社会信用代码校验位错误")
    return code


# --- CN patent application numbers ----------------------------------------
PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_TYPES = {"1": "发明专利", "2": "实用新型", "3": "外观设计", "8": "发明专利", "9": "实用新型"}
_PATENT_RE = re.compile(r"^(?:ZL|CN)?\s*(\d{12}|\d{8})\s*[.．]?\s*([0-9X])$")


def patent_check_char(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, PATENT_WEIGHTS))
    r = total % 11
    return "X" if r == 10 else str(r)


def normalise_patent_number(raw: str) -> str:
    """`ZL202310123456.7` / `CN202310123456.7` / `202310123456.7` / `202310123456.x` ->
    `202310123456.7` (CNIPA writes `ZL` on granted patents, `CN` on applications: one number).

    Raises ValueError (message in Chinese) on a malformed number or wrong check
    character. Accepts the 12-digit format (2003 on) and the 8-digit legacy one.
    """
    text = (raw or "").strip().upper().replace(" ", "")
    m = _PATENT_RE.match(text)
    if not m:
        raise ValueError("专利申请号格式错误 (应为 YYYYTNNNNNNN.C)")
    digits, check = m.groups()
    if len(digits) == 12:
        year = int(digits[:4])
        if not 1985 <= year <= 2100:
            raise ValueError("专利申请号年份无效")
        if digits[4] not in PATENT_TYPES:
            raise ValueError("专利申请号类型位无效")
    if patent_check_char(digits) != check:
        raise ValueError("专利申请号校验位错误")
    return f"{digits}.{check}"


def patent_kind(number: str) -> str | None:
    """The IP type implied by a normalised 12-digit number's type digit."""
    digits = number.split(".")[0]
    return PATENT_TYPES.get(digits[4]) if len(digits) == 12 else None
