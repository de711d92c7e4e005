"""One named test per way a feed value used to be stored wrong without a word."""
import io
from datetime import date

import pytest

from market.adapters.feeds import ADAPTERS, HEAD_BYTES
from market.domain.feeds import HeaderReport, ListingRecord, RejectedRow
from tests.unit.feeds import quirks as q


def read(market: str, data: bytes):
    adapter = ADAPTERS[market]
    kind = adapter.detect_kind(data[:HEAD_BYTES])
    parsed = list(adapter.read(io.BytesIO(data), kind))
    [header] = [p for p in parsed if isinstance(p, HeaderReport)]
    return header, [p for p in parsed if not isinstance(p, HeaderReport)]


def one_row(market: str, **changes):
    row, _ = q.base_row(market, 0)
    _, [parsed] = read(market, q.write(market, [row | changes]))
    return parsed


def errors(parsed) -> dict:
    assert isinstance(parsed, RejectedRow), parsed
    return {e.field: e.reason for e in parsed.errors}


def test_js_price_with_a_yuan_sign_in_the_wan_column_is_stored_as_yuan():
    assert one_row("JS", price="￥850,000").price_fen == 850_000 * 100


@pytest.mark.parametrize("value", ["false", "0", "否", False, 0])
def test_sh_price_negotiable_sent_as_no_keeps_the_price(value):
    record = one_row("SH", negotiable=value)
    assert (record.negotiable, record.price_fen) == (False, 120_000_000)


@pytest.mark.parametrize("value", ["true", "1", "是", True])
def test_sh_price_negotiable_sent_as_yes_makes_the_listing_negotiable(value):
    record = one_row("SH", negotiable=value)
    assert (record.negotiable, record.price_fen) == (True, None)


@pytest.mark.parametrize("value", ["no way", "2", {"v": False}, [False]])
def test_sh_price_negotiable_that_is_neither_yes_nor_no_is_a_row_error(value):
    assert "priceNegotiable" in errors(one_row("SH", negotiable=value))


@pytest.mark.parametrize("market, column", [("ZJ", "jg"), ("AH", "价格")])
def test_a_price_without_unit_where_the_market_always_writes_one_is_rejected_as_ambiguous(market, column):
    assert "单位" in errors(one_row(market, price="85"))[column]


@pytest.mark.parametrize("market, renamed", [
    ("JS", {"专利号": "专利编号"}), ("JS", {"成果简介": "简介"}), ("JS", {"所在地区": "地区"}),
    ("AH", {"成果简介": "简介"}), ("AH", {"地市": "所在城市"}),
])
def test_a_renamed_optional_column_is_reported_as_unknown_and_missing(market, renamed):
    row, _ = q.base_row(market, 0)
    data = q.write(market, [row])
    text = data.decode("utf-8-sig" if market == "JS" else "gb18030")
    head, _, body = text.partition("\r\n")
    for old, new in renamed.items():
        head = head.replace(old, new)
    data = (head + "\r\n" + body).encode("utf-8-sig" if market == "JS" else "gb18030")
    header, _ = read(market, data)
    assert set(header.unknown) == set(renamed.values())
    assert set(header.missing_optional) == set(renamed)
    warnings = {w.field: w.reason for w in header.warnings()}
    assert set(warnings) == set(renamed) | set(renamed.values()) and all(w.row == 0 for w in header.warnings())


def test_the_documented_header_gives_no_warning():
    for market in q.MARKETS:
        header, _ = read(market, q.write(market, [q.base_row(market, 0)[0]]))
        assert (header.unknown, header.missing_optional) == ((), ()), market


@pytest.mark.parametrize("market", ["SH", "ZJ"])
def test_a_listing_with_29_keywords_keeps_them_all(market):
    words = [f"词{n}" for n in range(29)]
    record = one_row(market, keywords="；".join(words) if market == "ZJ" else words)
    assert record.keywords == words and not record.warnings


@pytest.mark.parametrize("market", q.MARKETS)
def test_html_tags_and_entities_become_text_with_a_warning(market):
    record = one_row(market, title="一种&quot;智能&quot;装置", abstract="<p>第一段&nbsp;文字</p><p>第二段</p>")
    assert (record.title, record.abstract) == ('一种"智能"装置', "第一段 文字\n第二段")
    columns = q.COLUMNS[market]
    assert {w.field for w in record.warnings} == {columns["title"], columns["abstract"]}


@pytest.mark.parametrize("market", ["SH", "ZJ"])
def test_a_json_object_or_list_where_a_string_belongs_is_a_row_error_naming_the_field(market):
    parsed = one_row(market, title={"zh": "一种装置", "en": "a device"}, holder=["华东理工大学", "上海交通大学"])
    reasons = errors(parsed)
    columns = q.COLUMNS[market]
    assert "JSON 对象" in reasons[columns["title"]] and "JSON 列表" in reasons[columns["holder"]]
    assert parsed.external_id == f"{market}-P-0000"


def test_an_unclosed_quote_in_a_js_title_loses_none_of_the_valid_rows():
    rows = [q.base_row("JS", i)[0] for i in range(20)]
    rows[12] = rows[12] | {"abstract": "含\"引号\"的简介"}  # the quote that closes the stray one
    line = q.csv_line("JS", rows[5])
    rows[5] = {"!line": line.replace("一种测试装置第5号", '"一种测试装置第5号', 1)}
    _, parsed = read("JS", q.write("JS", rows))
    assert len(parsed) == 20 and [p.row for p in parsed] == list(range(1, 21))
    [broken] = [p for p in parsed if isinstance(p, RejectedRow)]
    assert broken.row == 6 and broken.external_id == "JS-P-0005"
    assert "第 7–14 行" in broken.errors[0].reason  # physical lines 7 (row 6) to 14 (row 13)
    assert [p.external_id for p in parsed if isinstance(p, ListingRecord)] == [
        f"JS-P-{i:04d}" for i in range(20) if i != 5]


@pytest.mark.parametrize("market, place, expected", [
    ("JS", "江苏省苏州市工业园区", ("江苏", "苏州", "工业园区")),
    ("JS", "苏州工业园区", ("江苏", "苏州", "工业园区")),
    ("JS", "江苏省昆山市", ("江苏", "苏州", "昆山市")),
    ("AH", "合肥市高新区", ("安徽", "合肥", "高新区")),
    ("SH", "上海市浦东新区", ("上海", "上海", "浦东新区")),
    ("ZJ", "宁波市江北区", ("浙江", "宁波", "江北区")),
])
def test_a_place_with_a_district_keeps_province_city_and_district_apart(market, place, expected):
    record = one_row(market, place=place)
    assert (record.province, record.city, record.district) == expected and not record.warnings


def test_a_district_shared_by_two_cities_is_not_guessed():
    record = one_row("JS", place="鼓楼区")  # 南京 and 徐州 both have one
    assert (record.city, record.district) == (None, "鼓楼区")
    assert [w.field for w in record.warnings] == ["所在地区"]


def test_ah_rejected_rows_carry_their_own_number():
    row, _ = q.base_row("AH", 6)
    _, [parsed] = read("AH", q.write("AH", [row | {"title": "", "patents": ""}]))
    assert parsed.external_id == "7" and errors(parsed)["成果名称"]


def test_an_ah_row_with_a_wrong_field_count_carries_its_own_number():
    row, _ = q.base_row("AH", 2)
    _, [parsed] = read("AH", q.write("AH", [{"!line": q.csv_line("AH", row) + ",多余"}]))
    assert parsed.external_id == "3" and "第 2 行" in errors(parsed)["(row)"]


@pytest.mark.parametrize("written", ["2024/03/05 10:00:00", "2024年3月5日 10:00", "二〇二四年三月五日", "45356",
                                     "2024-03-05", "2024.3.5"])
def test_the_date_forms_of_real_exports_are_read(written):
    assert one_row("JS", listed_on=written).listed_on == date(2024, 3, 5)


@pytest.mark.parametrize("written", ["05/03/2024", "2024/02/30", "二〇二四年十三月五日", "3月5日", "45356.5.1"])
def test_ambiguous_or_impossible_dates_are_still_refused(written):
    assert "挂牌日期" in errors(one_row("JS", listed_on=written))


def test_an_excel_serial_is_not_a_date_in_a_json_feed():
    assert "fbsj" in errors(one_row("ZJ", listed_on="45356"))


def test_markup_in_a_keyword_list_is_reduced_with_a_warning():
    record = one_row("SH", keywords=["<b>材料</b>", "装置&amp;方法"])
    assert record.keywords == ["材料", "装置&方法"] and [w.field for w in record.warnings] == ["keywords"]


@pytest.mark.parametrize("keywords", [[1, "装置"], [{"k": "材料"}], ["材料", None]])
def test_a_keyword_list_with_a_value_that_is_not_text_is_a_row_error(keywords):
    assert "keywords" in errors(one_row("SH", keywords=keywords))
