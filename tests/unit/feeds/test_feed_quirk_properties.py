"""Property: valid rows of each market with one quirk from a generated family
end either with exactly the values the market meant (warned where the
importer changed something on purpose) or as a row error naming the column,
never with another value; and every row of the file is accounted for.

Families covered: prices (currency signs, 元/万元, bare numbers, sub-fen,
negative, full-width, bad thousands separators), yes/no flags, JSON values of
the wrong type, markup and entities, white space in one-line texts, keyword
lists around the cap, control characters, date forms (ISO, with times, 年月日, Chinese numerals,
yyyymmdd, Excel serials, impossible dates), places (province / city /
district / development zone in every writing), patent numbers (ZL prefix,
full-width, spaces, wrong check character, short), and CSV structure (an
unclosed quote swallowing the following lines, a row with an extra field).
"""
import io

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from market.adapters.feeds import ADAPTERS, HEAD_BYTES
from market.domain.feeds import DemandRecord, HeaderReport, ListingRecord, RejectedRow
from tests.unit.feeds import quirks as q

ROWS = 6
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(market: str, data: bytes) -> list:
    adapter = ADAPTERS[market]
    kind = adapter.detect_kind(data[:HEAD_BYTES])
    return [r for r in adapter.read(io.BytesIO(data), kind) if not isinstance(r, HeaderReport)]


def assert_row_is(parsed, expect: q.Expect, market: str) -> None:
    if expect.reject:
        assert isinstance(parsed, RejectedRow), f"stored although it must be refused: {parsed}"
        assert expect.reject in {e.field for e in parsed.errors}, parsed.errors
        return
    assert isinstance(parsed, ListingRecord), f"refused although readable: {parsed}"
    stored = {name: getattr(parsed, name) for name in expect.values}
    assert stored == expect.values
    assert {w.field for w in parsed.warnings} == expect.warned


def check_file(market: str, rows: list[dict], expects: list[q.Expect]) -> list:
    parsed = read(market, q.write(market, rows))
    assert len(parsed) == len(rows)  # every row read ends as a record or a row error
    assert [p.row for p in parsed] == list(range(1, len(rows) + 1))
    for row, expect in zip(parsed, expects):
        assert_row_is(row, expect, market)
    return parsed


def valid_rows(market: str) -> tuple[list[dict], list[q.Expect]]:
    rows, expects = zip(*(q.base_row(market, i) for i in range(ROWS)))
    return list(rows), list(expects)


def _family_cases():
    return [(market, name) for name in q.FAMILIES for market in q.APPLIES.get(name, q.MARKETS)]


@pytest.mark.parametrize("market, family", _family_cases())
@PROPERTY
@given(data=st.data())
def test_one_quirk_ends_as_the_markets_meaning_or_a_named_row_error(market, family, data):
    rows, expects = valid_rows(market)
    target = data.draw(st.integers(min_value=0, max_value=ROWS - 1))
    rows[target], expects[target] = q.FAMILIES[family](market, rows[target], expects[target], data.draw)
    check_file(market, rows, expects)


@pytest.mark.parametrize("market", q.CSV_MARKETS)
@PROPERTY
@given(data=st.data())
def test_an_unclosed_quote_loses_no_valid_row(market, data):
    rows, expects = valid_rows(market)
    target = data.draw(st.integers(min_value=0, max_value=ROWS - 2))
    # a later quoted field closes the stray quote: the records in between are swallowed
    closer = data.draw(st.integers(min_value=target + 1, max_value=ROWS - 1))
    rows[closer] = rows[closer] | {"abstract": "含有\"引号\"的简介"}
    expects[closer] = q.Expect(expects[closer].values | {"abstract": "含有\"引号\"的简介"})
    line = q.csv_line(market, rows[target])
    title = rows[target]["title"]
    rows[target] = {"!line": line.replace(title, '"' + title, 1)}
    expects[target] = q.Expect(reject="(row)")
    parsed = check_file(market, rows, expects)
    assert "引号未闭合" in parsed[target].errors[0].reason


@pytest.mark.parametrize("market", q.CSV_MARKETS)
@PROPERTY
@given(data=st.data())
def test_a_row_with_a_field_too_many_is_refused_naming_its_line(market, data):
    rows, expects = valid_rows(market)
    target = data.draw(st.integers(min_value=0, max_value=ROWS - 1))
    rows[target] = {"!line": q.csv_line(market, rows[target]) + ",多余"}
    expects[target] = q.Expect(reject="(row)")
    parsed = check_file(market, rows, expects)
    assert f"第 {target + 2} 行" in parsed[target].errors[0].reason  # physical line (line 1 is the header)


def _demand_cases():
    return [(market, name) for name in q.DEMAND_FAMILIES for market in q.DEMAND_APPLIES.get(name, q.MARKETS)]


@pytest.mark.parametrize("market, family", _demand_cases())
@PROPERTY
@given(data=st.data())
def test_one_quirk_in_a_demand_ends_as_the_markets_meaning_or_a_named_row_error(market, family, data):
    rows, expects = map(list, zip(*(q.base_demand(market, i) for i in range(ROWS))))
    target = data.draw(st.integers(min_value=0, max_value=ROWS - 1))
    rows[target], expects[target] = q.DEMAND_FAMILIES[family](market, rows[target], expects[target], data.draw)
    parsed = read(market, q.write_demands(market, rows))
    assert len(parsed) == ROWS and [p.row for p in parsed] == list(range(1, ROWS + 1))
    for row, expect in zip(parsed, expects):
        if expect.reject:
            assert isinstance(row, RejectedRow) and expect.reject in {e.field for e in row.errors}, row
            continue
        assert isinstance(row, DemandRecord), row
        assert {name: getattr(row, name) for name in expect.values} == expect.values
        assert {w.field for w in row.warnings} == expect.warned
