"""Reconciliation as a property of the pure statistics (the SQL versions are held
to the same properties in tests/integration/contracts)."""
from datetime import date

from hypothesis import given, settings, strategies as st

import stats_oracle as oracle
from market.domain import stats, taxonomy

PROVINCES = st.sampled_from(taxonomy.YRD_PROVINCES + ("北京", "广东", taxonomy.ABROAD))
facts = st.builds(
    oracle.ContractFact,
    seller_province=PROVINCES, buyer_province=PROVINCES,
    signed_on=st.dates(date(2023, 1, 1), date(2025, 12, 31)),
    contract_type=st.sampled_from(taxonomy.CONTRACT_TYPES), field=st.sampled_from(taxonomy.FIELDS),
    market_code=st.sampled_from(taxonomy.MARKET_CODES),
    status=st.sampled_from(("submitted", "registered", "refused")),
    contract_amount_fen=st.integers(1, 10**12), tech_amount_fen=st.just(0),
)
SPAN = stats.DateRange(date(2023, 1, 1), date(2025, 12, 31))


def _sum(groups):
    return stats.total_of(groups.values())


@settings(max_examples=60, deadline=None)
@given(st.lists(facts, max_size=40))
def test_outflow_inflow_and_total_agree_for_every_grouping(items):
    total = stats.total_of(f.totals for f in items)
    for group in stats.GROUPS:
        for side in stats.SIDES:
            assert _sum(oracle.aggregate(items, (group,), side)) == total
    assert _sum(oracle.aggregate(items, ("quarter", "province"), "outflow")) == total


@settings(max_examples=60, deadline=None)
@given(st.lists(facts, max_size=40))
def test_flow_matrix_rows_columns_and_net_reconcile(items):
    matrix = stats.FlowMatrix.from_pairs((f.seller_province, f.buyer_province, f.totals) for f in items)
    total = stats.total_of(f.totals for f in items)
    checks = matrix.as_dict()["checks"]
    assert checks == {"outflow_equals_total": True, "inflow_equals_total": True}
    assert matrix.total == total
    assert stats.total_of(matrix.net(b) for b in stats.FLOW_BUCKETS) == stats.Totals()
    cross = [f for f in items if f.seller_province in taxonomy.YRD_PROVINCES
             and f.buyer_province in taxonomy.YRD_PROVINCES and f.seller_province != f.buyer_province]
    assert matrix.yrd_cross_total == stats.total_of(f.totals for f in cross)


def test_contract_inside_one_province_counts_once():
    fact = oracle.ContractFact("江苏", "江苏", date(2025, 5, 1), "技术开发", "农业", "JS", "registered", 700, 100)
    matrix = stats.FlowMatrix.from_pairs([(fact.seller_province, fact.buyer_province, fact.totals)])
    assert matrix.total == stats.Totals(1, 700, 100)
    assert matrix.outflow("江苏") == matrix.inflow("江苏") == matrix.total
    assert matrix.net("江苏") == stats.Totals()
    assert matrix.yrd_cross_total == stats.Totals()


def test_other_provinces_and_abroad_are_their_own_buckets():
    assert [stats.flow_bucket(p) for p in ("上海", "北京", "香港", "境外")] == ["上海", "其他省份", "其他省份", "境外"]


def test_yrd_cross_share_is_each_provinces_part_of_the_cross_province_total():
    pairs = [("上海", "江苏", stats.Totals(1, 300, 0)), ("上海", "安徽", stats.Totals(1, 100, 0)),
             ("浙江", "上海", stats.Totals(1, 600, 0)), ("上海", "北京", stats.Totals(1, 1000, 0))]
    out = stats.FlowMatrix.from_pairs(pairs).as_dict()["yrd_cross_province"]
    assert out["total"]["contract_amount_fen"] == 1000
    assert out["by_province"]["上海"]["outflow_share"] == 0.4
    assert out["by_province"]["浙江"]["outflow_share"] == 0.6
    assert out["share_of_total"] == 0.5


@settings(max_examples=40, deadline=None)
@given(st.lists(facts, min_size=1, max_size=30), st.data())
def test_changing_an_amount_moves_every_figure_by_the_same_delta(items, data):
    index = data.draw(st.integers(0, len(items) - 1))
    new_amount = data.draw(st.integers(1, 10**12))
    changed = list(items)
    changed[index] = items[index]._replace(contract_amount_fen=new_amount)
    delta = new_amount - items[index].contract_amount_fen
    for side in stats.SIDES:
        for group in ("province", "quarter", "type"):
            before = oracle.aggregate(items, (group,), side)
            after = oracle.aggregate(changed, (group,), side)
            key = (oracle.fact_key(items[index], group, side),)
            assert after[key].contract_amount_fen - before[key].contract_amount_fen == delta
            assert all(after[k] == before[k] for k in before if k != key)


@settings(max_examples=40, deadline=None)
@given(st.lists(facts, max_size=30))
def test_registered_only_is_the_registered_subset(items):
    official = list(oracle.select(items, SPAN, registered_only=True))
    assert all(f.status == "registered" for f in official)
    assert len(list(oracle.select(items, SPAN, registered_only=False))) == len(items)
