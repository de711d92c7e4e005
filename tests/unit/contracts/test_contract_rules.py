from datetime import date, timedelta

import pytest

from market.domain.contracts import Contract, registering_market
from market.domain.errors import Forbidden, IllegalTransition, ValidationFailed

from contract_builders import NOW, make_contract, make_user


def test_new_contract_is_submitted_and_registered_by_the_sellers_market():
    contract = make_contract(seller_province="浙江省", buyer_province="安徽")
    assert contract.status == "submitted"
    assert contract.market_code == "ZJ"
    assert contract.seller_province == "浙江"
    assert (contract.signed_year, contract.signed_month) == (2025, 3)


def test_tech_amount_above_contract_amount_is_rejected():
    with pytest.raises(ValidationFailed) as err:
        make_contract(contract_amount_fen=100, tech_amount_fen=101)
    assert "tech_amount_fen" in err.value.errors


@pytest.mark.parametrize("contract_amount, tech_amount, bad", [
    (0, 0, "contract_amount_fen"), (-5, 0, "contract_amount_fen"), (100, -1, "tech_amount_fen"),
    (10.5, 1, "contract_amount_fen"), (100, True, "tech_amount_fen"), ("100", 1, "contract_amount_fen"),
])
def test_amounts_must_be_positive_integer_fen(contract_amount, tech_amount, bad):
    with pytest.raises(ValidationFailed) as err:
        make_contract(contract_amount_fen=contract_amount, tech_amount_fen=tech_amount)
    assert bad in err.value.errors


def test_tech_amount_equal_to_contract_amount_is_allowed():
    assert make_contract(contract_amount_fen=500, tech_amount_fen=500).tech_amount_fen == 500


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationFailed) as err:
        make_contract(contract_type="技术买卖", field="玄学", seller_province="火星", buyer_province="",
                      source="fax", title=" ")
    assert {"contract_type", "field", "seller_province", "buyer_province", "source", "title"} <= set(err.value.errors)


def test_seller_and_buyer_must_differ():
    with pytest.raises(ValidationFailed) as err:
        make_contract(buyer_org_id=1)
    assert "buyer_org_id" in err.value.errors


def test_signed_date_in_the_future_is_rejected():
    with pytest.raises(ValidationFailed) as err:
        make_contract(signed_on=NOW.date() + timedelta(days=2))
    assert "signed_on" in err.value.errors


def test_abroad_buyer_is_accepted_under_its_canonical_name():
    assert make_contract(buyer_province="abroad").buyer_province == "境外"


def test_seller_outside_the_delta_needs_the_deal_market():
    with pytest.raises(ValidationFailed) as err:
        make_contract(seller_province="北京")
    assert "market_code" in err.value.errors
    assert make_contract(seller_province="北京", market_code="AH").market_code == "AH"


def test_delta_seller_cannot_be_registered_by_another_market():
    with pytest.raises(ValidationFailed) as err:
        make_contract(seller_province="上海", market_code="JS")
    assert "market_code" in err.value.errors


def test_registering_market_prefers_the_sellers_province():
    assert registering_market("安徽", "SH") == "AH"
    assert registering_market("广东", "SH") == "SH"
    assert registering_market("境外", None) is None


def test_operator_of_sellers_market_registers(sh_operator):
    contract = make_contract()
    contract.register(sh_operator, "2025310000001", NOW)
    assert contract.status == "registered" and contract.counts_officially
    assert contract.registration_number == "2025310000001"
    assert contract.registered_by_id == sh_operator.id
    assert contract.history[-1].to_status == "registered"


@pytest.mark.parametrize("who", ["js_operator", "admin", "seller_member"])
def test_nobody_else_may_register(who, request):
    contract = make_contract()
    with pytest.raises(Forbidden):
        contract.register(request.getfixturevalue(who), "N1", NOW)
    with pytest.raises(Forbidden):
        contract.refuse(request.getfixturevalue(who), "资料不全", NOW)
    assert contract.status == "submitted"


def test_refusal_needs_a_reason_and_is_recorded(sh_operator):
    contract = make_contract()
    with pytest.raises(ValidationFailed):
        contract.refuse(sh_operator, "  ", NOW)
    contract.refuse(sh_operator, "非技术合同", NOW)
    assert contract.status == "refused" and contract.refusal_reason == "非技术合同"
    assert not contract.counts_officially


def test_registration_number_is_required(sh_operator):
    with pytest.raises(ValidationFailed):
        make_contract().register(sh_operator, "", NOW)


def test_registered_contract_cannot_be_registered_or_refused_again(sh_operator):
    contract = make_contract()
    contract.register(sh_operator, "N1", NOW)
    with pytest.raises(IllegalTransition):
        contract.register(sh_operator, "N2", NOW)
    with pytest.raises(IllegalTransition):
        contract.refuse(sh_operator, "重复", NOW)


def test_refused_contract_may_be_resubmitted_by_a_party_then_registered(sh_operator, seller_member):
    contract = make_contract()
    contract.refuse(sh_operator, "资料不全", NOW)
    contract.resubmit(seller_member, NOW)
    assert contract.status == "submitted" and contract.refusal_reason is None
    contract.register(sh_operator, "N9", NOW)
    assert [h.to_status for h in contract.history] == ["submitted", "refused", "submitted", "registered"]


def test_revoking_a_registration_takes_the_contract_out_of_official_figures(sh_operator):
    contract = make_contract()
    contract.register(sh_operator, "N1", NOW)
    contract.revoke(sh_operator, "虚假合同", NOW)
    assert contract.status == "refused" and contract.registration_number is None
    assert contract.history[-1].detail == {"registration_number": "N1"}


def test_stranger_cannot_resubmit(sh_operator):
    contract = make_contract()
    contract.refuse(sh_operator, "资料不全", NOW)
    with pytest.raises(Forbidden):
        contract.resubmit(make_user("member", uid=99, organisation_id=77), NOW)


def test_party_amends_amounts_and_history_keeps_old_and_new(seller_member):
    contract = make_contract()
    diff = contract.amend(seller_member, {"contract_amount_fen": 2_000_000_00}, NOW)
    assert diff == {"contract_amount_fen": [1_000_000_00, 2_000_000_00]}
    assert contract.history[-1].detail == diff


def test_amend_cannot_push_tech_amount_above_contract_amount(seller_member):
    contract = make_contract(contract_amount_fen=1000, tech_amount_fen=900)
    with pytest.raises(ValidationFailed) as err:
        contract.amend(seller_member, {"contract_amount_fen": 800}, NOW)
    assert "tech_amount_fen" in err.value.errors
    assert contract.contract_amount_fen == 1000


def test_amend_moves_the_period_with_the_date(seller_member):
    contract = make_contract()
    contract.amend(seller_member, {"signed_on": date(2024, 11, 2)}, NOW)
    assert (contract.signed_year, contract.signed_month) == (2024, 11)


def test_registered_contract_is_amended_only_by_its_registrar(sh_operator, js_operator, seller_member):
    contract = make_contract()
    contract.register(sh_operator, "N1", NOW)
    for user in (seller_member, js_operator):
        with pytest.raises(Forbidden):
            contract.amend(user, {"tech_amount_fen": 1}, NOW)
    contract.amend(sh_operator, {"tech_amount_fen": 1}, NOW)
    assert contract.status == "registered" and contract.tech_amount_fen == 1


def test_unknown_amendment_field_is_rejected(seller_member):
    with pytest.raises(ValidationFailed):
        make_contract().amend(seller_member, {"seller_province": "北京"}, NOW)


def test_unchanged_amendment_records_nothing(seller_member):
    contract = make_contract()
    before = len(contract.history)
    assert contract.amend(seller_member, {"field": "新材料"}, NOW) == {}
    assert len(contract.history) == before


def test_contract_constructor_refuses_unknown_source():
    with pytest.raises(ValidationFailed):
        Contract(title="t", contract_type="技术服务", field="农业", seller_org_id=1, seller_province="安徽",
                 buyer_org_id=2, buyer_province="安徽", contract_amount_fen=1, tech_amount_fen=1,
                 signed_on=date(2025, 1, 1), source="gift", market_code=None, now=NOW)
