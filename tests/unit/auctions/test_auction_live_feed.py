"""The live feed on fakes: one process's fan-out (bounded queues, drop policy), the lot and
auction-day streams over it (replay, order, gaps, resume by id), heartbeats and departed clients."""
from __future__ import annotations

import json
import threading

from market.adapters.events import FakeEventBus
from market.services.fanout import FanOut
from market.services.live_feed import FeedSettings, LiveFeed
from market.services.live_stream import AuctionCursor, LotCursor, stream

SERVER_NOW = "2025-03-03T10:00:00+08:00"


class Store:
    """Stands in for auction_events (and the lots' positions) of one auction, id 1."""

    def __init__(self):
        self.events: list[dict] = []
        self.lot_reads = 0

    def add(self, lot_id, type_="bid_accepted"):
        seq = 1 + max((e["seq"] for e in self.events if e["lot_id"] == lot_id), default=0)
        event = {"type": type_, "lot_id": lot_id, "seq": seq, "at": "2025-03-03T02:00:00+00:00",
                 "event_id": len(self.events) + 1}
        self.events.append(event)
        return {k: v for k, v in event.items() if k != "event_id"}   # as published: no id

    def lot_events_after(self, lot_id, seq):
        self.lot_reads += 1
        return [e for e in self.events if e["lot_id"] == lot_id and e["seq"] > seq]

    def auction_events_after(self, auction_id, event_id):
        return [e for e in self.events if e["event_id"] > event_id]

    def positions(self, auction_id, event_id):
        seen = {}
        for e in self.events:
            if e["event_id"] <= event_id:
                seen[e["lot_id"]] = e["seq"]
        return seen

    def last_seqs(self, lot_ids):
        return {lot: max((e["seq"] for e in self.events if e["lot_id"] == lot), default=0) for lot in lot_ids}

    def lots_of(self, auction_ids):
        return {lot: 1 for lot in (1, 2)} if 1 in auction_ids else {}

    def auction_exists(self, auction_id):
        return auction_id == 1


def make_feed(store, **settings):
    values = {"heartbeat": 5.0, "max_seconds": 5.0, "queue_size": 8, **settings}
    return LiveFeed(FakeEventBus(), store, FeedSettings(**values), render=json.dumps,
                    spawn=lambda target, name: None)   # no threads: the tests drive it


def open_stream(cursor, feed, **kw):
    return stream(cursor, feed.settings, server_now=lambda: SERVER_NOW, **kw)


def parse(chunk):
    lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
    return lines


def ids(chunks):
    return [int(parse(c)["id"]) for c in chunks if c.startswith("id: ")]


# --------------------------------------------------------------------------- fan-out

def test_a_full_queue_overflows_its_watcher_and_the_others_still_receive():
    fanout = FanOut(queue_size=2)
    slow, fast = fanout.watch(("lot", 1)), fanout.watch(("lot", 1))
    for n in range(3):
        fanout.deliver(("lot", 1), n)
        assert fast.take(timeout=0) == [n]
    assert slow.overflowed and fanout.overflows == 1
    assert slow.take(timeout=0) == [0, 1]          # what fitted stays, in order
    assert fanout.deliver(("lot", 1), 3) == 1      # an overflowed watcher takes nothing more
    assert not fast.overflowed and fast.take(timeout=0) == [3]


def test_a_watcher_that_leaves_gets_nothing_and_its_topic_is_forgotten():
    fanout = FanOut(queue_size=4)
    watcher = fanout.watch(("lot", 9))
    fanout.leave(watcher)
    assert fanout.deliver(("lot", 9), "x") == 0
    assert fanout.count() == 0 and not fanout.is_watched(("lot", 9))


def test_take_waits_for_an_item_offered_from_another_thread():
    fanout = FanOut(queue_size=4)
    watcher = fanout.watch(("lot", 1))
    threading.Timer(0.05, fanout.deliver, args=(("lot", 1), "bid")).start()
    assert watcher.take(timeout=5) == ["bid"]


# --------------------------------------------------------------------------- the lot stream

def test_lot_stream_replays_what_the_client_missed_and_stops_after_the_close():
    store = Store()
    for type_ in ("lot_opened", "bid_accepted", "bid_accepted", "lot_closed"):
        store.add(1, type_)
    feed = make_feed(store)
    chunks = list(open_stream(LotCursor(feed, 1, after=2), feed))
    assert chunks[0] == f"retry: {feed.settings.retry_ms}\n\n"
    assert ids(chunks) == [3, 4]
    assert feed.fanout.count() == 0   # the stream left the feed


def test_live_events_reach_every_watcher_in_order_and_duplicates_are_skipped():
    store = Store()
    store.add(1, "lot_opened")
    feed = make_feed(store)
    streams = [open_stream(LotCursor(feed, 1, after=0), feed) for _ in range(3)]
    for s in streams:
        next(s)                                  # retry hint; the watcher is registered
    assert [ids([next(s)]) for s in streams] == [[1]] * 3
    feed.on_event({**store.events[0]})           # replayed already: skipped
    for _ in range(2):
        feed.on_event(store.add(1))
    feed.on_event(store.add(1, "lot_closed"))
    assert [ids(list(s)) for s in streams] == [[2, 3, 4]] * 3


def test_a_gap_in_the_live_sequence_is_read_from_the_store_once_for_all_watchers():
    store = Store()
    feed = make_feed(store)
    streams = [open_stream(LotCursor(feed, 1, after=0), feed) for _ in range(5)]
    for s in streams:
        next(s)
    reads = store.lot_reads
    store.add(1)                                 # its publish was lost
    feed.on_event(store.add(1, "lot_closed"))
    assert store.lot_reads == reads + 1
    assert [ids(list(s)) for s in streams] == [[1, 2]] * 5


def test_poll_passes_on_events_only_the_database_has():
    store = Store()
    feed = make_feed(store)
    s = open_stream(LotCursor(feed, 1, after=0), feed)
    next(s)
    store.add(1, "lot_closed")                   # written by the scheduler, published nowhere here
    feed.poll()
    assert ids(list(s)) == [1]


def test_every_event_carries_server_now():
    store = Store()
    store.add(1, "lot_closed")
    feed = make_feed(store)
    chunks = list(open_stream(LotCursor(feed, 1, after=0), feed))
    data = json.loads(parse(chunks[1])["data"])
    assert data["server_now"] == SERVER_NOW and data["type"] == "lot_closed"


def test_a_slow_watcher_is_cut_with_a_reconnect_event_at_its_position():
    store = Store()
    feed = make_feed(store, queue_size=3)
    slow = open_stream(LotCursor(feed, 1, after=0), feed)
    next(slow)
    for _ in range(10):                          # the slow client reads nothing meanwhile
        feed.on_event(store.add(1))
    chunks = list(slow)
    assert ids(chunks[:-1]) == [1, 2, 3]
    reconnect = parse(chunks[-1])
    assert reconnect["event"] == "reconnect" and reconnect["id"] == "3"
    assert json.loads(reconnect["data"])["last_event_id"] == 3
    assert feed.fanout.count() == 0
    resumed = open_stream(LotCursor(feed, 1, after=3), feed)
    feed_events = [next(resumed) for _ in range(8)]
    assert ids(feed_events[1:]) == list(range(4, 11))   # no gap


def test_the_stream_ends_after_its_longest_length():
    feed = make_feed(Store(), heartbeat=0.01, max_seconds=0.05)
    chunks = list(open_stream(LotCursor(feed, 1, after=0), feed))
    assert ids(chunks) == [] and ": keep-alive\n\n" in chunks
    assert feed.fanout.count() == 0


def test_a_departed_client_is_noticed_at_the_heartbeat_and_freed():
    feed = make_feed(Store(), heartbeat=0.01, max_seconds=60)
    gone = threading.Event()
    s = open_stream(LotCursor(feed, 1, after=0), feed, client_gone=gone.is_set)
    next(s)
    assert next(s) == ": keep-alive\n\n" and feed.fanout.count() == 1
    gone.set()
    assert list(s) == []
    assert feed.fanout.count() == 0


# --------------------------------------------------------------------------- the auction-day stream

def test_auction_stream_interleaves_lots_with_global_ids_and_resumes_from_one():
    store = Store()
    store.add(1, "lot_opened")
    store.add(2, "lot_opened")
    feed = make_feed(store)
    s = open_stream(AuctionCursor(feed, 1, after=0), feed)
    next(s)
    assert ids([next(s), next(s)]) == [1, 2]
    for lot in (1, 2, 2, 1):
        feed.on_event(store.add(lot))
    live = [parse(next(s)) for _ in range(4)]
    assert [int(c["id"]) for c in live] == [3, 4, 5, 6]
    assert [json.loads(c["data"])["lot_id"] for c in live] == [1, 2, 2, 1]
    s.close()
    resumed = open_stream(AuctionCursor(feed, 1, after=4), feed)
    next(resumed)
    assert ids([next(resumed), next(resumed)]) == [5, 6]
    feed.on_event(store.add(2))
    assert ids([next(resumed)]) == [7]
