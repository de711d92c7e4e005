from datetime import date

import pytest

from market.domain.errors import ValidationFailed
from market.domain import stats
import stats_oracle as oracle


@pytest.mark.parametrize("text, bounds", [
    ("2025", (date(2025, 1, 1), date(2025, 12, 31))),
    ("2025Q1", (date(2025, 1, 1), date(2025, 3, 31))),
    ("2025-q4", (date(2025, 10, 1), date(2025, 12, 31))),
    ("2024-H1", (date(2024, 1, 1), date(2024, 6, 30))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2025-12", (date(2025, 12, 1), date(2025, 12, 31))),
    ("2025-03-15", (date(2025, 3, 15), date(2025, 3, 15))),
])
def test_period_texts_give_first_and_last_day(text, bounds):
    assert stats.period_bounds(text) == bounds


@pytest.mark.parametrize("text", ["", "25", "2025Q5", "2025-13", "2025-02-30", "last year", "2025/03"])
def test_unreadable_periods_are_refused(text):
    with pytest.raises(ValueError):
        stats.period_bounds(text)


def test_range_from_quarter_to_quarter_is_inclusive():
    span = stats.parse_range("2025Q1", "2025Q4", today=date(2026, 1, 5))
    assert (span.start, span.end) == (date(2025, 1, 1), date(2025, 12, 31))


def test_inverted_range_is_a_422_on_to():
    with pytest.raises(ValidationFailed) as err:
        stats.parse_range("2025Q3", "2025Q2", today=date(2026, 1, 1))
    assert err.value.status == 422 and "to" in err.value.errors


def test_missing_bounds_default_to_a_calendar_year():
    assert stats.parse_range(None, None, today=date(2025, 7, 1)) == stats.DateRange(date(2025, 1, 1), date(2025, 12, 31))
    assert stats.parse_range("2024Q2", None, today=date(2025, 7, 1)).end == date(2024, 12, 31)
    assert stats.parse_range(None, "2023-05", today=date(2025, 7, 1)).start == date(2023, 1, 1)


def test_bad_from_is_reported_on_from():
    with pytest.raises(ValidationFailed) as err:
        stats.parse_range("yesterday", "2025", today=date(2025, 7, 1))
    assert "from" in err.value.errors


def test_periods_between_covers_partial_periods():
    span = stats.DateRange(date(2024, 11, 15), date(2025, 2, 1))
    assert stats.periods_between("quarter", span) == ["2024Q4", "2025Q1"]
    assert stats.periods_between("month", span) == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert stats.periods_between("year", span) == ["2024", "2025"]


@pytest.mark.parametrize("granularity, key, previous, year_earlier", [
    ("quarter", "2025Q1", "2024Q4", "2024Q1"),
    ("quarter", "2025Q3", "2025Q2", "2024Q3"),
    ("month", "2025-01", "2024-12", "2024-01"),
    ("year", "2025", "2024", "2024"),
])
def test_previous_and_year_earlier_periods(granularity, key, previous, year_earlier):
    assert stats.previous_key(granularity, key) == previous
    assert stats.year_earlier_key(granularity, key) == year_earlier


def test_change_is_none_without_earlier_data():
    assert stats.change_ratio(100, 0) is None
    assert stats.change_ratio(100, None) is None
    assert stats.change_ratio(150, 100) == 0.5
    assert stats.change_ratio(0, 100) == -1.0
    assert stats.changes(stats.Totals(1, 10, 5), stats.Totals()) is None


@pytest.mark.parametrize("text", ["colour", "province,province", "quarter,month", "province,type,field", ","])
def test_bad_group_by_is_a_422(text):
    with pytest.raises(ValidationFailed) as err:
        stats.parse_group_by(text)
    assert "group_by" in err.value.errors


def test_group_by_accepts_a_time_and_another_dimension():
    assert stats.parse_group_by("quarter, province") == ("quarter", "province")
    assert stats.parse_group_by(None) == ("province",)


def test_side_must_be_outflow_or_inflow():
    assert stats.parse_side(None) == "outflow"
    with pytest.raises(ValidationFailed):
        stats.parse_side("sideways")


def test_province_rows_always_show_the_four_delta_provinces_first():
    values = stats.dimension_values("province", {"广东", "境外", "江苏"}, stats.DateRange(date(2025, 1, 1), date(2025, 1, 1)))
    assert values == ["上海", "江苏", "浙江", "安徽", "广东", "境外"]


def _fact(day, seller="上海", buyer="江苏", amount=100, status="registered"):
    return oracle.ContractFact(seller, buyer, day, "技术开发", "农业", "SH", status, amount, amount // 2)


def _result(facts, groups, span, side="outflow"):
    earlier_span = stats.comparison_range(span, groups)
    return stats.contracts_result(
        oracle.aggregate(oracle.select(facts, span, True), groups, side),
        oracle.aggregate(oracle.select(facts, earlier_span, True), groups, side),
        groups=groups, side=side, span=span, registered_only=True)


def test_quarterly_rows_carry_year_on_year_and_quarter_on_quarter_changes():
    facts = [_fact(date(2024, 2, 1), amount=100), _fact(date(2024, 11, 1), amount=200),
             _fact(date(2025, 2, 1), amount=300), _fact(date(2025, 5, 1), amount=150)]
    span = stats.parse_range("2025Q1", "2025Q2", today=date(2026, 1, 1))
    rows = {r["quarter"]: r for r in _result(facts, ("quarter",), span)["rows"]}
    assert rows["2025Q1"]["yoy"]["contract_amount_fen"] == 2.0      # 300 vs 100
    assert rows["2025Q1"]["qoq"]["contract_amount_fen"] == 0.5      # 300 vs 200 (2024Q4)
    assert rows["2025Q2"]["yoy"] is None                            # 2024Q2 has no data
    assert rows["2025Q2"]["qoq"]["contract_amount_fen"] == -0.5


def test_rows_without_time_compare_with_the_same_range_a_year_earlier():
    facts = [_fact(date(2024, 3, 1), amount=100), _fact(date(2025, 3, 1), amount=110)]
    span = stats.parse_range("2025", "2025", today=date(2026, 1, 1))
    rows = {r["province"]: r for r in _result(facts, ("province",), span)["rows"]}
    assert rows["上海"]["yoy"]["contract_amount_fen"] == 0.1
    assert rows["江苏"]["yoy"] is None and rows["江苏"]["count"] == 0


def test_a_partial_first_period_counts_only_days_inside_the_range():
    facts = [_fact(date(2025, 1, 10), amount=100), _fact(date(2025, 2, 20), amount=40)]
    span = stats.parse_range("2025-02-15", "2025-03-31", today=date(2026, 1, 1))
    result = _result(facts, ("quarter",), span)
    assert [r["contract_amount_fen"] for r in result["rows"]] == [40]
    assert result["total"]["contract_amount_fen"] == 40


def test_quarter_by_province_table_has_no_holes():
    span = stats.parse_range("2025Q1", "2025Q4", today=date(2026, 1, 1))
    result = _result([_fact(date(2025, 8, 8), seller="广东")], ("quarter", "province"), span)
    assert len(result["rows"]) == 4 * 5      # four quarters × (four delta provinces + 广东)
    assert result["total"]["count"] == 1
