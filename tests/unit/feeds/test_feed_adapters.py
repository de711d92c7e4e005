"""The four market adapters read the project's fixtures (one row per quirk)."""
import io
import json

import pytest

from market.adapters.feeds import ADAPTERS, HEAD_BYTES, adapter_for
from market.adapters.feeds.base import FeedAdapter
from market.domain.errors import NotFound
from market.domain.feeds import (
    ACHIEVEMENTS, DEMANDS, DemandRecord, FeedUnreadable, HeaderReport, ListingRecord, RejectedRow,
)


def read(path, code=None, data: bytes | None = None):
    adapter = ADAPTERS[code or path.name[:2].upper()]
    data = path.read_bytes() if data is None else data
    kind = adapter.detect_kind(data[:HEAD_BYTES])
    return kind, [r for r in adapter.read(io.BytesIO(data), kind) if not isinstance(r, HeaderReport)]


def by_id(rows):
    return {r.external_id: r for r in rows}


def errors_of(rows):
    return {(e.external_id, e.field): e.reason for r in rows if isinstance(r, RejectedRow) for e in r.errors}


def test_registry_has_one_adapter_per_market_and_refuses_unknown_codes():
    assert set(ADAPTERS) == {"SH", "JS", "ZJ", "AH"}
    assert all(isinstance(a, FeedAdapter) for a in ADAPTERS.values())
    assert adapter_for("js").code == "JS"
    with pytest.raises(NotFound):
        adapter_for("XX")


def test_sh_jsonl_rows_are_normalised(feed_fixture):
    kind, rows = read(feed_fixture("sh_achievements.jsonl"))
    assert kind == ACHIEVEMENTS
    first = by_id(rows)["SH-T-001"]
    assert isinstance(first, ListingRecord)
    assert first.application_numbers == ["202310000001.5"]  # ZL stripped
    assert (first.price_fen, first.negotiable) == (120_000_000, False)
    assert first.listed_on.isoformat() == "2024-03-05"
    assert (first.field, first.maturity, first.transfer_modes) == ("新能源与高效节能", "中试", ["转让"])


def test_sh_empty_title_is_rejected_with_its_field(feed_fixture):
    _, rows = read(feed_fixture("sh_achievements.jsonl"))
    assert errors_of(rows)[("SH-T-003", "title")] == "成果名称为空"


def test_sh_bad_check_character_is_rejected(feed_fixture):
    _, rows = read(feed_fixture("sh_achievements.jsonl"))
    assert "校验位" in errors_of(rows)[("SH-T-004", "patentNo")]


def test_sh_mianyi_row_is_negotiable(feed_fixture):
    _, rows = read(feed_fixture("sh_achievements.jsonl"))
    row = by_id(rows)["SH-T-002"]
    assert (row.price_fen, row.negotiable) == (None, True)


def test_sh_traditional_script_title_is_kept_as_sent(feed_fixture):
    _, rows = read(feed_fixture("sh_achievements.jsonl"))
    assert by_id(rows)["SH-T-005"].title == "一種基於聲學檢測的管道洩漏定位方法"


def test_sh_withdrawn_status_marks_the_row_withdrawn(feed_fixture):
    _, rows = read(feed_fixture("sh_achievements_v2.jsonl"))
    assert [r.withdrawn for r in rows if getattr(r, "external_id", None) == "SH-T-007"] == [True]


def test_sh_demands_read_budget_ranges_and_refuse_inverted_ones(feed_fixture):
    kind, rows = read(feed_fixture("sh_demands.jsonl"))
    assert kind == DEMANDS
    demand = by_id(rows)["SH-D-T01"]
    assert isinstance(demand, DemandRecord)
    assert (demand.budget_min_fen, demand.budget_max_fen) == (50_000_000, 100_000_000)
    assert demand.field == "现代交通"
    assert "下限高于上限" in errors_of(rows)[("SH-D-T02", "budget")]


def test_js_csv_with_bom_reads_its_first_column(feed_fixture):
    path = feed_fixture("js_achievements.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    kind, rows = read(path)
    assert kind == ACHIEVEMENTS
    assert "JS-T-001" in by_id(rows)


def test_js_prices_are_in_wan_yuan(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert by_id(rows)["JS-T-001"].price_fen == 118 * 10_000 * 100
    assert by_id(rows)["JS-T-002"].negotiable is True


def test_js_month_13_is_rejected(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert "月份 13" in errors_of(rows)[("JS-T-003", "挂牌日期")]


def test_js_negative_price_is_rejected(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert "负数" in errors_of(rows)[("JS-T-004", "挂牌价(万元)")]


def test_js_unknown_field_label_is_reported(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert "量子科技" in errors_of(rows)[("JS-T-005", "技术领域")]


def test_js_multiline_abstract_stays_one_row(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert "\n" in by_id(rows)["JS-T-002"].abstract
    assert [r.row for r in rows] == [1, 2, 3, 4, 5]


def test_js_region_gives_province_and_city(feed_fixture):
    _, rows = read(feed_fixture("js_achievements.csv"))
    assert (by_id(rows)["JS-T-001"].province, by_id(rows)["JS-T-001"].city) == ("江苏", "苏州")


def test_js_demands_budget_in_wan_yuan_and_optional_deadline(feed_fixture):
    kind, rows = read(feed_fixture("js_demands.csv"))
    assert kind == DEMANDS
    assert by_id(rows)["JS-D-T01"].budget_max_fen == 100 * 10_000 * 100
    assert by_id(rows)["JS-D-T02"].deadline is None
    assert by_id(rows)["JS-D-T01"].field == "先进制造"


def test_zj_document_is_streamed_row_by_row(feed_fixture):
    kind, rows = read(feed_fixture("zj_achievements.json"))
    assert kind == ACHIEVEMENTS
    row = by_id(rows)["ZJ-T-001"]
    assert (row.price_fen, row.field, row.keywords) == (8_000_000, "城市建设与社会发展", ["管道", "泄漏"])
    assert row.listed_on.isoformat() == "2024-06-12"


def test_zj_zt_zero_is_a_withdrawn_row(feed_fixture):
    _, rows = read(feed_fixture("zj_achievements.json"))
    assert by_id(rows)["ZJ-T-003"].withdrawn is True
    assert by_id(rows)["ZJ-T-001"].withdrawn is False


def test_zj_impossible_date_is_rejected(feed_fixture):
    _, rows = read(feed_fixture("zj_achievements.json"))
    assert "没有30日" in errors_of(rows)[("ZJ-T-004", "fbsj")]


def test_zj_demands_are_json_lines_with_field_codes(feed_fixture):
    kind, rows = read(feed_fixture("zj_demands.jsonl"))
    assert kind == DEMANDS
    assert rows[0].field == "环境保护与资源综合利用"


def test_zj_truncated_document_is_unreadable(feed_fixture):
    data = feed_fixture("zj_achievements.json").read_bytes()
    with pytest.raises(FeedUnreadable):
        read(None, "ZJ", data[: len(data) // 2])


def test_zj_document_with_bom_on_one_line_is_read(feed_fixture):
    doc = json.loads(feed_fixture("zj_achievements.json").read_text(encoding="utf-8"))
    data = b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode()
    kind, rows = read(None, "ZJ", data)
    assert kind == ACHIEVEMENTS and len(rows) == len(doc["rows"])


def test_ah_gb18030_file_is_decoded_including_characters_outside_gbk(feed_fixture):
    path = feed_fixture("ah_achievements.csv")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    _, rows = read(path)
    assert rows[1].holder_name == "淮河䶮山矿业研究院"


def test_ah_rows_are_keyed_by_patent_number_else_title_and_holder(feed_fixture):
    _, rows = read(feed_fixture("ah_achievements.csv"))
    assert rows[0].external_id == "P202110000003.5"
    assert rows[2].external_id.startswith("T")
    renumbered = feed_fixture("ah_achievements.csv").read_bytes().replace(b"\r\n3,", b"\r\n99,")
    _, again = read(None, "AH", renumbered)
    assert again[2].external_id == rows[2].external_id  # 序号 is only a row number


def test_ah_prices_in_wan_and_yuan(feed_fixture):
    _, rows = read(feed_fixture("ah_achievements.csv"))
    assert rows[0].price_fen == rows[1].price_fen == 85_000_000
    assert rows[2].negotiable is True
    assert rows[0].listed_on.isoformat() == "2024-03-05"


def test_ah_demands_are_read_in_gb18030(feed_fixture):
    kind, rows = read(feed_fixture("ah_demands.csv"))
    assert kind == DEMANDS and rows[0].enterprise_name == "宿州丰禾农业科技有限公司"


def test_gb18030_file_given_to_js_is_unreadable(feed_fixture):
    with pytest.raises(FeedUnreadable, match="GB18030"):
        read(None, "JS", feed_fixture("ah_achievements.csv").read_bytes())


def test_utf8_file_given_to_ah_is_unreadable(feed_fixture):
    with pytest.raises(FeedUnreadable):
        read(None, "AH", feed_fixture("js_achievements.csv").read_bytes())
    no_bom = feed_fixture("js_demands.csv").read_bytes()[3:]
    with pytest.raises(FeedUnreadable, match="UTF-8"):
        read(None, "AH", no_bom)


def test_csv_given_to_sh_is_unreadable(feed_fixture):
    with pytest.raises(FeedUnreadable):
        read(None, "SH", feed_fixture("js_achievements.csv").read_bytes())


def test_csv_with_missing_columns_is_unreadable():
    data = "项目编号,成果名称\r\nX-1,标题\r\n".encode("utf-8-sig")
    with pytest.raises(FeedUnreadable, match="缺少列"):
        read(None, "JS", data)


def test_bad_json_line_is_one_rejected_row_not_a_failed_file(feed_fixture):
    data = feed_fixture("sh_demands.jsonl").read_bytes() + b"{not json\n"
    _, rows = read(None, "SH", data)
    assert isinstance(rows[-1], RejectedRow) and rows[-1].row == 3


def test_csv_row_with_wrong_column_count_is_rejected(feed_fixture):
    data = feed_fixture("js_demands.csv").read_bytes() + "JS-D-T03,只有两列\r\n".encode()
    _, rows = read(None, "JS", data)
    assert isinstance(rows[-1], RejectedRow) and "列数" in rows[-1].errors[0].reason


def test_invalid_utf8_in_the_middle_refuses_the_file(feed_fixture):
    data = feed_fixture("sh_demands.jsonl").read_bytes() + b'{"demandNo": "\xff\xfe"}\n'
    with pytest.raises(FeedUnreadable, match="UTF-8"):
        read(None, "SH", data)
