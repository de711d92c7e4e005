"""The bid path on a real database (SQLite and PostgreSQL): one locked read, one write, and a
refusal that releases the lot before it records itself."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market.adapters import orm
from market.adapters.clock import FrozenClock
from market.adapters.orm_auctions import auction_bid_requests, auction_events, auction_lots
from market.domain.achievements import Achievement
from market.domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from market.services import auctions as svc

from auction_world import INC, START, T0, add_lot, register_all


def bid(w, user_index, clock, lot_id=None, **kw):
    return svc.place_bid(w.uow(), actor_id=w.bidders[user_index], lot_id=lot_id or w.lot_id,
                         clock=clock, **kw)


def lot_row(w):
    with w.engine.connect() as conn:
        return conn.execute(select(auction_lots).where(auction_lots.c.id == w.lot_id)).one()._mapping


def stored_bids(w):
    with w.uow() as uow:
        return [(b.seq, b.amount_fen, b.accepted, b.refusal)
                for b in svc.auctions_repo(uow).bids(w.lot_id)]


@pytest.fixture
def live(world):
    world.lot_id = add_lot(world, T0)
    register_all(world, world.lot_id, T0)
    return world


@pytest.fixture
def clock():
    return FrozenClock(T0 + timedelta(minutes=2))


def test_a_refused_bid_is_recorded_without_touching_the_lot(live, clock):
    w = live
    bid(w, 0, clock, amount_fen=START)
    before = lot_row(w)
    refused = bid(w, 1, clock, amount_fen=START)
    assert (refused["accepted"], refused["refusal"], refused["price_fen"]) == (False, "not_above_current", START)
    after = lot_row(w)
    assert (after["version"], after["event_seq"], after["bid_count"]) == \
        (before["version"], before["event_seq"], before["bid_count"])
    assert stored_bids(w) == [(1, START, True, None), (None, START, False, "not_above_current")]


def test_a_refused_bid_retried_with_its_key_gets_the_same_refusal_once(live, clock):
    w = live
    first = bid(w, 0, clock, amount_fen=START - INC, idempotency_key="low-1")
    again = bid(w, 0, clock, amount_fen=START - INC, idempotency_key="low-1")
    assert (first["refusal"], again["refusal"]) == ("below_start", "below_start")
    assert not first["replayed"] and again["replayed"] and again["bid"] == first["bid"]
    assert stored_bids(w) == [(None, START - INC, False, "below_start")]
    with w.engine.connect() as conn:
        assert conn.execute(select(auction_bid_requests.c.idempotency_key)).scalars().all() == ["low-1"]


def second_lot(w) -> int:
    with w.uow() as uow:
        a = Achievement(title="一种柔性钙钛矿组件的制备方法", holder_id=w.seller_org, market_code="SH",
                        field="新能源与高效节能", ip_type="发明专利", now=T0, province="上海")
        a.publish_imported(None, T0)
        uow.session.add(a)
        uow.commit()
        w.achievement_ids.append(a.id)
    lot_id = add_lot(w, T0, achievement=len(w.achievement_ids) - 1)
    register_all(w, lot_id, T0)
    return lot_id


def test_an_idempotency_key_cannot_be_reused_on_another_lot(live, clock):
    w = live
    other = second_lot(w)
    assert bid(w, 0, clock, amount_fen=START, idempotency_key="k-9")["accepted"]
    with pytest.raises(ValidationFailed) as err:
        bid(w, 0, clock, lot_id=other, amount_fen=START, idempotency_key="k-9")
    assert err.value.errors == {"Idempotency-Key": ["idempotency_key_reused"]}
    with w.uow() as uow:
        assert svc.auctions_repo(uow).bids(other) == []


def test_an_idempotency_key_reused_with_another_amount_is_refused_and_records_nothing(live, clock):
    w = live
    assert bid(w, 0, clock, amount_fen=START, idempotency_key="k-9")["accepted"]
    with pytest.raises(ValidationFailed) as err:
        bid(w, 0, clock, amount_fen=START + INC, idempotency_key="k-9")
    assert "k-9" in err.value.message
    assert bid(w, 0, clock, amount_fen=START, idempotency_key="k-9")["replayed"] is True
    assert stored_bids(w) == [(1, START, True, None)]


def test_a_bid_on_a_missing_lot_is_not_found(live, clock):
    with pytest.raises(NotFound):
        bid(live, 0, clock, lot_id=live.lot_id + 1000, amount_fen=START)


def test_a_deactivated_bidder_cannot_bid(live, clock):
    w = live
    with w.uow() as uow:
        uow.session.execute(update(orm.users).where(orm.users.c.id == w.bidders[0]).values(active=False))
        uow.commit()
    with pytest.raises(Unauthorized):
        bid(w, 0, clock, amount_fen=START)
    assert stored_bids(w) == []


def test_a_refused_first_bid_still_opens_the_lot_it_found_due(live, clock):
    w = live
    assert lot_row(w)["status"] == "scheduled"
    refused = bid(w, 0, clock, amount_fen=START - INC)
    assert refused["refusal"] == "below_start"
    assert lot_row(w)["status"] == "open"
    with w.engine.connect() as conn:
        types = conn.execute(select(auction_events.c.type).where(auction_events.c.lot_id == w.lot_id)
                             .order_by(auction_events.c.seq)).scalars().all()
    assert types == ["lot_opened"]


def test_an_equal_maximum_is_refused_but_the_leaders_proxy_answer_is_recorded(live, clock):
    w = live
    top = START + 5 * INC
    assert bid(w, 0, clock, max_amount_fen=top)["accepted"]
    tied = bid(w, 1, clock, max_amount_fen=top)
    assert (tied["accepted"], tied["refusal"], tied["price_fen"]) == (False, "tied_earlier_maximum", top)
    row = lot_row(w)
    assert (row["current_price_fen"], row["leader_id"], row["bid_count"]) == (top, w.bidder_orgs[0], 2)
    assert stored_bids(w) == [(1, START, True, None), (None, START + INC, False, "tied_earlier_maximum"),
                              (2, top, True, None)]
