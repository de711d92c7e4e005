"""The SQL statistics against the in-memory reference, on SQLite and PostgreSQL:
Σ outflow = Σ inflow = total, intra-province contracts counted once, and every
figure moving consistently when an amount or a registration changes."""
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st

from contract_world import MARKET_OF, NOW, PROVINCES, add_contracts, clear_contracts, spec
import stats_oracle as oracle
from market.domain import stats, taxonomy
from market.services.contracts import amend_contract, register_contract, revoke_registration
from market.services.stats import contract_stats, flow_stats

@st.composite
def one_spec(draw):
    amount = draw(st.integers(1, 10**11))
    return spec(draw(st.sampled_from(PROVINCES)), draw(st.sampled_from(PROVINCES)),
                draw(st.dates(date(2024, 1, 1), date(2025, 12, 31))), amount=amount,
                tech=draw(st.integers(0, amount)), registered=draw(st.booleans()),
                ctype=draw(st.sampled_from(taxonomy.CONTRACT_TYPES)), field=draw(st.sampled_from(taxonomy.FIELDS)))


contract_specs = st.lists(one_spec(), max_size=25)
DB_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _facts(specs):
    return [oracle.ContractFact(s, b, d, t, f, MARKET_OF.get(s, "SH"), "registered" if r else "submitted", a, x)
            for s, b, d, a, x, r, t, f in specs]


def _figures(result):
    return {tuple(row[g] for g in result["group_by"]): stats.Totals(row["count"], row["contract_amount_fen"],
                                                                     row["tech_amount_fen"])
            for row in result["rows"] if row["count"]}


@DB_SETTINGS
@given(specs=contract_specs, registered_only=st.booleans())
def test_sql_groupings_match_the_reference_and_reconcile(uow_factory, orgs, staff, specs, registered_only):
    clear_contracts(uow_factory)
    add_contracts(uow_factory, orgs, specs)
    span = stats.DateRange(date(2025, 1, 1), date(2025, 12, 31))
    facts = list(oracle.select(_facts(specs), span, registered_only))
    total = stats.total_of(f.totals for f in facts)
    for group_by in ("province", "quarter,province", "month", "type", "field,province", "market"):
        groups = stats.parse_group_by(group_by)
        for side in stats.SIDES:
            result = contract_stats(uow_factory(), start="2025", end="2025", group_by=group_by, side=side,
                                    registered_only=registered_only, viewer_id=staff["admin"], now=NOW)
            assert _figures(result) == oracle.aggregate(facts, groups, side)
            assert stats.Totals(**result["total"]) == total
    flows = flow_stats(uow_factory(), start="2025", end="2025", registered_only=registered_only,
                       viewer_id=staff["admin"], now=NOW)
    expected = stats.FlowMatrix.from_pairs((f.seller_province, f.buyer_province, f.totals) for f in facts)
    assert flows["matrix"] == expected.as_dict()["matrix"]
    assert stats.Totals(**flows["total"]) == total
    assert flows["checks"] == {"outflow_equals_total": True, "inflow_equals_total": True}
    assert sum(v["contract_amount_fen"] for v in flows["net"].values()) == 0


def _stats(uow_factory, group_by="province", side="outflow", registered_only=True, viewer=None):
    return contract_stats(uow_factory(), start="2025", end="2025", group_by=group_by, side=side,
                          registered_only=registered_only, viewer_id=viewer, now=NOW)


def _flows(uow_factory):
    return flow_stats(uow_factory(), start="2025", end="2025", now=NOW)


def test_intra_province_contract_counts_once_everywhere(uow_factory, orgs):
    add_contracts(uow_factory, orgs, [spec("江苏", "江苏", date(2025, 4, 2), amount=700, tech=300)])
    out = _figures(_stats(uow_factory, side="outflow"))
    into = _figures(_stats(uow_factory, side="inflow"))
    assert out == into == {("江苏",): stats.Totals(1, 700, 300)}
    flows = _flows(uow_factory)
    assert flows["total"] == {"count": 1, "contract_amount_fen": 700, "tech_amount_fen": 300}
    assert flows["yrd_cross_province"]["total"]["count"] == 0
    assert flows["net"]["江苏"]["contract_amount_fen"] == 0


def test_changing_an_amount_moves_every_figure_by_the_same_delta(uow_factory, orgs, staff):
    ids = add_contracts(uow_factory, orgs, [
        spec("上海", "江苏", date(2025, 2, 1), amount=1000, tech=100),
        spec("浙江", "上海", date(2025, 5, 1), amount=5000, tech=0),
        spec("上海", "北京", date(2025, 8, 1), amount=300, tech=300)])
    views = {(g, s): _figures(_stats(uow_factory, g, s)) for g in ("province", "quarter", "type") for s in stats.SIDES}
    flows_before = _flows(uow_factory)
    amend_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=ids[0],
                   changes={"contract_amount_fen": 1600}, now=NOW)
    for (group, side), before in views.items():
        after = _figures(_stats(uow_factory, group, side))
        moved = {k for k in after if after[k] != before.get(k)}
        assert len(moved) == 1
        (key,) = moved
        assert after[key].contract_amount_fen - before[key].contract_amount_fen == 600
    flows_after = _flows(uow_factory)
    assert flows_after["total"]["contract_amount_fen"] - flows_before["total"]["contract_amount_fen"] == 600
    assert flows_after["outflow"]["上海"]["contract_amount_fen"] - flows_before["outflow"]["上海"]["contract_amount_fen"] == 600
    assert flows_after["inflow"]["江苏"]["contract_amount_fen"] - flows_before["inflow"]["江苏"]["contract_amount_fen"] == 600
    assert (flows_after["yrd_cross_province"]["total"]["contract_amount_fen"]
            - flows_before["yrd_cross_province"]["total"]["contract_amount_fen"]) == 600


def test_registration_moves_a_contract_into_and_out_of_the_official_figures(uow_factory, orgs, staff):
    (cid,) = add_contracts(uow_factory, orgs, [spec("上海", "浙江", date(2025, 6, 6), amount=900, tech=500, registered=False)])
    assert _stats(uow_factory)["total"]["count"] == 0
    assert _stats(uow_factory, registered_only=False, viewer=staff["admin"])["total"]["count"] == 1
    register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, now=NOW)
    assert _figures(_stats(uow_factory)) == {("上海",): stats.Totals(1, 900, 500)}
    assert _flows(uow_factory)["yrd_cross_province"]["by_province"]["上海"]["outflow"]["count"] == 1
    revoke_registration(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, reason="登记有误", now=NOW)
    assert _stats(uow_factory)["total"]["count"] == 0
    assert _flows(uow_factory)["total"]["count"] == 0


def test_year_on_year_uses_the_previous_years_rows(uow_factory, orgs):
    add_contracts(uow_factory, orgs, [spec("安徽", "上海", date(2024, 2, 1), amount=1000),
                                      spec("安徽", "上海", date(2025, 2, 1), amount=1500),
                                      spec("安徽", "上海", date(2024, 12, 1), amount=3000)])
    rows = {r["quarter"]: r for r in _stats(uow_factory, "quarter")["rows"]}
    assert rows["2025Q1"]["yoy"]["contract_amount_fen"] == 0.5
    assert rows["2025Q1"]["qoq"]["contract_amount_fen"] == -0.5
    assert rows["2025Q2"]["yoy"] is None
    flows = _flows(uow_factory)
    assert flows["yoy"]["outflow"]["安徽"]["contract_amount_fen"] == round((1500 - 4000) / 4000, 4)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(one_spec(), min_size=1, max_size=12), data=st.data())
def test_any_correction_or_registration_change_keeps_sql_equal_to_the_reference(uow_factory, orgs, staff, specs, data):
    """Mutate one contract through the services; every official figure still equals
    the reference computed from the mutated contracts, and still reconciles."""
    clear_contracts(uow_factory)
    ids = add_contracts(uow_factory, orgs, specs)
    index = data.draw(st.integers(0, len(specs) - 1))
    seller, buyer, signed_on, amount, tech, registered, ctype, field = specs[index]
    operator = {"SH": "op_sh", "JS": "op_js", "ZJ": "op_zj"}.get(MARKET_OF.get(seller, "SH"))
    action = data.draw(st.sampled_from(("amount", "registration")) if operator else st.just("amount"))
    actor = staff[operator] if operator else staff["admin"]
    if action == "amount":
        new_amount = data.draw(st.integers(max(tech, 1), 10**11))
        if registered and not operator:
            return                                   # only the AH market could correct it; no AH operator here
        amend_contract(uow_factory(), actor_id=actor, contract_id=ids[index],
                       changes={"contract_amount_fen": new_amount}, now=NOW)
        specs[index] = spec(seller, buyer, signed_on, amount=new_amount, tech=tech, registered=registered,
                            ctype=ctype, field=field)
    elif registered:
        revoke_registration(uow_factory(), actor_id=actor, contract_id=ids[index], reason="更正", now=NOW)
        specs[index] = specs[index][:5] + (False,) + specs[index][6:]
    else:
        register_contract(uow_factory(), actor_id=actor, contract_id=ids[index], now=NOW)
        specs[index] = specs[index][:5] + (True,) + specs[index][6:]
    span = stats.DateRange(date(2025, 1, 1), date(2025, 12, 31))
    facts = list(oracle.select(_facts(specs), span, True))
    for group_by in ("province", "quarter,province", "type"):
        for side in stats.SIDES:
            result = _stats(uow_factory, group_by, side)
            assert _figures(result) == oracle.aggregate(facts, stats.parse_group_by(group_by), side)
    flows = _flows(uow_factory)
    assert stats.Totals(**flows["total"]) == stats.total_of(f.totals for f in facts)
    assert flows["checks"] == {"outflow_equals_total": True, "inflow_equals_total": True}
