"""The auction use cases on the in-memory unit of work and a frozen clock: from a lot to its close,
its deposits' settlement and its confirmation, with the live events published only on commit."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from auction_fakes import T0, AuctionWorld, RecordingPublisher
from market.adapters.clock import FrozenClock
from market.domain.errors import Forbidden
from market.services import auctions as svc

START, STEP = 1_000_000, 100_000


@pytest.fixture
def w():
    return AuctionWorld()


def _lot(w, *, free_minutes=60, window=300):
    auction = svc.create_auction(w.uow, actor_id=w.operator.id, market_code="SH", title="拍卖会", now=T0)
    return svc.add_lot(w.uow, actor_id=w.operator.id, auction_id=auction["id"], achievement_id=w.achievement.id,
                       starting_price_fen=START, increment_fen=STEP, deposit_fen=200_000, starts_at=T0,
                       free_period_ends_at=T0 + timedelta(minutes=free_minutes), window_seconds=window, now=T0)


def _registered(w, lot, bidders=None):
    regs = []
    for bidder in bidders or w.bidders:
        reg = svc.register_for_lot(w.uow, actor_id=bidder.id, lot_id=lot["id"], now=T0)
        svc.confirm_deposit(w.uow, actor_id=w.operator.id, deposit_id=reg["deposit"]["id"], now=T0,
                            reference=f"BANK-{reg['id']}")
        regs.append(reg)
    return regs


def _bid(w, lot, bidder, amount, minutes=5, **kw):
    return svc.place_bid(w.uow, actor_id=bidder.id, lot_id=lot["id"], amount_fen=amount,
                         clock=FrozenClock(T0 + timedelta(minutes=minutes)), **kw)


def test_an_accepted_bid_is_answered_with_times_and_its_events_published_after_the_commit(w):
    lot = _lot(w)
    _registered(w, lot)
    bus = RecordingPublisher()
    commits = w.uow.committed
    answer = _bid(w, lot, w.bidders[0], START, bus=bus)
    assert answer["accepted"] and answer["price_fen"] == START
    assert isinstance(answer["server_now"], datetime) and isinstance(answer["bid"]["at"], datetime)
    assert w.uow.committed == commits + 1
    assert [e["type"] for _, e in bus.published] == ["lot_opened", "bid_accepted"]
    assert [e["seq"] for _, e in bus.published] == [1, 2]


def test_a_refused_bid_is_recorded_and_publishes_nothing(w):
    lot = _lot(w)
    _registered(w, lot)
    _bid(w, lot, w.bidders[0], START)
    bus = RecordingPublisher()
    answer = _bid(w, lot, w.bidders[1], START, minutes=6, bus=bus)
    assert not answer["accepted"] and answer["refusal"] == "not_above_current"
    assert bus.published == []
    assert [b.accepted for b in w.uow.auctions.bids(lot["id"])] == [True, False]


def test_the_same_idempotency_key_replays_the_first_answer(w):
    lot = _lot(w)
    _registered(w, lot)
    first = _bid(w, lot, w.bidders[0], START, idempotency_key="k-1")
    again = _bid(w, lot, w.bidders[0], START, minutes=7, idempotency_key="k-1")
    assert again["replayed"] and again["bid"] == first["bid"]
    assert again["server_now"] == T0 + timedelta(minutes=7)
    assert len(w.uow.auctions.bids(lot["id"])) == 1


def test_closing_a_sold_lot_applies_the_winners_deposit_releases_the_others_and_issues_a_confirmation(w):
    lot = _lot(w)
    winner, other = _registered(w, lot)
    _bid(w, lot, w.bidders[0], START)
    bus = RecordingPublisher()
    result = svc.close_lot(w.uow, lot["id"], FrozenClock(T0 + timedelta(hours=2)), bus=bus)
    assert result["status"] == "sold" and result["winner_id"] == w.corp.id
    assert isinstance(result["closed_at"], datetime)
    deposits = w.uow.deposits
    assert deposits.get(winner["deposit"]["id"]).status == "applied"
    assert deposits.get(other["deposit"]["id"]).status == "released"
    assert w.uow.auctions.confirmation(result["confirmation_id"]).status == "pending"
    assert w.achievement.status == "sold"
    assert [e["type"] for _, e in bus.published] == ["lot_closed"]
    # the message bus recorded each move in the deposit's payment history (manual deposits: no command)
    kinds = [h["kind"] for h in w.uow.payments.history(winner["deposit"]["id"])]
    assert kinds == ["deposit_held", "deposit_applied"] and w.uow.payments.outbox == {}


def test_a_second_close_of_the_same_lot_does_nothing(w):
    lot = _lot(w)
    _registered(w, lot)
    _bid(w, lot, w.bidders[0], START)
    clock = FrozenClock(T0 + timedelta(hours=2))
    assert svc.close_lot(w.uow, lot["id"], clock)["status"] == "sold"
    assert svc.close_lot(w.uow, lot["id"], clock) is None
    assert [e["type"] for e in w.uow.auctions.events].count("lot_closed") == 1


def test_an_unsold_lot_returns_its_achievement_to_the_market(w):
    lot = _lot(w)
    _registered(w, lot)
    result = svc.close_lot(w.uow, lot["id"], FrozenClock(T0 + timedelta(hours=2)))
    assert result["status"] == "unsold" and result["confirmation_id"] is None
    assert w.achievement.status == "published"


def test_only_an_operator_of_the_lots_market_closes_it_by_hand(w):
    lot = _lot(w)
    clock = FrozenClock(T0 + timedelta(hours=2))
    with pytest.raises(Forbidden):
        svc.close_lot_by_hand(w.uow, actor_id=w.holder.id, lot_id=lot["id"], clock=clock)
    assert svc.close_lot_by_hand(w.uow, actor_id=w.operator.id, lot_id=lot["id"], clock=clock)["status"] == "unsold"


def test_cancelling_a_lot_releases_the_deposits_and_publishes_the_cancellation(w):
    lot = _lot(w)
    regs = _registered(w, lot)
    bus = RecordingPublisher()
    view = svc.cancel_lot(w.uow, actor_id=w.operator.id, lot_id=lot["id"], reason="权属争议",
                          now=T0 + timedelta(minutes=3), bus=bus)
    assert view["status"] == "cancelled"
    assert {w.uow.deposits.get(r["deposit"]["id"]).status for r in regs} == {"released"}
    assert [e["type"] for _, e in bus.published] == ["lot_cancelled"]
    assert w.achievement.status == "published"


def test_the_sweep_closes_due_lots_and_forfeits_confirmations_unsigned_by_their_deadline(w):
    lot = _lot(w)
    winner, _ = _registered(w, lot)
    _bid(w, lot, w.bidders[0], START)
    closed = svc.sweep(w.uow, FrozenClock(T0 + timedelta(hours=2)))
    assert closed.closed == [lot["id"]] and closed.forfeited == []
    later = svc.sweep(w.uow, FrozenClock(T0 + timedelta(days=14)))
    assert len(later.forfeited) == 1
    assert w.uow.deposits.get(winner["deposit"]["id"]).status == "forfeited"
    assert w.achievement.status == "published"


def test_a_signed_confirmation_is_not_forfeited(w, monkeypatch):
    lot = _lot(w)
    _registered(w, lot)
    _bid(w, lot, w.bidders[0], START)
    result = svc.close_lot(w.uow, lot["id"], FrozenClock(T0 + timedelta(hours=2)))
    monkeypatch.setattr(svc, "record_auction_sale", lambda uow, **kw: None)   # no contracts here
    signed = svc.sign_confirmation(w.uow, actor_id=w.operator.id, confirmation_id=result["confirmation_id"],
                                   now=T0 + timedelta(days=1))
    assert signed["status"] == "signed"
    assert svc.sweep(w.uow, FrozenClock(T0 + timedelta(days=14))).forfeited == []
