"""Money is integer fen. Decimal only at the edges (parsing, display)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
FEN_PER_WAN = 100 * 10_000
MAX_AMOUNT_FEN = 10**15   # ten trillion yuan: beyond any deal, inside BIGINT


def yuan_to_fen(value: str | int | Decimal) -> int:
    """'1200000.00' / Decimal('12.345') / 12 -> fen, rounded half up. No floats."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f"不是有效金额: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"不是有效金额: {value!r}")
    return int((amount * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def wan_to_fen(value: str | int | Decimal) -> int:
    return yuan_to_fen(Decimal(str(value).replace(",", "").strip()) * 10_000)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int | None) -> str:
    """Human display: '¥1,200,000.00', or '面议' for no price."""
    if fen is None:
        return "面议"
    return f"¥{fen_to_yuan(fen):,}"
