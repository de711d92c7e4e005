"""Price, budget, date, label and text normalisation of the market feeds."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from market.domain import normalise as nz
from market.domain.money import parse_amount_fen
from market.domain.places import Place
from market.domain.taxonomy import FIELDS


@pytest.mark.parametrize("raw, unit, fen", [
    ("1,200,000.00", "元", 120_000_000),
    ("85万元", "元", 85_000_000),
    ("85万", "元", 85_000_000),
    ("850000元", "元", 85_000_000),
    ("213", "万元", 213_000_000),
    ("1.5万", "元", 1_500_000),
    ("０．５万元", "元", 500_000),  # full-width digits
    ("¥12.34", "元", 1234),
])
def test_price_strings_in_every_unit_become_fen(raw, unit, fen):
    assert nz.parse_price(raw, unit) == nz.Price(fen, False)


@pytest.mark.parametrize("raw", ["面议", " 面议 ", "价格面议"])
def test_mianyi_price_is_negotiable_without_amount(raw):
    assert nz.parse_price(raw, "万元") == nz.Price(None, True)


def test_negotiable_flag_wins_over_a_missing_price():
    assert nz.parse_price(None, negotiable=True) == nz.Price(None, True)


def test_negative_price_is_refused():
    with pytest.raises(ValueError, match="负数"):
        nz.parse_price("-5", "万元")


@pytest.mark.parametrize("raw", ["", None, "about 5", "5美元", "0.001元"])
def test_unreadable_or_missing_price_is_refused(raw):
    with pytest.raises(ValueError):
        nz.parse_price(raw)


def test_zero_price_is_refused_rather_than_read_as_free():
    with pytest.raises(ValueError, match="零"):
        nz.parse_price("0", "万元")


@given(st.integers(min_value=1, max_value=10**9))
def test_whole_yuan_amounts_round_trip_exactly(yuan):
    assert parse_amount_fen(f"{yuan:,}.00") == yuan * 100


@pytest.mark.parametrize("raw, expected", [
    ("50-100万元", (50_000_000, 100_000_000)),
    ("50~100", (50_000_000, 100_000_000)),
    ("50～100万", (50_000_000, 100_000_000)),
    ("30万元", (30_000_000, 30_000_000)),
    ("面议", (None, None)),
    ("", (None, None)),
])
def test_budget_ranges_become_fen_bounds(raw, expected):
    assert nz.parse_budget(raw) == expected


@pytest.mark.parametrize("raw", ["100-50万元", "-5~10", "a-b"])
def test_bad_budget_range_is_refused(raw):
    with pytest.raises(ValueError):
        nz.parse_budget(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2024-03-05T10:00:00+08:00", date(2024, 3, 5)),
    ("2024-03-05T20:30:00Z", date(2024, 3, 6)),  # already the 6th in Shanghai
    ("2024-03-05", date(2024, 3, 5)),
    ("2024/3/5", date(2024, 3, 5)),
    ("2025/01/01", date(2025, 1, 1)),
    ("20240305", date(2024, 3, 5)),
    ("2024年3月5日", date(2024, 3, 5)),
    ("2024.3.5", date(2024, 3, 5)),
])
def test_every_date_format_of_the_feeds_is_read(raw, expected):
    assert nz.parse_date(raw) == expected


def test_month_13_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="月份 13"):
        nz.parse_date("2024/13/5")


@pytest.mark.parametrize("raw", ["20240230", "2023年2月29日", "yesterday", ""])
def test_impossible_or_unreadable_dates_are_refused(raw):
    with pytest.raises(ValueError):
        nz.parse_date(raw)


@pytest.mark.parametrize("market, label, field", [
    ("JS", "新一代信息技术", "电子信息"),
    ("JS", "高端装备制造", "先进制造"),
    ("AH", "电子信息技术", "电子信息"),
    ("AH", "生物与新医药", "生物医药和医疗器械"),
    ("ZJ", "01", "电子信息"),
    ("ZJ", "10", "农业"),
    ("SH", "新材料", "新材料"),
])
def test_market_field_labels_map_to_the_taxonomy(market, label, field):
    assert nz.map_field(market, label) == field


def test_every_market_mapping_lands_in_the_taxonomy():
    for market, mapping in nz.FIELD_LABELS.items():
        assert set(mapping.values()) <= set(FIELDS), market
        assert set(mapping.values()) == set(FIELDS), f"{market} does not cover every field"


def test_unknown_field_label_is_reported_not_guessed():
    with pytest.raises(nz.UnknownLabel, match="量子科技"):
        nz.map_field("JS", "量子科技")


def test_other_vocabularies_are_canonicalised():
    assert nz.map_maturity("中试阶段") == "中试"
    assert nz.map_ip_type("发明") == "发明专利"
    assert nz.map_transfer_modes("转让、普通许可") == ["转让", "普通许可"]
    assert nz.map_cooperation_mode("委托开发") == "委托开发"
    with pytest.raises(nz.UnknownLabel):
        nz.map_maturity("概念阶段")


def test_traditional_script_is_simplified_for_matching_only():
    traditional, simplified = "一種基於聲學檢測的管道洩漏定位方法", "一种基于声学检测的管道泄漏定位方法"
    assert nz.to_simplified(traditional) == simplified
    assert nz.match_key(traditional) == nz.match_key(simplified)


def test_fullwidth_characters_become_halfwidth():
    assert nz.halfwidth("ＧａＮ／ＡｌＧａＮ　１２３") == "GaN/AlGaN 123"
    assert nz.match_key("用于制造集成电路（ＩＣ）的方法") == nz.match_key("用于制造集成电路(IC)的方法")


def test_title_holder_key_ignores_spacing_punctuation_and_case():
    assert nz.title_holder_key("BOD：一种  检测算法", "某某大学") == nz.title_holder_key("bod:一种检测算法", "某某 大学")
    assert nz.title_holder_key("甲方法", "A大学") != nz.title_holder_key("甲方法", "B大学")


def test_application_numbers_lose_zl_and_get_an_uppercase_check_character():
    assert nz.normalise_patent("ZL201921297703.x") == "201921297703.X"
    assert nz.normalise_patent("２０１９２１２９７７０３．Ｘ") == "201921297703.X"
    assert nz.normalise_patent("") is None


def test_bad_check_character_is_refused():
    with pytest.raises(ValueError, match="校验位"):
        nz.normalise_patent("ZL201921297703.1")


@pytest.mark.parametrize("raw, province, city", [
    ("江苏省无锡市", "江苏", "无锡"),
    ("江苏省上海市", "上海", "上海"),  # a known city decides the province
    ("嘉兴市", "浙江", "嘉兴"),
    ("上海市", "上海", "上海"),
    ("苏州市", "江苏", "苏州"),
    ("", "安徽", None),
])
def test_places_give_canonical_province_and_city(raw, province, city):
    assert nz.parse_place(raw, default_province="安徽") == Place(province, city)


@pytest.mark.parametrize("name, kind", [
    ("东南大学", "university"),
    ("中国科学院上海微系统与信息技术研究所", "research_institute"),
    ("之江实验室", "research_institute"),
    ("上海蓝海智能装备有限公司", "enterprise"),
    ("合肥技术转移服务中心", "service_agency"),
])
def test_organisation_kind_is_inferred_from_the_name(name, kind):
    assert nz.organisation_kind(name) == kind


def test_keywords_split_on_chinese_semicolons_and_deduplicate():
    assert nz.split_keywords("炭化；聚酰亚胺；炭化") == ["炭化", "聚酰亚胺"]
    assert nz.split_keywords(["a", " ", "b"]) == ["a", "b"]
    assert nz.split_keywords("") == []


@pytest.mark.parametrize("raw, expected", [
    ("￥500,000", (50_000_000, 50_000_000)),          # a yuan sign means yuan in the 万元 budget column
    ("￥500,000-￥800,000", (50_000_000, 80_000_000)),
    ("50-80万", (50_000_000, 80_000_000)),
    ("500000-800000元", (50_000_000, 80_000_000)),
])
def test_budget_amounts_are_read_by_the_one_amount_reading(raw, expected):
    assert nz.parse_budget(raw, "万元") == expected


def test_a_budget_without_unit_where_the_market_always_writes_one_is_ambiguous():
    assert nz.parse_budget("50万", None) == (50_000_000, 50_000_000)
    with pytest.raises(ValueError, match="单位"):
        nz.parse_budget("50-80", None)
