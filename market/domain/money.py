"""Money is integer fen. Decimal only at the edges (parsing, display).

``parse_amount_fen`` is the one reading of a written amount for feeds, forms
and contract registers: one set of rules, so a value cannot mean 85 yuan in
one place and 85 万元 in another, nor be rounded here and refused there.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

FEN_PER_YUAN = 100
FEN_PER_WAN = 100 * 10_000
MAX_AMOUNT_FEN = 10**15   # ten trillion yuan: beyond any deal, inside BIGINT
YUAN, WAN = "元", "万元"
UNIT_FEN = {"元": FEN_PER_YUAN, "万元": FEN_PER_WAN, "万": FEN_PER_WAN}

_CURRENCY_RE = re.compile(r"^(?:¥|RMB|CNY|人民币)|(?:RMB|CNY)$", re.IGNORECASE)
# digits with either no thousands separators or well-formed groups of three
_AMOUNT_RE = re.compile(r"^(-?)(\d+|\d{1,3}(?:,\d{3})+)(\.\d+)?(万元|万|元)?$")


def parse_amount_fen(raw, default_unit: str | None = YUAN) -> int:
    """'1,200,000.00' / '85万元' / '85万' / '850000元' / '￥850,000' / '85' -> fen.

    The unit written with the number wins; a currency sign without 万 means
    yuan whatever the column's default. A bare number takes ``default_unit``;
    where the column's documented values always carry a unit (``default_unit``
    None) a bare number is ambiguous and refused. Exact: Decimal, never float;
    an amount with a fraction of a fen, a negative one or one beyond
    ``MAX_AMOUNT_FEN`` is refused (ValueError with a Chinese reason).
    """
    if isinstance(raw, float) or isinstance(raw, bool):
        raise ValueError(f"金额应为文本或整数, 不是 {type(raw).__name__} ({raw!r})")
    shown = str(raw).strip() if raw is not None else ""
    text = shown if shown.isascii() else unicodedata.normalize("NFKC", shown).replace("\u3000", "")
    text = text.replace(" ", "")
    text, signed = _CURRENCY_RE.sub("", text), bool(_CURRENCY_RE.search(text))
    m = _AMOUNT_RE.match(text)
    if not m or len(text) > 40:
        raise ValueError(f"无法识别的金额 '{shown}'")
    sign, whole, fraction, unit = m.groups()
    unit = unit or (YUAN if signed else default_unit)
    if unit is None:
        raise ValueError(f"金额缺少单位 '{shown}' (应写明 万元 或 元; ambiguous amount without unit)")
    if sign:
        raise ValueError(f"金额不能为负数 '{shown}'")
    digits = (fraction or ".")[1:]
    # exact integer arithmetic: (whole.digits * unit) fen, refused unless a whole number of fen
    fen, rest = divmod(int(whole.replace(",", "") + digits) * UNIT_FEN[unit], 10 ** len(digits))
    if rest:
        raise ValueError(f"金额精度超过分 '{shown}' (fraction of a fen)")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError(f"金额超过 10^15 分 '{shown}' (amount too large)")
    return fen


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int | None) -> str:
    """Human display: '¥1,200,000.00', or '面议' for no price."""
    if fen is None:
        return "面议"
    return f"¥{fen_to_yuan(fen):,}"

