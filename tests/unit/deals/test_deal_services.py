"""The deal services on the in-memory unit of work and a frozen clock: from interest to contract."""
from datetime import timedelta

import pytest

from deal_builders import NOW, World
from deal_fakes import FakeDealUnitOfWork
from market.adapters.clock import FrozenClock
from market.domain.errors import Conflict, IllegalTransition, NotFound
from market.services import deals as svc
from market.services import publicity as pub


@pytest.fixture
def w():
    return World()


@pytest.fixture
def uow(w):
    u = FakeDealUnitOfWork()
    for org in (w.uni, w.corp, w.corp2):
        u.organisations.add(org)
    for user in (w.holder, w.buyer, w.buyer2, w.op_sh, w.op_js, w.admin):
        u.users.add(user)
    u.achievements.add(w.achievement)
    u.commit()
    return u


def _agree(uow, w, buyer=None, now=NOW, price_fen=4_500_000):
    buyer = buyer or w.buyer
    interest = svc.register_interest(uow, actor_id=buyer.id, achievement_id=w.achievement.id, message="想洽谈", now=now)
    negotiation = svc.accept_interest(uow, actor_id=w.holder.id, interest_id=interest["id"], now=now)
    offer = svc.make_offer(uow, actor_id=buyer.id, negotiation_id=negotiation["id"],
                           terms={"price_fen": price_fen, "transfer_mode": "转让"}, now=now)
    return svc.accept_offer(uow, actor_id=w.holder.id, offer_id=offer["id"], now=now)


def test_a_publicly_funded_sellers_deal_goes_through_publicity_before_its_contract(uow, w):
    agreement = _agree(uow, w)
    assert agreement["status"] == "in_publicity" and agreement["publicity_notice_id"] is not None
    assert w.achievement.status == "in_agreement"
    notice = pub.get_notice(uow, notice_id=agreement["publicity_notice_id"])
    assert (notice["price_fen"], notice["seller"]["name"], notice["buyer"]["name"]) == (4_500_000, w.uni.name, w.corp.name)
    with pytest.raises(IllegalTransition):
        svc.sign_agreement(uow, actor_id=w.buyer.id, agreement_id=agreement["id"], now=NOW)
    clock = FrozenClock(notice["ends_at"])
    result = pub.sweep_publicity(uow, clock)
    assert result.ended == [notice["id"]]
    assert pub.sweep_publicity(uow, clock).ended == []          # exactly once
    signed = svc.sign_agreement(uow, actor_id=w.buyer.id, agreement_id=agreement["id"], now=clock.now())
    assert signed["status"] == "signed" and w.achievement.status == "sold"
    contract = uow.contracts.get(signed["contract_id"])
    assert (contract.source, contract.agreement_id, contract.publicity_notice_id, contract.achievement_id) == (
        "agreement", agreement["id"], notice["id"], w.achievement.id)
    assert (contract.contract_amount_fen, contract.contract_type, contract.market_code) == (4_500_000, "技术转让", "SH")
    again = svc.sign_agreement(uow, actor_id=w.buyer.id, agreement_id=agreement["id"], now=clock.now())
    assert again["contract_id"] == contract.id and len(uow.contracts.items) == 1


def test_a_company_seller_signs_at_once_without_a_notice():
    w = World(seller_kind="enterprise")
    u = FakeDealUnitOfWork()
    for org in (w.uni, w.corp, w.corp2):
        u.organisations.add(org)
    for user in (w.holder, w.buyer):
        u.users.add(user)
    u.achievements.add(w.achievement)
    u.commit()
    agreement = _agree(u, w)
    assert (agreement["status"], agreement["publicity_notice_id"]) == ("signable", None)
    assert svc.sign_agreement(u, actor_id=w.holder.id, agreement_id=agreement["id"], now=NOW)["status"] == "signed"


def test_an_upheld_objection_voids_the_deal_and_returns_the_achievement(uow, w):
    agreement = _agree(uow, w)
    notice = pub.get_notice(uow, notice_id=agreement["publicity_notice_id"])
    inside = notice["starts_at"] + timedelta(days=1)
    objection = pub.file_objection(uow, actor_id=w.buyer2.id, notice_id=notice["id"], reason="价格偏低", now=inside)
    ruled = pub.rule_objection(uow, actor_id=w.op_sh.id, objection_id=objection["id"], decision="upheld",
                               reason="未做资产评估", now=inside)
    assert ruled["agreement_status"] == "voided"
    assert w.achievement.status == "published"
    assert pub.get_notice(uow, notice_id=notice["id"])["status"] == "voided"
    assert svc.get_negotiation(uow, actor_id=w.buyer.id, negotiation_id=agreement["negotiation_id"],
                               now=inside)["status"] == "closed"
    assert svc.list_interests(uow, actor_id=w.buyer.id, status="closed")["total"] == 1
    assert pub.sweep_publicity(uow, FrozenClock(notice["ends_at"])).ended == []
    # the achievement is on the market again: another company can agree on it
    assert _agree(uow, w, buyer=w.buyer2, now=inside)["status"] == "in_publicity"


def test_a_dismissal_after_the_end_makes_the_deal_signable(uow, w):
    agreement = _agree(uow, w)
    notice = pub.get_notice(uow, notice_id=agreement["publicity_notice_id"])
    objection = pub.file_objection(uow, actor_id=w.op_js.id, notice_id=notice["id"], reason="请核实",
                                   now=notice["starts_at"])
    pub.sweep_publicity(uow, FrozenClock(notice["ends_at"]))
    assert svc.get_agreement(uow, actor_id=w.buyer.id, agreement_id=agreement["id"])["status"] == "in_publicity"
    ruled = pub.rule_objection(uow, actor_id=w.op_sh.id, objection_id=objection["id"], decision="dismissed",
                               reason="已核实", now=notice["ends_at"] + timedelta(hours=1))
    assert ruled["agreement_status"] == "signable"


def test_a_second_agreement_on_the_same_achievement_is_refused(uow, w):
    first = svc.register_interest(uow, actor_id=w.buyer.id, achievement_id=w.achievement.id, message="a", now=NOW)
    second = svc.register_interest(uow, actor_id=w.buyer2.id, achievement_id=w.achievement.id, message="b", now=NOW)
    offers = []
    for interest, buyer in ((first, w.buyer), (second, w.buyer2)):
        n = svc.accept_interest(uow, actor_id=w.holder.id, interest_id=interest["id"], now=NOW)
        offers.append(svc.make_offer(uow, actor_id=buyer.id, negotiation_id=n["id"],
                                     terms={"price_fen": 100, "transfer_mode": "转让"}, now=NOW))
    svc.accept_offer(uow, actor_id=w.holder.id, offer_id=offers[0]["id"], now=NOW)
    with pytest.raises(Conflict):
        svc.accept_offer(uow, actor_id=w.holder.id, offer_id=offers[1]["id"], now=NOW)


def test_outsiders_get_404_for_interests_negotiations_and_agreements(uow, w):
    agreement = _agree(uow, w)
    with pytest.raises(NotFound):
        svc.get_agreement(uow, actor_id=w.buyer2.id, agreement_id=agreement["id"])
    with pytest.raises(NotFound):
        svc.get_negotiation(uow, actor_id=w.op_js.id, negotiation_id=agreement["negotiation_id"], now=NOW)
    assert svc.get_negotiation(uow, actor_id=w.op_sh.id, negotiation_id=agreement["negotiation_id"],
                               now=NOW)["agreement_id"] == agreement["id"]
    assert svc.list_interests(uow, actor_id=w.buyer2.id)["total"] == 0
    assert svc.list_interests(uow, actor_id=w.op_sh.id)["total"] == 1


def test_a_company_registers_one_open_interest_per_achievement(uow, w):
    svc.register_interest(uow, actor_id=w.buyer.id, achievement_id=w.achievement.id, message="a", now=NOW)
    with pytest.raises(Conflict):
        svc.register_interest(uow, actor_id=w.buyer.id, achievement_id=w.achievement.id, message="b", now=NOW)


def test_publicity_length_comes_from_the_market_configuration(uow, w):
    rules = svc.DealRules(publicity_days={"SH": 20})
    interest = svc.register_interest(uow, actor_id=w.buyer.id, achievement_id=w.achievement.id, message="a", now=NOW)
    n = svc.accept_interest(uow, actor_id=w.holder.id, interest_id=interest["id"], now=NOW)
    o = svc.make_offer(uow, actor_id=w.buyer.id, negotiation_id=n["id"], terms={"price_fen": 1, "transfer_mode": "转让"},
                       now=NOW)
    agreement = svc.accept_offer(uow, actor_id=w.holder.id, offer_id=o["id"], now=NOW, rules=rules)
    notice = pub.get_notice(uow, notice_id=agreement["publicity_notice_id"])
    assert notice["days"] == 20 and notice["ends_at"] - notice["starts_at"] == timedelta(days=20)


def test_a_configured_publicity_below_15_days_is_refused():
    with pytest.raises(ValueError):
        svc.rules_from_config({"PUBLICITY_DAYS": {"JS": 10}})
    assert svc.rules_from_config({}).days_for("AH") == 15
