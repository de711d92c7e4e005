"""Interest, negotiation and offer rules on a frozen clock."""
from datetime import timedelta

import pytest

from deal_builders import NOW, World
from market.domain.deals import Interest
from market.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed


@pytest.fixture
def w():
    return World()


def test_a_company_member_registers_interest_which_the_holder_answers(w):
    interest = Interest(achievement=w.achievement, buyer_org=w.corp, user=w.buyer, message=" 想了解许可条件 ", now=NOW)
    assert (interest.status, interest.message, interest.market_code) == ("pending", "想了解许可条件", "SH")
    assert interest.visible_to(w.holder) and interest.visible_to(w.op_sh) and interest.visible_to(w.buyer)
    assert not interest.visible_to(w.buyer2) and not interest.visible_to(w.op_js)
    negotiation = interest.accept(w.holder, NOW)
    assert interest.status == "negotiating" and negotiation.status == "open"
    assert (negotiation.buyer_org_id, negotiation.seller_org_id) == (w.corp.id, w.uni.id)


def test_interest_needs_a_message_and_a_company_member_of_that_company(w):
    with pytest.raises(ValidationFailed) as exc:
        Interest(achievement=w.achievement, buyer_org=w.corp, user=w.buyer, message="  ", now=NOW)
    assert "message" in exc.value.errors
    with pytest.raises(Forbidden):
        Interest(achievement=w.achievement, buyer_org=w.corp, user=w.buyer2, message="hi", now=NOW)
    with pytest.raises(Forbidden):
        Interest(achievement=w.achievement, buyer_org=w.uni, user=w.holder, message="hi", now=NOW)


def test_interest_in_an_achievement_out_of_the_market_is_refused(w):
    w.achievement.start_auction(20, NOW)
    with pytest.raises(Conflict):
        Interest(achievement=w.achievement, buyer_org=w.corp, user=w.buyer, message="hi", now=NOW)


def test_only_the_holder_answers_and_a_decline_needs_a_reason(w):
    interest = Interest(achievement=w.achievement, buyer_org=w.corp, user=w.buyer, message="hi", now=NOW)
    for outsider in (w.buyer, w.op_sh, w.admin):
        with pytest.raises(Forbidden):
            interest.accept(outsider, NOW)
    with pytest.raises(ValidationFailed):
        interest.decline(w.holder, "", NOW)
    interest.decline(w.holder, "已有合作方", NOW)
    assert (interest.status, interest.decline_reason) == ("declined", "已有合作方")
    with pytest.raises(IllegalTransition):
        interest.accept(w.holder, NOW)


def test_an_offer_expires_after_its_validity_and_cannot_then_be_accepted(w):
    n = w.negotiation()
    offer = n.propose(w.buyer, price_fen=4_000_000, transfer_mode="转让", valid_days=3, now=NOW)
    assert offer.expires_at == NOW + timedelta(days=3)
    assert offer.display_status(NOW + timedelta(days=3) - timedelta(seconds=1)) == "open"
    assert offer.display_status(NOW + timedelta(days=3)) == "expired"
    with pytest.raises(IllegalTransition):
        n.accept(w.holder, offer, NOW + timedelta(days=3))
    assert n.status == "open"
    # once lapsed, either side may propose again
    again = n.propose(w.holder, price_fen=4_800_000, transfer_mode="转让", now=NOW + timedelta(days=4))
    assert again.side == "holder"


def test_a_counter_offer_replaces_the_open_one_and_is_answered_by_the_first_side(w):
    n = w.negotiation()
    first = n.propose(w.buyer, price_fen=4_000_000, transfer_mode="转让", now=NOW)
    first.id = 1
    with pytest.raises(Conflict):
        n.propose(w.holder, price_fen=4_800_000, transfer_mode="转让", now=NOW)
    with pytest.raises(Forbidden):
        n.counter(w.buyer, first, price_fen=4_100_000, transfer_mode="转让", now=NOW)
    counter = n.counter(w.holder, first, price_fen=4_600_000, transfer_mode="普通许可",
                        payment_terms="签约后30日内付清", now=NOW + timedelta(hours=1))
    assert (first.status, counter.status, counter.side, counter.replaces_id) == ("countered", "open", "holder", 1)
    n.accept(w.buyer, counter, NOW + timedelta(hours=2))
    assert (counter.status, n.status) == ("accepted", "agreed")


def test_a_bad_counter_leaves_the_offer_open(w):
    n = w.negotiation()
    first = n.propose(w.buyer, price_fen=4_000_000, transfer_mode="转让", now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        n.counter(w.holder, first, price_fen=-1, transfer_mode="独占许可", now=NOW,
                  allowed_modes=w.achievement.transfer_modes)
    assert set(exc.value.errors) == {"price_fen", "transfer_mode"}
    assert first.status == "open"


def test_offer_terms_are_checked(w):
    n = w.negotiation()
    with pytest.raises(ValidationFailed) as exc:
        n.propose(w.buyer, price_fen=1.5, transfer_mode="赠与", valid_days=0, now=NOW)
    assert set(exc.value.errors) == {"price_fen", "transfer_mode", "valid_days"}


def test_only_one_offer_of_a_negotiation_is_accepted(w):
    n = w.negotiation()
    offer = n.propose(w.buyer, price_fen=4_000_000, transfer_mode="转让", now=NOW)
    n.accept(w.holder, offer, NOW)
    with pytest.raises(IllegalTransition):
        n.accept(w.holder, offer, NOW)
    with pytest.raises(IllegalTransition):
        n.propose(w.buyer, price_fen=4_100_000, transfer_mode="转让", now=NOW)


def test_outsiders_neither_see_nor_make_offers(w):
    n = w.negotiation()
    for outsider in (w.buyer2, w.op_js):
        assert not n.visible_to(outsider)
        with pytest.raises(Forbidden):
            n.propose(outsider, price_fen=1, transfer_mode="转让", now=NOW)
    assert n.visible_to(w.op_sh) and n.visible_to(w.admin)
    with pytest.raises(Forbidden):
        n.propose(w.op_sh, price_fen=1, transfer_mode="转让", now=NOW)


def test_a_decline_answers_the_offer_and_keeps_the_negotiation_open(w):
    n = w.negotiation()
    offer = n.propose(w.buyer, price_fen=4_000_000, transfer_mode="转让", now=NOW)
    n.decline(w.holder, offer, "价格过低", NOW)
    assert (offer.status, offer.decline_reason, n.status) == ("declined", "价格过低", "open")


def test_a_publicly_funded_sellers_agreement_waits_for_publicity_others_sign_at_once():
    public = World().agreement()
    assert public.status == "in_publicity"
    with pytest.raises(IllegalTransition):
        public.sign(World().holder, NOW)
    private = World(seller_kind="enterprise").agreement()
    assert private.status == "signable"


def test_an_institute_can_be_flagged_not_publicly_funded_and_a_company_funded():
    assert World(seller_kind="research_institute", publicly_funded=False).agreement().status == "signable"
    assert World(seller_kind="enterprise", publicly_funded=True).agreement().status == "in_publicity"


def test_agreement_takes_the_offers_terms_and_only_parties_or_the_market_sign(w):
    agreement = w.agreement(price_fen=4_200_000)
    assert (agreement.price_fen, agreement.transfer_mode, agreement.contract_type) == (4_200_000, "转让", "技术转让")
    agreement.become_signable(NOW + timedelta(days=20))
    with pytest.raises(Forbidden):
        agreement.sign(w.buyer2, NOW)
    agreement.sign(w.buyer, NOW + timedelta(days=20))
    assert agreement.status == "signed"
    with pytest.raises(IllegalTransition):
        agreement.void("late", NOW)


def test_accepting_an_agreement_takes_the_achievement_out_of_the_market(w):
    w.achievement.start_agreement(10, NOW)
    assert w.achievement.status == "in_agreement" and w.achievement.is_public
    with pytest.raises(IllegalTransition):
        w.achievement.start_auction(20, NOW)
    with pytest.raises(IllegalTransition):
        w.achievement.start_agreement(10, NOW)
    w.achievement.void_agreement(20, NOW, reason="异议成立")
    assert w.achievement.status == "published"
