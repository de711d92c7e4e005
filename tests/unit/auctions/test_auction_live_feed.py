"""The SSE follower: replay, live events in order, gaps filled from the store, resume by id."""
from __future__ import annotations

import threading

from market.adapters.events import FakeEventBus, follow, format_sse


def ev(seq, type_="bid_accepted"):
    return {"type": type_, "lot_id": 1, "seq": seq, "at": "2025-03-03T10:00:00+08:00"}


class Store:
    """Stands in for the auction_events table."""

    def __init__(self, events=()):
        self.events = list(events)
        self.reads = 0

    def after(self, seq):
        self.reads += 1
        return [e for e in self.events if e["seq"] > seq]


def ids(chunks):
    return [int(c.split("\n", 1)[0][4:]) for c in chunks if c.startswith("id: ")]


def test_stream_replays_what_the_client_missed_and_stops_after_the_close():
    store = Store([ev(1, "lot_opened"), ev(2), ev(3), ev(4, "lot_closed")])
    chunks = list(follow(FakeEventBus().subscribe(1), store.after, after=2, poll=0.01))
    assert chunks[0].startswith("retry:")
    assert ids(chunks) == [3, 4]


def test_live_events_follow_the_replay_and_duplicates_are_skipped():
    bus, store = FakeEventBus(), Store([ev(1)])
    sub = bus.subscribe(1)
    stream = follow(sub, store.after, after=0, poll=0.05)
    assert next(stream).startswith("retry:")
    assert ids([next(stream)]) == [1]
    bus.publish(1, ev(1))            # published before the client's replay read it: skipped
    bus.publish(1, ev(2))
    bus.publish(1, ev(3, "lot_closed"))
    assert ids(list(stream)) == [2, 3]


def test_a_gap_in_the_live_sequence_is_filled_from_the_store():
    bus, store = FakeEventBus(), Store([ev(1)])
    stream = follow(bus.subscribe(1), store.after, after=1, poll=0.05)
    next(stream)
    store.events += [ev(2), ev(3, "lot_closed")]
    bus.publish(1, ev(3, "lot_closed"))   # event 2's publish was lost
    assert ids(list(stream)) == [2, 3]


def test_stream_ends_after_max_seconds_and_unsubscribes():
    bus = FakeEventBus()
    chunks = list(follow(bus.subscribe(1), Store().after, after=0, poll=0.01, max_seconds=0.05))
    assert ids(chunks) == []
    assert bus._queues[1] == []


def test_sse_format_has_id_event_and_json_data():
    text = format_sse({"type": "bid_accepted", "seq": 7, "amount_fen": 100, "lot_id": 2})
    assert text.startswith("id: 7\nevent: bid_accepted\ndata: {") and text.endswith("\n\n")


def test_fake_bus_delivers_to_every_subscriber_across_threads():
    bus = FakeEventBus()
    subs = [bus.subscribe(5) for _ in range(3)]
    threading.Thread(target=bus.publish, args=(5, ev(1))).start()
    assert [s.get(timeout=2)["seq"] for s in subs] == [1, 1, 1]


def test_idle_stream_rereads_the_store_for_events_published_elsewhere():
    store = Store([ev(1)])
    stream = follow(FakeEventBus().subscribe(1), store.after, after=1, poll=0.01, idle_replay=0.0)
    next(stream)
    store.events.append(ev(2, "lot_closed"))   # written by another process, never published here
    assert ids(list(stream)) == [2]
