"""A lot's life on a real database (SQLite and PostgreSQL): bids, close, confirmation, deposits."""
from __future__ import annotations

from datetime import timedelta

import pytest

from market.adapters.clock import FrozenClock
from market.adapters.events import FakeEventBus
from market.domain.errors import Conflict, Forbidden, IllegalTransition
from market.services import auctions as svc

from auction_world import INC, START, T0, add_lot, register_all


def bid(w, user_index, amount, clock, **kw):
    return svc.place_bid(w.uow(), actor_id=w.bidders[user_index], lot_id=w.lot_id, clock=clock,
                         amount_fen=amount, **kw)


@pytest.fixture
def live(world):
    world.lot_id = add_lot(world, T0)
    register_all(world, world.lot_id, T0)
    return world


def test_bids_are_recorded_in_order_and_the_lot_closes_sold(live):
    w, bus = live, FakeEventBus()
    clock = FrozenClock(T0 + timedelta(minutes=2))
    assert bid(w, 0, START, clock, bus=bus)["accepted"]
    assert bid(w, 1, START + INC, clock, bus=bus)["accepted"]
    refused = bid(w, 2, START + INC, clock, bus=bus)
    assert (refused["accepted"], refused["refusal"]) == (False, "not_above_current")
    with w.uow() as uow:
        bids = svc.auctions_repo(uow).bids(w.lot_id)
        assert [(b.seq, b.amount_fen, b.accepted) for b in bids] == [
            (1, START, True), (2, START + INC, True), (None, START + INC, False)]
    clock.set(T0 + timedelta(minutes=32))   # past the end (free period 30 min + 60 s window)
    result = svc.close_lot(w.uow(), w.lot_id, clock, bus=bus)
    assert (result["status"], result["hammer_price_fen"]) == ("sold", START + INC)
    assert svc.close_lot(w.uow(), w.lot_id, clock, bus=bus) is None
    view = svc.get_auction(w.uow(), w.auction_id, now=clock.now(), viewer_id=w.operator_id)
    lot = view["lots"][0]
    assert lot["status"] == "sold" and lot["confirmation"]["winner_id"] == w.bidder_orgs[1]
    deposits = {r["bidder_id"]: r["deposit"]["status"] for r in lot["registrations"]}
    assert deposits == {w.bidder_orgs[0]: "released", w.bidder_orgs[1]: "applied",
                        w.bidder_orgs[2]: "released"}
    types = [e["type"] for _, e in bus.published]
    assert types == ["lot_opened", "bid_accepted", "bid_accepted", "lot_closed"]
    assert [e["seq"] for _, e in bus.published] == [1, 2, 3, 4]


def test_crash_mid_close_leaves_the_lot_open_for_the_next_attempt(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    clock.set(T0 + timedelta(hours=1))
    with pytest.raises(RuntimeError):
        svc.close_lot(crash_before_commit(w.uow()), w.lot_id, clock)
    assert svc.get_lot(w.uow(), w.lot_id, now=clock.now())["status"] == "open"
    assert svc.close_lot(w.uow(), w.lot_id, clock)["status"] == "sold"
    with w.uow() as uow:
        repo = svc.auctions_repo(uow)
        assert repo.count_events(w.lot_id, "lot_closed") == 1


def test_idempotency_key_returns_the_first_answer(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    first = bid(w, 0, START, clock, idempotency_key="k-1")
    again = bid(w, 0, START, clock, idempotency_key="k-1")
    assert first["accepted"] and again["replayed"] and again["bid"] == first["bid"]
    with w.uow() as uow:
        assert len(svc.auctions_repo(uow).bids(w.lot_id)) == 1


def test_unsold_lot_returns_the_achievement_and_releases_every_deposit(world):
    w = world
    w.lot_id = add_lot(w, T0, reserve=START + 5 * INC)
    register_all(w, w.lot_id, T0)
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    clock.set(T0 + timedelta(hours=1))
    assert svc.close_lot(w.uow(), w.lot_id, clock)["status"] == "unsold"
    with w.uow() as uow:
        assert uow.achievements.get(w.achievement_ids[0]).status == "published"
        regs = svc.auctions_repo(uow).registrations_of(w.lot_id)
        assert {r.deposit.status for r in regs} == {"released"}


def test_a_sale_marks_the_achievement_sold_at_close(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    clock.set(T0 + timedelta(hours=1))
    svc.close_lot(w.uow(), w.lot_id, clock)
    with w.uow() as uow:
        achievement = uow.achievements.get(w.achievement_ids[0])
        assert achievement.status == "sold" and not achievement.is_public


def test_signing_keeps_the_achievement_sold(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    clock.set(T0 + timedelta(hours=1))
    conf_id = svc.close_lot(w.uow(), w.lot_id, clock)["confirmation_id"]
    signed = svc.sign_confirmation(w.uow(), actor_id=w.operator_id, confirmation_id=conf_id,
                                   now=clock.now())
    assert signed["status"] == "signed"
    with w.uow() as uow:
        assert uow.achievements.get(w.achievement_ids[0]).status == "sold"
    with pytest.raises(IllegalTransition):
        svc.sign_confirmation(w.uow(), actor_id=w.operator_id, confirmation_id=conf_id, now=clock.now())


def test_unsigned_confirmation_is_forfeited_by_the_sweep_and_the_lot_can_be_reoffered(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    clock.set(T0 + timedelta(hours=1))
    svc.close_lot(w.uow(), w.lot_id, clock)
    clock.set(T0 + timedelta(days=8))          # Mon + 5 working days = next Mon; +8 d = Tue
    result = svc.sweep(w.uow_factory, clock)
    assert len(result.forfeited) == 1
    with w.uow() as uow:
        reg = svc.auctions_repo(uow).registration(w.lot_id, w.bidder_orgs[0])
        assert reg.deposit.status == "forfeited"
        assert uow.achievements.get(w.achievement_ids[0]).status == "published"
    assert svc.sweep(w.uow_factory, clock).forfeited == []
    now = clock.now()
    new = svc.reoffer_lot(w.uow(), actor_id=w.operator_id, lot_id=w.lot_id, now=now,
                          starts_at=now + timedelta(hours=1), free_period_ends_at=now + timedelta(hours=2))
    assert new["reoffer_of_id"] == w.lot_id and new["status"] == "scheduled" and new["lot_no"] == 2


def test_achievement_cannot_be_in_two_live_lots(live):
    with pytest.raises(Conflict):
        add_lot(live, T0)


def test_seller_cannot_register(live):
    with pytest.raises(Forbidden):
        svc.register_for_lot(live.uow(), actor_id=live.seller_user, lot_id=live.lot_id, now=T0)


def test_cancel_releases_deposits_and_refuses_later_bids(live):
    w = live
    clock = FrozenClock(T0 + timedelta(minutes=2))
    bid(w, 0, START, clock)
    svc.cancel_lot(w.uow(), actor_id=w.operator_id, lot_id=w.lot_id, reason="权属争议", now=clock.now())
    assert bid(w, 1, START + INC, clock)["refusal"] == "lot_cancelled"
    with w.uow() as uow:
        regs = svc.auctions_repo(uow).registrations_of(w.lot_id)
        assert {r.deposit.status for r in regs} == {"released"}
        assert uow.achievements.get(w.achievement_ids[0]).status == "published"


def crash_before_commit(uow):
    """The unit of work, made to crash where it would commit (a process killed mid-change)."""
    def crash():
        raise RuntimeError("simulated crash before commit")
    uow.commit = crash
    return uow
