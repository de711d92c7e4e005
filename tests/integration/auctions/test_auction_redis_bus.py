"""The Redis bus carries events between processes (here: two clients of one server), on channels
named with the run's own prefix."""
from __future__ import annotations

import threading
import uuid

import pytest

from market.adapters.events import RedisEventBus


def listening(bus: RedisEventBus):
    """Start `bus.listen` in a thread; returns (received events, a stop event, the thread)."""
    received, arrived, stop = [], threading.Condition(), threading.Event()

    def on_event(event):
        with arrived:
            received.append(event)
            arrived.notify_all()
    thread = threading.Thread(target=bus.listen, args=(on_event, stop), daemon=True)
    thread.start()
    return received, arrived, stop, thread


def test_one_pattern_subscription_hears_every_lot_published_by_another_client(redis_url):
    prefix = f"test-{uuid.uuid4().hex}:"
    publisher, listener = RedisEventBus(redis_url, prefix=prefix), RedisEventBus(redis_url, prefix=prefix)
    received, arrived, stop, thread = listening(listener)
    try:
        sent = [{"type": "bid_accepted", "lot_id": lot, "seq": 1} for lot in (11, 12)]
        with arrived:   # publish until the subscription is up, then the rest once
            while not received:
                publisher.publish(10, {"type": "probe", "lot_id": 10, "seq": 0})
                arrived.wait(0.1)
        for event in sent:
            publisher.publish(event["lot_id"], event)
        with arrived:
            arrived.wait_for(lambda: len([e for e in received if e["type"] != "probe"]) == 2, timeout=10)
        assert [e for e in received if e["type"] != "probe"] == sent
    finally:
        stop.set()
        thread.join(5)


def test_a_listener_with_another_prefix_hears_nothing(redis_url):
    mine, other = f"test-{uuid.uuid4().hex}:", f"test-{uuid.uuid4().hex}:"
    received, arrived, stop, thread = listening(RedisEventBus(redis_url, prefix=mine))
    try:
        ours, theirs = RedisEventBus(redis_url, prefix=mine), RedisEventBus(redis_url, prefix=other)
        with arrived:
            while not received:
                theirs.publish(1, {"type": "bid_accepted", "lot_id": 1, "seq": 1})
                ours.publish(2, {"type": "probe", "lot_id": 2, "seq": 0})
                arrived.wait(0.1)
        assert {e["lot_id"] for e in received} == {2}
    finally:
        stop.set()
        thread.join(5)


def test_publishing_to_an_unreachable_redis_does_not_raise():
    bus = RedisEventBus("redis://127.0.0.1:1/0")
    bus.publish(1, {"type": "bid_accepted", "seq": 1})
