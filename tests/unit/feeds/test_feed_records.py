"""The shared row checks (build_listing / build_demand) and the run's bookkeeping."""
import pytest

from market.domain.achievements import MAX_KEYWORDS
from market.domain.feeds import (
    ImportRun, ListingRecord, RawDemand, RawListing, RejectedRow, build_demand, build_listing, synthetic_key,
)

COLUMNS = {"title": "标题", "price": "价格"}


def raw(**overrides) -> RawListing:
    values = dict(row=1, external_id="X-1", title="一种测试装置", abstract="简介", patents=["202310000001.5"],
                  ip_type="发明专利", holder="东海理工大学", field_label="新材料", maturity="小试阶段",
                  transfer_mode="转让", price="10万", listed_on="2024-01-02", place="上海市")
    values.update(overrides)
    return RawListing(**values)


def test_a_clean_row_becomes_a_listing_record():
    record = build_listing("SH", raw(), COLUMNS)
    assert isinstance(record, ListingRecord)
    assert (record.price_fen, record.maturity, record.province) == (10_000_000, "小试", "上海")


def test_every_problem_of_a_row_is_reported_under_the_markets_column_names():
    rejected = build_listing("SH", raw(title="", price="-1万"), COLUMNS)
    assert isinstance(rejected, RejectedRow)
    assert {e.field for e in rejected.errors} == {"标题", "价格"}
    assert all((e.market_code, e.row, e.external_id) == ("SH", 1, "X-1") for e in rejected.errors)


def test_over_long_title_is_rejected_rather_than_truncated():
    rejected = build_listing("SH", raw(title="长" * 201), COLUMNS)
    assert "200" in rejected.errors[0].reason


def test_a_listing_with_29_keywords_keeps_all_of_them():
    record = build_listing("SH", raw(keywords=[f"词{i}" for i in range(29)]), COLUMNS)
    assert record.keywords == [f"词{i}" for i in range(29)] and record.warnings == ()


def test_keywords_beyond_the_cap_are_kept_up_to_it_with_a_warning():
    record = build_listing("SH", raw(keywords=[f"词{i}" for i in range(MAX_KEYWORDS + 5)]),
                           {"keywords": "keywords"})
    assert record.keywords == [f"词{i}" for i in range(MAX_KEYWORDS)]
    [warning] = record.warnings
    assert (warning.field, warning.external_id) == ("keywords", "X-1")
    assert f"共 {MAX_KEYWORDS + 5} 个" in warning.reason


def test_missing_market_id_is_rejected_unless_the_market_keys_rows_itself():
    assert isinstance(build_listing("SH", raw(external_id=""), COLUMNS), RejectedRow)
    derived = build_listing("AH", raw(external_id=None), COLUMNS, derive_key=True)
    assert derived.external_id == "P202310000001.5"


def test_synthetic_key_ignores_script_and_spacing_but_not_the_holder():
    a = synthetic_key([], "一種測試裝置", "东海理工大学")
    assert a == synthetic_key([], "一种 测试装置", "东海理工大学")
    assert a != synthetic_key([], "一种测试装置", "西湖大学")
    assert synthetic_key([], "", "东海理工大学") is None


def test_demand_without_budget_or_deadline_is_accepted():
    record = build_demand("JS", RawDemand(row=1, external_id="D-1", title="需求", enterprise="某公司",
                                          field_label="新材料", budget="", deadline="", cooperation_mode="技术服务"),
                          {})
    assert (record.budget_min_fen, record.budget_max_fen, record.deadline) == (None, None, None)


def test_import_run_counts_reconcile_with_rows_read():
    run = ImportRun("SH", "achievements", "f.jsonl", "0" * 64, 10, None, now=None)
    for outcome in ("created", "created", "updated", "unchanged", "withdrawn", "rejected"):
        run.count(outcome)
    assert run.counts == {"rows_read": 6, "created": 2, "updated": 1, "unchanged": 1, "withdrawn": 1, "rejected": 1}
    assert run.reconciles
    with pytest.raises(ValueError):
        run.count("skipped")


def test_values_longer_than_the_database_columns_are_rejected_not_crashed_on():
    rejected = build_listing("SH", raw(external_id="X" * 65, holder="长" * 201), COLUMNS)
    assert {e.field for e in rejected.errors} == {"external_id", "holder"}
