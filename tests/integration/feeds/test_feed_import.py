"""Importing the project's fixture feeds into a real database (SQLite and PostgreSQL)."""
import io

import pytest
from sqlalchemy import func, select

from market.adapters import orm
from market.adapters.orm_imports import import_row_errors, import_runs
from market.domain.achievements import Achievement, AchievementListing
from market.domain.errors import Forbidden
from market.domain.feeds import FeedUnreadable
from market.services.imports import get_run, import_feed, list_runs


def listing(uow, market, external_id) -> AchievementListing:
    return uow.achievements.listing_by_external_id(market, external_id)


def achievement_of(uow, market, external_id) -> Achievement:
    return uow.achievements.get(listing(uow, market, external_id).achievement_id)


def count(uow, table) -> int:
    return uow.session.scalar(select(func.count()).select_from(table))


def test_first_import_publishes_achievements_with_their_market_listing(run_import, uow_factory):
    report = run_import("SH", "sh_achievements.jsonl")
    assert report["counts"] == {"rows_read": 7, "created": 5, "updated": 0, "unchanged": 0, "withdrawn": 0,
                                "rejected": 2}
    with uow_factory() as uow:
        a = achievement_of(uow, "SH", "SH-T-001")
        assert (a.status, a.market_code, a.price_fen, a.application_numbers) == ("published", "SH", 120_000_000,
                                                                            ["202310000001.5"])
        assert a.holder.name == "东海理工大学" and a.holder.kind == "university"
        assert [(li.market_code, li.external_id, li.status) for li in a.listings] == [("SH", "SH-T-001", "listed")]
        assert a.published_at is not None


def test_empty_title_row_is_reported_and_skipped(run_import, uow_factory):
    report = run_import("SH", "sh_achievements.jsonl")
    assert {"row": 3, "external_id": "SH-T-003", "field": "title", "reason": "成果名称为空"} in report["errors"]
    with uow_factory() as uow:
        assert listing(uow, "SH", "SH-T-003") is None


def test_bad_check_character_row_is_reported_and_skipped(run_import, uow_factory):
    report = run_import("SH", "sh_achievements.jsonl")
    error = next(e for e in report["errors"] if e["external_id"] == "SH-T-004")
    assert (error["field"], "校验位" in error["reason"]) == ("patentNo", True)
    with uow_factory() as uow:
        assert listing(uow, "SH", "SH-T-004") is None


def test_month_13_and_negative_price_rows_are_reported_with_their_columns(run_import):
    report = run_import("JS", "js_achievements.csv")
    fields = {e["external_id"]: e["field"] for e in report["errors"]}
    assert fields == {"JS-T-003": "挂牌日期", "JS-T-004": "挂牌价(万元)", "JS-T-005": "技术领域"}
    assert report["counts"]["rejected"] == 3


def test_mianyi_listing_is_negotiable_without_price(run_import, uow_factory):
    run_import("JS", "js_achievements.csv")
    with uow_factory() as uow:
        li = listing(uow, "JS", "JS-T-002")
        assert (li.price_fen, li.negotiable) == (None, True)
        assert achievement_of(uow, "JS", "JS-T-002").negotiable is True


def test_bom_csv_feed_keys_rows_on_its_first_column(run_import, uow_factory):
    run_import("JS", "js_achievements.csv")
    with uow_factory() as uow:
        assert listing(uow, "JS", "JS-T-001") is not None


def test_gb18030_feed_keeps_names_outside_gbk_intact(run_import, uow_factory):
    report = run_import("AH", "ah_achievements.csv")
    assert report["counts"]["created"] == 3
    with uow_factory() as uow:
        names = set(uow.session.scalars(select(orm.organisations.c.name)))
        assert "淮河䶮山矿业研究院" in names


def test_duplicate_across_markets_is_one_achievement_with_a_listing_per_market(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    report = run_import("JS", "js_achievements.csv")
    assert report["counts"]["created"] == 2  # two new listings, one of them on an existing achievement
    with uow_factory() as uow:
        a = achievement_of(uow, "SH", "SH-T-001")
        assert achievement_of(uow, "JS", "JS-T-001").id == a.id
        assert {(li.market_code, li.external_id, li.price_fen, li.listed_on.isoformat()) for li in a.listings} == {
            ("SH", "SH-T-001", 120_000_000, "2024-03-05"), ("JS", "JS-T-001", 118_000_000, "2024-03-08")}
        assert a.market_code == "SH" and a.price_fen == 120_000_000  # the home market's row describes it
        total = uow.session.scalar(select(func.count()).select_from(orm.achievements))
        assert total == 4 + 2 - 1 + 1  # SH 5 + JS 2, one shared


def test_traditional_script_duplicate_merges_with_the_simplified_listing(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    run_import("ZJ", "zj_achievements.json")
    with uow_factory() as uow:
        a = achievement_of(uow, "SH", "SH-T-005")
        assert achievement_of(uow, "ZJ", "ZJ-T-001").id == a.id
        assert a.title == "一種基於聲學檢測的管道洩漏定位方法"  # kept as sent


def test_duplicate_without_patent_merges_by_normalised_title_and_holder(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    run_import("AH", "ah_achievements.csv")
    with uow_factory() as uow:
        sh = achievement_of(uow, "SH", "SH-T-006")
        ah_listing = next(li for li in sh.listings if li.market_code == "AH")
        assert ah_listing.external_id.startswith("T") and ah_listing.negotiable is True


def test_same_title_and_holder_with_different_patents_stay_apart(run_import, uow_factory, tmp_path):
    from market.domain.codes import patent_check_char
    rows = []
    for i, digits in enumerate(("202310000011", "202310000012")):
        rows.append(f'{{"projectNo": "SH-X-{i}", "title": "同名成果", "summary": "", "keywords": [], '
                    f'"patentNo": "{digits}.{patent_check_char(digits)}", "ipType": "发明专利", "holder": "东海理工大学", '
                    f'"field": "新材料", "tradeMode": "转让", "listPrice": "10,000.00", "priceNegotiable": false, '
                    f'"maturity": "小试阶段", "listedAt": "2024-01-01T10:00:00+08:00", "city": "上海市", "status": "挂牌中"}}')
    path = tmp_path / "same_title.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    assert run_import("SH", path)["counts"]["created"] == 2
    with uow_factory() as uow:
        assert achievement_of(uow, "SH", "SH-X-0").id != achievement_of(uow, "SH", "SH-X-1").id


def test_relisted_with_a_new_price_updates_the_listing_and_appends_history(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    report = run_import("SH", "sh_achievements_v2.jsonl")
    assert report["counts"]["updated"] == 2  # SH-T-001 new price; SH-T-002 now priced
    with uow_factory() as uow:
        a = achievement_of(uow, "SH", "SH-T-001")
        assert (listing(uow, "SH", "SH-T-001").price_fen, a.price_fen) == (98_000_000, 98_000_000)
        change = [h for h in a.history if h.detail and "price_fen" in h.detail]
        assert [h.detail["price_fen"] for h in change] == [[120_000_000, 98_000_000]]
        assert change[0].from_status == change[0].to_status == "published"


def test_id_sent_twice_in_one_file_is_reported_and_the_later_row_wins(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    report = run_import("SH", "sh_achievements_v2.jsonl")
    duplicate = next(e for e in report["errors"] if e["external_id"] == "SH-T-002")
    assert duplicate["row"] == 2 and "第 3 行" in duplicate["reason"]
    with uow_factory() as uow:
        assert listing(uow, "SH", "SH-T-002").price_fen == 7_000_000


def test_withdrawn_row_withdraws_the_listing_and_its_only_achievement(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    report = run_import("SH", "sh_achievements_v2.jsonl")
    assert report["counts"]["withdrawn"] == 1
    with uow_factory() as uow:
        assert listing(uow, "SH", "SH-T-007").status == "withdrawn"
        a = achievement_of(uow, "SH", "SH-T-007")
        assert a.status == "withdrawn" and a.history[-1].reason == "SH 撤牌"


def test_withdrawn_on_one_market_stays_published_while_listed_on_another(run_import, uow_factory, tmp_path):
    run_import("SH", "sh_achievements.jsonl")
    run_import("JS", "js_achievements.csv")
    v2 = tmp_path / "sh.jsonl"
    v2.write_text(feed_text("sh_achievements.jsonl").replace('"SH-T-001"', '"SH-T-001"').replace(
        '"status": "挂牌中"}', '"status": "已撤牌"}', 1), encoding="utf-8")
    run_import("SH", v2)
    with uow_factory() as uow:
        a = achievement_of(uow, "SH", "SH-T-001")
        assert {li.market_code: li.status for li in a.listings} == {"SH": "withdrawn", "JS": "listed"}
        assert a.status == "published"


def test_withdrawn_row_of_an_unknown_listing_is_recorded_as_withdrawn(run_import, uow_factory):
    report = run_import("ZJ", "zj_achievements.json")
    assert report["counts"]["withdrawn"] == 1
    with uow_factory() as uow:
        assert listing(uow, "ZJ", "ZJ-T-003").status == "withdrawn"
        assert achievement_of(uow, "ZJ", "ZJ-T-003").status == "withdrawn"
    assert run_import("ZJ", "zj_achievements.json")["counts"]["withdrawn"] == 0


def test_relisting_a_withdrawn_listing_publishes_it_again(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    run_import("SH", "sh_achievements_v2.jsonl")
    report = run_import("SH", "sh_achievements.jsonl")
    assert report["counts"]["withdrawn"] == 0
    with uow_factory() as uow:
        assert listing(uow, "SH", "SH-T-007").status == "listed"
        assert achievement_of(uow, "SH", "SH-T-007").status == "published"


def test_reimporting_the_same_file_changes_nothing(run_import, uow_factory):
    for market, name in (("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"),
                         ("ZJ", "zj_achievements.json"), ("AH", "ah_achievements.csv")):
        run_import(market, name)
    with uow_factory() as uow:
        before = (count(uow, orm.achievements), count(uow, orm.achievement_listings),
                  count(uow, orm.achievement_history), count(uow, orm.organisations))
    for market, name in (("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"),
                         ("ZJ", "zj_achievements.json"), ("AH", "ah_achievements.csv")):
        counts = run_import(market, name)["counts"]
        assert counts["created"] == counts["updated"] == counts["withdrawn"] == 0
        assert counts["unchanged"] == counts["rows_read"] - counts["rejected"]
    with uow_factory() as uow:
        after = (count(uow, orm.achievements), count(uow, orm.achievement_listings),
                 count(uow, orm.achievement_history), count(uow, orm.organisations))
    assert after == before


def test_unreadable_file_is_refused_and_nothing_is_written(run_import, uow_factory, feed_path, clock):
    with pytest.raises(FeedUnreadable, match="GB18030"):
        run_import("JS", feed_path("ah_achievements.csv"))
    truncated = feed_path("zj_achievements.json").read_bytes()[:900]  # row 1 parses, then the JSON breaks
    with pytest.raises(FeedUnreadable):
        import_feed(uow_factory(), "ZJ", io.BytesIO(truncated), "zj.json", None, clock.now())
    with uow_factory() as uow:
        assert count(uow, orm.achievements) == count(uow, import_runs) == count(uow, orm.organisations) == 0


def test_each_run_is_recorded_with_file_hash_counts_and_row_errors(run_import, uow_factory, feed_path, clock):
    import hashlib
    report = run_import("JS", "js_achievements.csv")
    assert report["file_hash"] == hashlib.sha256(feed_path("js_achievements.csv").read_bytes()).hexdigest()
    assert (report["status"], report["kind"], report["filename"]) == ("completed", "achievements",
                                                                      "js_achievements.csv")
    assert report["started_at"] == clock.now() and report["reconciles"] is True
    with uow_factory() as uow:
        assert count(uow, import_row_errors) == 3
    stored = get_run(uow_factory(), "JS", report["id"], actor_id=None)
    assert stored["counts"] == report["counts"] and len(stored["errors"]) == 3
    assert list_runs(uow_factory(), "JS", actor_id=None)["total"] == 1


def test_stream_that_cannot_seek_is_spooled_and_imported(uow_factory, feed_path, clock):
    class OneWay(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.inner.readinto(buffer)

    report = import_feed(uow_factory(), "AH", OneWay(feed_path("ah_achievements.csv").read_bytes()),
                         "ah.csv", None, clock.now())
    assert report["counts"]["created"] == 3


def test_small_batches_give_the_same_result_as_one(run_import, uow_factory):
    report = run_import("SH", "sh_achievements.jsonl", batch_rows=2)
    assert report["counts"]["created"] == 5 and report["reconciles"]


def test_demands_are_imported_open_and_updated_on_change(run_import, uow_factory, tmp_path, feed_path):
    report = run_import("JS", "js_demands.csv")
    assert report["kind"] == "demands" and report["counts"]["created"] == 2
    with uow_factory() as uow:
        demand = uow.demands.by_external_id("JS", "JS-D-T01")
        assert (demand.status, demand.budget_min_fen, demand.enterprise.name) == ("open", 50_000_000,
                                                                                  "常州恒精机床有限公司")
    changed = tmp_path / "js_demands.csv"
    changed.write_bytes(feed_path("js_demands.csv").read_bytes().replace("50~100".encode(), "60~120".encode()))
    report = run_import("JS", changed)
    assert (report["counts"]["updated"], report["counts"]["unchanged"]) == (1, 1)
    with uow_factory() as uow:
        demand = uow.demands.by_external_id("JS", "JS-D-T01")
        assert demand.budget_max_fen == 120_000_000
        assert demand.history[-1].detail["budget_max_fen"] == [100_000_000, 120_000_000]


def test_bad_demand_row_is_reported(run_import):
    report = run_import("SH", "sh_demands.jsonl")
    assert report["counts"]["rejected"] == 1 and report["errors"][0]["field"] == "budget"


def test_operator_of_another_market_may_not_import(run_import, cast):
    with pytest.raises(Forbidden):
        run_import("SH", "sh_achievements.jsonl", actor_id=cast.ids["op_js"])
    assert run_import("SH", "sh_achievements.jsonl", actor_id=cast.ids["op_sh"])["actor_id"] == cast.ids["op_sh"]


def test_holder_organisations_are_matched_by_name_not_duplicated(run_import, uow_factory):
    run_import("SH", "sh_achievements.jsonl")
    run_import("JS", "js_achievements.csv")
    with uow_factory() as uow:
        names = list(uow.session.scalars(select(orm.organisations.c.name)))
        assert names.count("东海理工大学") == 1


def test_achievement_entered_on_the_platform_is_joined_by_an_import(run_import, uow_factory, clock):
    from market.domain.accounts import Organisation
    with uow_factory() as uow:
        org = Organisation("东海理工大学", "university", "上海", created_at=clock.now())
        uow.organisations.add(org)
        uow.flush()
        a = Achievement(title="自有成果", holder_id=org.id, market_code="SH", field="新能源与高效节能",
                        ip_type="发明专利", now=clock.now(), application_numbers=["202310000001.5"], maturity="中试")
        uow.achievements.add(a)
        uow.commit()
        own_id = a.id
    run_import("JS", "js_achievements.csv")
    with uow_factory() as uow:
        assert achievement_of(uow, "JS", "JS-T-001").id == own_id


def test_after_commit_listeners_receive_the_imported_achievements(run_import, services, uow_factory):
    seen = set()
    services.extra["after_commit"].append(lambda uow, changed: seen.update(changed))
    run_import("SH", "sh_achievements.jsonl", batch_rows=3)
    with uow_factory() as uow:
        ids = set(uow.session.scalars(select(orm.achievements.c.id)))
    assert {("achievement", i) for i in ids} <= seen


def feed_text(name: str) -> str:
    from pathlib import Path
    return (Path(__file__).resolve().parents[2] / "fixtures" / "feeds" / name).read_text(encoding="utf-8")
