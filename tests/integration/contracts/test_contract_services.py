"""Contract use cases on SQLite and PostgreSQL: the four sources, registration
by the seller's market only, and the register import (row errors, idempotency)."""
from datetime import date

import pytest

from contract_world import NOW
from market.domain.achievements import Achievement
from market.domain.demands import Demand
from market.domain.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from market.services import contracts as svc


def _direct(uow_factory, actor, orgs, seller="上海", buyer="江苏", **extra):
    data = dict(title="高精度MEMS传感器技术开发", contract_type="技术开发", field="电子信息",
                seller_org_id=orgs[seller][0], buyer_org_id=orgs[buyer][1], contract_amount_fen=5_000_000_00,
                tech_amount_fen=4_000_000_00, signed_on=date(2025, 5, 20))
    data.update(extra)
    return svc.record_direct_contract(uow_factory(), actor_id=actor, data=data, now=NOW)


def test_member_of_a_party_records_a_direct_contract_registered_by_the_sellers_market(uow_factory, orgs, staff):
    view = _direct(uow_factory, staff["sh_member"], orgs)
    assert (view["status"], view["source"], view["market_code"]) == ("submitted", "direct", "SH")
    assert (view["seller_province"], view["buyer_province"]) == ("上海", "江苏")


def test_stranger_cannot_record_a_contract_between_others(uow_factory, orgs, staff):
    with pytest.raises(Forbidden):
        _direct(uow_factory, staff["js_member"], orgs, seller="上海", buyer="浙江")


def test_unknown_organisation_is_a_validation_error(uow_factory, orgs, staff):
    with pytest.raises(ValidationFailed) as err:
        _direct(uow_factory, staff["admin"], orgs, seller_org_id=9999)
    assert "seller_org_id" in err.value.errors


def test_only_operators_of_the_sellers_market_register(uow_factory, orgs, staff):
    cid = _direct(uow_factory, staff["sh_member"], orgs)["id"]
    for who in ("admin", "sh_member"):
        with pytest.raises(Forbidden):
            svc.register_contract(uow_factory(), actor_id=staff[who], contract_id=cid, now=NOW)
    with pytest.raises(NotFound):    # another market's operator does not see the contract at all
        svc.register_contract(uow_factory(), actor_id=staff["op_js"], contract_id=cid, now=NOW)
    view = svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, now=NOW)
    assert view["status"] == "registered" and view["registration_number"] == "SH2026000001"
    with pytest.raises(IllegalTransition):
        svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, now=NOW)


def test_registration_numbers_are_unique(uow_factory, orgs, staff):
    first = _direct(uow_factory, staff["sh_member"], orgs)["id"]
    second = _direct(uow_factory, staff["sh_member"], orgs)["id"]
    svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=first, now=NOW,
                          registration_number="2025310101000001")
    with pytest.raises(Conflict):
        svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=second, now=NOW,
                              registration_number="2025310101000001")
    auto = svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=second, now=NOW)
    assert auto["registration_number"] != "2025310101000001"


def test_refused_then_resubmitted_then_registered_keeps_the_whole_history(uow_factory, orgs, staff):
    cid = _direct(uow_factory, staff["sh_member"], orgs)["id"]
    svc.refuse_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, reason="缺少技术附件", now=NOW)
    svc.amend_contract(uow_factory(), actor_id=staff["sh_member"], contract_id=cid,
                       changes={"tech_amount_fen": 3_000_000_00}, now=NOW)
    svc.resubmit_contract(uow_factory(), actor_id=staff["sh_member"], contract_id=cid, now=NOW)
    view = svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, now=NOW)
    assert [h["to_status"] for h in view["history"]] == ["submitted", "refused", "refused", "submitted", "registered"]
    assert view["history"][2]["detail"] == {"tech_amount_fen": [4_000_000_00, 3_000_000_00]}


def test_member_cannot_amend_a_registered_contract(uow_factory, orgs, staff):
    cid = _direct(uow_factory, staff["sh_member"], orgs)["id"]
    svc.register_contract(uow_factory(), actor_id=staff["op_sh"], contract_id=cid, now=NOW)
    with pytest.raises(Forbidden):
        svc.amend_contract(uow_factory(), actor_id=staff["sh_member"], contract_id=cid,
                           changes={"contract_amount_fen": 1}, now=NOW)


def test_contract_is_hidden_from_unrelated_members(uow_factory, orgs, staff):
    cid = _direct(uow_factory, staff["sh_member"], orgs, seller="上海", buyer="浙江")["id"]
    with pytest.raises(NotFound):
        svc.get_contract(uow_factory(), actor_id=staff["js_member"], contract_id=cid)


def test_operators_list_only_their_markets_contracts(uow_factory, orgs, staff):
    _direct(uow_factory, staff["sh_member"], orgs)
    _direct(uow_factory, staff["js_member"], orgs, seller="江苏", buyer="上海", seller_org_id=orgs["江苏"][1],
            buyer_org_id=orgs["上海"][0])
    assert svc.list_contracts(uow_factory(), actor_id=staff["op_js"])["total"] == 1
    assert svc.list_contracts(uow_factory(), actor_id=staff["admin"])["total"] == 2
    with pytest.raises(Forbidden):
        svc.list_contracts(uow_factory(), actor_id=staff["op_js"], market_code="SH")


# --- auction sales ---------------------------------------------------------------------
def _achievement(uow_factory, holder_id, market="SH", modes=("转让",)):
    with uow_factory() as uow:
        achievement = Achievement(title="一种固态电解质及其制备方法", holder_id=holder_id, market_code=market,
                                  field="新材料", ip_type="发明专利", transfer_modes=modes, now=NOW)
        uow.achievements.add(achievement)
        uow.commit()
        return achievement.id


def test_auction_sale_becomes_a_contract_in_the_callers_transaction(uow_factory, orgs):
    aid = _achievement(uow_factory, orgs["江苏"][0])
    with uow_factory() as uow:
        contract = svc.record_auction_sale(uow, lot_id=41, achievement_id=aid, seller_org_id=orgs["江苏"][0],
                                           buyer_org_id=orgs["上海"][1], market_code="SH", amount_fen=90_400_000_00,
                                           signed_on=NOW, now=NOW)
        cid = contract.id
        uow.commit()
    with uow_factory() as uow:
        saved = svc.contracts_repo(uow).get(cid)
        assert (saved.source, saved.lot_id, saved.achievement_id) == ("auction", 41, aid)
        assert saved.market_code == "JS"                   # the seller's market registers, not the auction's
        assert saved.contract_type == "技术转让" and saved.field == "新材料"
        assert saved.contract_amount_fen == saved.tech_amount_fen == 90_400_000_00
        assert saved.signed_on == date(2026, 1, 15)


def test_auction_sale_is_not_saved_when_the_signing_transaction_rolls_back(uow_factory, orgs):
    aid = _achievement(uow_factory, orgs["上海"][0])
    with uow_factory() as uow:
        svc.record_auction_sale(uow, lot_id=7, achievement_id=aid, seller_org_id=orgs["上海"][0],
                                buyer_org_id=orgs["浙江"][0], market_code="SH", amount_fen=100, signed_on=NOW, now=NOW)
    with uow_factory() as uow:
        assert svc.contracts_repo(uow).by_lot(7) == []


def test_recording_the_same_auction_sale_twice_makes_one_contract(uow_factory, orgs):
    aid = _achievement(uow_factory, orgs["上海"][0], modes=("独占许可",))
    ids = []
    for _ in range(2):
        with uow_factory() as uow:
            ids.append(svc.record_auction_sale(
                uow, lot_id=9, achievement_id=aid, seller_org_id=orgs["上海"][0], buyer_org_id=orgs["浙江"][0],
                market_code="SH", amount_fen=100, signed_on=date(2025, 9, 9), now=NOW).id)
            uow.commit()
    assert ids[0] == ids[1]
    with uow_factory() as uow:
        (contract,) = svc.contracts_repo(uow).by_lot(9)
        assert contract.contract_type == "技术许可"


# --- a demand closed by a deal ------------------------------------------------------------
def _open_demand(uow_factory, enterprise_id, mode="委托开发"):
    with uow_factory() as uow:
        demand = Demand(title="高温合金叶片无损检测技术需求", enterprise_id=enterprise_id, market_code="JS",
                        field="先进制造", cooperation_mode=mode, province="江苏", now=NOW, status="open")
        uow.demands.add(demand)
        uow.commit()
        return demand.id


def test_closing_a_demand_by_a_deal_records_a_contract_with_the_enterprise_as_buyer(uow_factory, orgs, staff):
    did = _open_demand(uow_factory, orgs["江苏"][1])
    view = svc.close_demand_by_deal(uow_factory(), actor_id=staff["js_member"], demand_id=did, now=NOW, data={
        "seller_org_id": orgs["上海"][0], "contract_amount_fen": 80_000_000, "tech_amount_fen": 60_000_000,
        "signed_on": date(2025, 11, 1)})
    assert (view["source"], view["demand_id"], view["buyer_org_id"]) == ("demand", did, orgs["江苏"][1])
    assert (view["contract_type"], view["field"], view["market_code"]) == ("技术开发", "先进制造", "SH")
    with uow_factory() as uow:
        demand = uow.demands.get(did)
        assert demand.status == "closed"
        assert f"#{view['id']}" in demand.history[-1].reason
    with pytest.raises(Conflict):
        svc.close_demand_by_deal(uow_factory(), actor_id=staff["js_member"], demand_id=did, now=NOW, data={
            "seller_org_id": orgs["上海"][0], "contract_amount_fen": 1, "tech_amount_fen": 1,
            "signed_on": date(2025, 11, 1)})


def test_only_the_demands_enterprise_or_its_market_closes_it_by_a_deal(uow_factory, orgs, staff):
    did = _open_demand(uow_factory, orgs["江苏"][1])
    with pytest.raises(Forbidden):
        svc.close_demand_by_deal(uow_factory(), actor_id=staff["sh_member"], demand_id=did, now=NOW, data={
            "seller_org_id": orgs["上海"][0], "contract_amount_fen": 1, "tech_amount_fen": 1,
            "signed_on": date(2025, 11, 1)})


def test_deal_with_tech_amount_above_contract_amount_leaves_the_demand_open(uow_factory, orgs, staff):
    did = _open_demand(uow_factory, orgs["江苏"][1])
    with pytest.raises(ValidationFailed):
        svc.close_demand_by_deal(uow_factory(), actor_id=staff["op_js"], demand_id=did, now=NOW, data={
            "seller_org_id": orgs["上海"][0], "contract_amount_fen": 10, "tech_amount_fen": 11,
            "signed_on": date(2025, 11, 1)})
    with uow_factory() as uow:
        assert uow.demands.get(did).status == "open"
