"""The timed window's start is stored once on a real database (SQLite and PostgreSQL): by the
sweep when no bid came first, by the bid's own write (PostgreSQL: its one statement) otherwise."""
from __future__ import annotations

from datetime import timedelta

from market.adapters.clock import FrozenClock
from market.adapters.events import FakeEventBus
from market.services import auctions as svc

from auction_world import START, T0, add_lot, register_all


def types_of(w) -> list[str]:
    return [e["type"] for e in svc.lot_events_after(w.uow(), w.lot_id, 0)]


def opened_lot(w, clock, bus):
    w.lot_id = add_lot(w, T0)
    register_all(w, w.lot_id, T0)
    assert svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                         amount_fen=START, bus=bus)["accepted"]


def test_the_sweep_announces_the_timed_window_once(world):
    bus, clock = FakeEventBus(), FrozenClock(T0 + timedelta(minutes=2))
    opened_lot(world, clock, bus)
    clock.set(T0 + timedelta(minutes=31, seconds=5))    # free period (30 min from the start at +1) over
    assert svc.sweep(world.uow, clock, bus=bus).windows == [world.lot_id]
    assert svc.sweep(world.uow, clock, bus=bus).windows == []
    assert types_of(world) == ["lot_opened", "bid_accepted", "timed_window_started"]
    assert bus.published[-1][1]["type"] == "timed_window_started"


def test_a_bid_that_announces_the_timed_window_leaves_nothing_for_the_sweep(world):
    bus, clock = FakeEventBus(), FrozenClock(T0 + timedelta(minutes=2))
    opened_lot(world, clock, bus)
    clock.set(T0 + timedelta(minutes=31, seconds=5))
    assert svc.place_bid(world.uow(), actor_id=world.bidders[1], lot_id=world.lot_id, clock=clock,
                         amount_fen=START + 1_000_00, bus=bus)["accepted"]
    assert svc.sweep(world.uow, clock, bus=bus).windows == []
    assert types_of(world) == ["lot_opened", "bid_accepted", "timed_window_started", "bid_accepted",
                               "window_restarted"]
