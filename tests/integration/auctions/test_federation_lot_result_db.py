"""A lot's result enters the change feed in the close's own transaction (SQLite and PostgreSQL),
with the hammer price and never the reserve or the leader's ceiling."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from market.adapters.clock import FrozenClock
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
from market.services import auctions as svc
from market.services.federation.changes import ChangeRecorder, list_changes

from auction_world import INC, START, T0, add_lot, register_all


def with_change_feed(world):
    factory = sessionmaker(bind=world.engine, expire_on_commit=False)
    recorder = ChangeRecorder(now=lambda: T0 + timedelta(minutes=32))
    world.uow_factory = lambda: SqlAlchemyUnitOfWork(factory, before_commit=[recorder.record])
    return world


def test_a_sold_lot_enters_the_change_feed_with_its_hammer_price_and_no_reserve(world):
    w = with_change_feed(world)
    w.lot_id = add_lot(w, T0, reserve=START + INC)
    register_all(w, w.lot_id, T0)
    clock = FrozenClock(T0 + timedelta(minutes=2))
    assert svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                         amount_fen=START + 2 * INC)["accepted"]
    assert list_changes(w.uow(), after=None, types=["lot"], limit=10)["changes"] == []   # not before the close
    clock.set(T0 + timedelta(minutes=32))
    assert svc.close_lot(w.uow(), w.lot_id, clock)["status"] == "sold"

    change, = list_changes(w.uow(), after=None, types=["lot"], limit=10)["changes"]
    result = change["object"]
    assert (change["event_type"], change["entity_id"]) == ("lot.result", w.lot_id)
    assert (result["status"], result["hammer_price_fen"], result["market_code"]) == ("sold", START + 2 * INC, "SH")
    assert not {"reserve_price_fen", "leader_max_fen", "leader_id"} & set(result)
    assert svc.close_lot(w.uow(), w.lot_id, clock) is None
    assert len(list_changes(w.uow(), after=None, types=["lot"], limit=10)["changes"]) == 1


def test_an_unsold_lot_is_a_result_too(world):
    w = with_change_feed(world)
    w.lot_id = add_lot(w, T0)
    clock = FrozenClock(T0 + timedelta(minutes=32))
    svc.close_lot(w.uow(), w.lot_id, clock)
    change, = list_changes(w.uow(), after=None, types=["lot"], limit=10)["changes"]
    assert (change["object"]["status"], change["object"]["hammer_price_fen"]) == ("unsold", None)
