"""The `timed_window_started` event: the free period (自由报价期) is over and the timed window
(限时报价期) has begun; announced once, by the scheduler or by the first bid after it."""
from __future__ import annotations

from datetime import timedelta

START = 100_000_00


def test_first_bid_in_the_timed_window_announces_it_before_the_bid_and_the_restart(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())                      # free period
    at = lot.free_period_ends_at + timedelta(seconds=30)
    out = lot.place_bid(bidders(8), START + 5_000_00, at)
    assert [e["type"] for e in out.events] == ["timed_window_started", "bid_accepted", "window_restarted"]
    started = out.events[0]
    assert started["started_at"] == lot.free_period_ends_at.isoformat() and started["at"] == at.isoformat()
    assert lot.timed_window_started_at == at


def test_the_timed_window_is_announced_only_once(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())
    at = lot.free_period_ends_at
    assert [e["type"] for e in lot.start_timed_window(at)] == ["timed_window_started"]
    assert lot.start_timed_window(at + timedelta(seconds=1)) == []
    out = lot.place_bid(bidders(8), START + 5_000_00, at + timedelta(seconds=2))
    assert [e["type"] for e in out.events] == ["bid_accepted", "window_restarted"]


def test_the_timed_window_is_not_announced_during_the_free_period_or_on_a_lot_not_open(lot, bidders, clock):
    assert lot.start_timed_window(lot.free_period_ends_at) == []      # never opened
    lot.place_bid(bidders(7), START, clock.now())
    assert lot.start_timed_window(lot.free_period_ends_at - timedelta(seconds=1)) == []
    lot.cancel(clock.now(), "卖方撤回")
    assert lot.start_timed_window(lot.free_period_ends_at) == []
    assert lot.timed_window_started_at is None
