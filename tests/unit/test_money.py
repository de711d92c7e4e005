from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from market.domain.money import MAX_AMOUNT_FEN, fen_to_yuan, format_fen, parse_amount_fen


@pytest.mark.parametrize("raw, unit, fen", [
    ("1,200,000.00", "元", 120_000_000), ("0.01", "元", 1), (12, "元", 1200), ("85", "万元", 85_000_000),
    ("0.5", "万元", 500_000), ("85万元", None, 85_000_000), ("850000元", None, 85_000_000),
    ("１２３", "元", 12300), ("85 万", None, 85_000_000),
])
def test_written_amounts_become_integer_fen(raw, unit, fen):
    assert parse_amount_fen(raw, unit) == fen
    assert isinstance(parse_amount_fen(raw, unit), int)


@pytest.mark.parametrize("raw", ["￥850,000", "¥850000", "RMB 850,000", "人民币850000", "850000元"])
def test_a_currency_sign_or_yuan_means_yuan_even_in_a_wan_column(raw):
    assert parse_amount_fen(raw, "万元") == 85_000_000


def test_a_currency_sign_with_wan_means_wan():
    assert parse_amount_fen("¥85万", "元") == 85_000_000


def test_a_bare_number_where_the_unit_is_always_written_is_ambiguous():
    with pytest.raises(ValueError, match="单位"):
        parse_amount_fen("85", None)


@pytest.mark.parametrize("raw", ["12.345", "0.0000001万元", Decimal("0.005")])
def test_a_fraction_of_a_fen_is_refused_rather_than_rounded(raw):
    with pytest.raises(ValueError, match="分"):
        parse_amount_fen(raw, "元")


def test_floats_are_refused_as_money():
    with pytest.raises(ValueError):
        parse_amount_fen(0.1)


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", "8,50", "1,2345", "-5", "1" * 30, None, True])
def test_garbage_is_not_money(raw):
    with pytest.raises(ValueError):
        parse_amount_fen(raw, "元")


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_FEN))
def test_every_fen_amount_written_in_yuan_reads_back_exactly(fen):
    assert parse_amount_fen(f"{fen // 100:,}.{fen % 100:02d}", "元") == fen


def test_fen_are_displayed_as_yuan_or_negotiable():
    assert fen_to_yuan(123456) == Decimal("1234.56")
    assert format_fen(120_000_000) == "¥1,200,000.00"
    assert format_fen(None) == "面议"
