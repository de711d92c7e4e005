"""The Redis bus carries events between processes (here: two clients of one server)."""
from __future__ import annotations

import uuid

from market.adapters.events import RedisEventBus, follow


def test_an_event_published_by_one_client_reaches_a_subscriber_of_another(redis_url):
    lot_id = int(uuid.uuid4().int % 10**9)
    publisher, listener = RedisEventBus(redis_url), RedisEventBus(redis_url)
    subscription = listener.subscribe(lot_id)
    stream = follow(subscription, lambda seq: [], after=0, poll=0.2, max_seconds=10)
    assert next(stream).startswith("retry:")
    publisher.publish(lot_id, {"type": "bid_accepted", "lot_id": lot_id, "seq": 1, "amount_fen": 5})
    publisher.publish(lot_id, {"type": "lot_closed", "lot_id": lot_id, "seq": 2})
    chunks = list(stream)
    assert [c.split("\n")[1] for c in chunks] == ["event: bid_accepted", "event: lot_closed"]


def test_publishing_to_an_unreachable_redis_does_not_raise():
    bus = RedisEventBus("redis://127.0.0.1:1/0")
    bus.publish(1, {"type": "bid_accepted", "seq": 1})
