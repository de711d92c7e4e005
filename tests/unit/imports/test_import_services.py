"""The federated import service on the in-memory unit of work (no database): what
each row becomes, the run it leaves, and who may import."""
import io

import pytest

from market.domain.accounts import Organisation, User
from market.domain.achievements import Achievement
from market.domain.errors import Forbidden, NotFound
from market.domain.feeds import FeedUnreadable
from market.services.imports import get_run, import_feed, list_runs


def run(uow, clock, feed, market, name, actor_id=None, **kwargs):
    return import_feed(uow, market, feed(name), name, actor_id, clock.now(), **kwargs)


def listing_owner(uow, market, external_id):
    found = uow.imports.listings_by_external_id(market, [external_id])[external_id]
    return uow.achievements.get(found.achievement_id)


def test_first_import_publishes_each_good_row_and_counts_the_bad_ones(uow, clock, feed):
    report = run(uow, clock, feed, "SH", "sh_achievements.jsonl")
    assert report["counts"] == {"rows_read": 7, "created": 5, "updated": 0, "unchanged": 0, "withdrawn": 0,
                                "rejected": 2}
    a = listing_owner(uow, "SH", "SH-T-001")
    assert (a.status, a.price_fen, a.application_numbers) == ("published", 120_000_000, ["202310000001.5"])
    assert uow.organisations.get(a.holder_id).kind == "university"
    assert report["started_at"] == clock.now() and report["reconciles"] is True


def test_run_is_listed_and_read_back_with_its_row_errors(uow, clock, feed):
    report = run(uow, clock, feed, "JS", "js_achievements.csv")
    stored = get_run(uow, "JS", report["id"], actor_id=None)
    assert stored["counts"] == report["counts"] and len(stored["errors"]) == 3
    assert list_runs(uow, "JS", actor_id=None)["total"] == 1
    with pytest.raises(NotFound):
        get_run(uow, "SH", report["id"], actor_id=None)


def test_same_patent_on_two_markets_is_one_achievement_with_two_listings(uow, clock, feed):
    run(uow, clock, feed, "SH", "sh_achievements.jsonl")
    assert run(uow, clock, feed, "JS", "js_achievements.csv")["counts"]["created"] == 2
    a = listing_owner(uow, "SH", "SH-T-001")
    assert listing_owner(uow, "JS", "JS-T-001") is a
    assert {li.market_code for li in a.listings} == {"SH", "JS"}
    assert (a.market_code, a.price_fen) == ("SH", 120_000_000)  # the home market's row describes it


def test_id_sent_twice_in_one_file_is_refused_but_for_its_last_row(uow, clock, feed):
    run(uow, clock, feed, "SH", "sh_achievements.jsonl")
    report = run(uow, clock, feed, "SH", "sh_achievements_v2.jsonl")
    duplicate = next(e for e in report["errors"] if e["external_id"] == "SH-T-002")
    assert duplicate["row"] == 2 and "第 3 行" in duplicate["reason"]
    assert uow.imports.listings_by_external_id("SH", ["SH-T-002"])["SH-T-002"].price_fen == 7_000_000


def test_importing_the_same_file_again_changes_nothing(uow, clock, feed):
    run(uow, clock, feed, "SH", "sh_achievements.jsonl")
    before = (len(uow.achievements.items), len(uow.organisations.items), len(uow.imports.keys))
    counts = run(uow, clock, feed, "SH", "sh_achievements.jsonl")["counts"]
    assert counts["created"] == counts["updated"] == counts["withdrawn"] == 0
    assert counts["unchanged"] == counts["rows_read"] - counts["rejected"]
    assert (len(uow.achievements.items), len(uow.organisations.items), len(uow.imports.keys)) == before


def test_unreadable_file_is_refused_before_a_run_is_recorded(uow, clock, feed):
    with pytest.raises(FeedUnreadable, match="GB18030"):
        run(uow, clock, feed, "JS", "ah_achievements.csv")
    truncated = feed("zj_achievements.json").read_bytes()[:900]
    with pytest.raises(FeedUnreadable):
        import_feed(uow, "ZJ", io.BytesIO(truncated), "zj.json", None, clock.now())
    assert uow.imports.runs == {} and uow.achievements.items == {}


def test_only_an_operator_of_the_market_may_import(uow, clock, feed):
    uow.users.add(User(email="op-js@x.cn", password_hash="x", display_name="江苏", role="operator",
                       market_code="JS", created_at=clock.now()))
    op_js = next(iter(uow.users.items))
    with pytest.raises(Forbidden):
        run(uow, clock, feed, "SH", "sh_achievements.jsonl", actor_id=op_js)
    with pytest.raises(NotFound):
        run(uow, clock, feed, "XX", "sh_achievements.jsonl")


def test_demands_are_created_open_then_unchanged_on_a_second_import(uow, clock, feed):
    report = run(uow, clock, feed, "JS", "js_demands.csv")
    assert report["kind"] == "demands" and report["counts"]["created"] == 2
    demand = uow.imports.demands_by_external_id("JS", ["JS-D-T01"])["JS-D-T01"]
    assert (demand.status, demand.budget_min_fen) == ("open", 50_000_000)
    assert run(uow, clock, feed, "JS", "js_demands.csv")["counts"]["unchanged"] == 2


def test_statistics_are_refreshed_after_batches_one_and_four_only(uow, clock, feed):
    run(uow, clock, feed, "SH", "sh_achievements.jsonl", batch_rows=1)  # 8 batches (header report, 7 rows)
    assert uow.imports.statistics_refreshed == 2


def test_achievement_entered_on_the_platform_is_joined_by_an_import(uow, clock, feed):
    org = Organisation("东海理工大学", "university", "上海", created_at=clock.now())
    uow.organisations.add(org)
    own = Achievement(title="自有成果", holder_id=org.id, market_code="SH", field="新能源与高效节能",
                      ip_type="发明专利", now=clock.now(), application_numbers=["202310000001.5"], maturity="中试")
    uow.achievements.add(own)
    run(uow, clock, feed, "JS", "js_achievements.csv")
    assert listing_owner(uow, "JS", "JS-T-001") is own
    assert uow.imports.match_keys({"P:202310000001.5"}) == {"P:202310000001.5": own.id}


def test_every_imported_achievement_is_marked_changed_for_the_search_index(uow, clock, feed):
    run(uow, clock, feed, "SH", "sh_achievements.jsonl", batch_rows=3)
    assert {("achievement", i) for i in uow.achievements.items} <= uow.changed
