from decimal import Decimal

import pytest

from market.domain.money import fen_to_yuan, format_fen, wan_to_fen, yuan_to_fen


@pytest.mark.parametrize("raw, fen", [
    ("1,200,000.00", 120_000_000), ("0.01", 1), ("12.345", 1235), (12, 1200), (Decimal("0.005"), 1),
])
def test_yuan_strings_become_integer_fen(raw, fen):
    assert yuan_to_fen(raw) == fen
    assert isinstance(yuan_to_fen(raw), int)


def test_wan_yuan_become_fen():
    assert wan_to_fen("85") == 85 * 10_000 * 100
    assert wan_to_fen("0.5") == 500_000


def test_floats_are_refused_as_money():
    with pytest.raises(TypeError):
        yuan_to_fen(0.1)


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity"])
def test_garbage_is_not_money(raw):
    with pytest.raises(ValueError):
        yuan_to_fen(raw)


def test_fen_are_displayed_as_yuan_or_negotiable():
    assert fen_to_yuan(123456) == Decimal("1234.56")
    assert format_fen(120_000_000) == "¥1,200,000.00"
    assert format_fen(None) == "面议"
