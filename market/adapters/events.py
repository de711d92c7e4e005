"""Live auction events across web worker processes: Redis pub/sub, or an in-memory fake.

Events are written to the database (auction_events) in the same transaction as the bid or close
that caused them, each with a per-lot sequence number; they are published here only after the
commit. Pub/sub is fire-and-forget, so the database is the source of truth: a subscriber first
subscribes, then replays from the database what it has not seen, then follows the live channel,
and fills any gap in the sequence from the database again. That is what lets a browser that
reconnects with `Last-Event-ID` resume exactly where it left off, whichever worker serves it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from typing import Callable, Iterator, Protocol

log = logging.getLogger(__name__)

FINAL_EVENTS = ("lot_closed", "lot_cancelled")


def lot_channel(lot_id: int) -> str:
    return f"market:auctions:lot:{lot_id}"


class Subscription(Protocol):
    def get(self, timeout: float) -> dict | None: ...
    def close(self) -> None: ...


class EventBus(Protocol):
    def publish(self, lot_id: int, event: dict) -> None: ...
    def subscribe(self, lot_id: int) -> Subscription: ...


# --------------------------------------------------------------------------- Redis

class RedisEventBus:
    """Pub/sub on the Redis every machine here runs at 127.0.0.1:6379. Publishing never fails a
    bid: the event is already in the database, and subscribers catch up from there."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", client=None):
        import redis  # adapters only
        self.client = client or redis.Redis.from_url(url, socket_timeout=5,
                                                      socket_connect_timeout=2)

    def publish(self, lot_id: int, event: dict) -> None:
        try:
            self.client.publish(lot_channel(lot_id), json.dumps(event, ensure_ascii=False))
        except Exception:   # noqa: BLE001 - the feed is best-effort; the DB has the event
            log.warning("could not publish auction event for lot %s", lot_id, exc_info=True)

    def subscribe(self, lot_id: int) -> "RedisSubscription":
        return RedisSubscription(self.client, lot_channel(lot_id))


class RedisSubscription:
    def __init__(self, client, channel: str):
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)

    def get(self, timeout: float) -> dict | None:
        message = self.pubsub.get_message(timeout=timeout)
        if not message or message.get("type") != "message":
            return None
        data = message["data"]
        return json.loads(data.decode() if isinstance(data, bytes) else data)

    def close(self) -> None:
        try:
            self.pubsub.close()
        except Exception:   # noqa: BLE001
            pass


# --------------------------------------------------------------------------- fake

class FakeEventBus:
    """In-process bus for tests and the embedded single-process setup."""

    def __init__(self):
        self._cond = threading.Condition()
        self._queues: dict[int, list[list[dict]]] = defaultdict(list)
        self.published: list[tuple[int, dict]] = []

    def publish(self, lot_id: int, event: dict) -> None:
        with self._cond:
            self.published.append((lot_id, event))
            for queue in self._queues[lot_id]:
                queue.append(event)
            self._cond.notify_all()

    def subscribe(self, lot_id: int) -> "FakeSubscription":
        queue: list[dict] = []
        with self._cond:
            self._queues[lot_id].append(queue)
        return FakeSubscription(self, lot_id, queue)


class FakeSubscription:
    def __init__(self, bus: FakeEventBus, lot_id: int, queue: list):
        self.bus, self.lot_id, self.queue = bus, lot_id, queue

    def get(self, timeout: float) -> dict | None:
        with self.bus._cond:
            if not self.queue:
                self.bus._cond.wait(timeout)
            return self.queue.pop(0) if self.queue else None

    def close(self) -> None:
        with self.bus._cond:
            if self.queue in self.bus._queues[self.lot_id]:
                self.bus._queues[self.lot_id].remove(self.queue)


def build_event_bus(config) -> EventBus:
    """Redis when REDIS_URL is configured (several web workers and the scheduler share it);
    otherwise the in-process fake: subscribers still see every event, from the database."""
    url = config.get("REDIS_URL")
    if url:
        return RedisEventBus(url)
    return FakeEventBus()


# --------------------------------------------------------------------------- SSE

def format_sse(event: dict) -> str:
    """One server-sent event; `id` is the lot's event sequence number."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {data}\n\n"


def follow(subscription: Subscription, replay: Callable[[int], list[dict]], after: int, *,
           heartbeat: float = 15.0, poll: float = 1.0, max_seconds: float | None = None,
           idle_replay: float | None = None,
           clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """Yield SSE text: events after sequence `after` from `replay`, then live ones in order.

    `replay(after)` reads the database. The subscription must already be open, so nothing
    committed between the replay and the first live message is lost. Live messages that arrive
    ahead of a gap trigger another replay; ones already sent are skipped. The stream ends after
    the lot's final event (or after `max_seconds`). Idle, it re-reads the store every
    `idle_replay` seconds (default: every heartbeat)."""
    started = last_beat = last_replay = clock()
    idle_replay = heartbeat if idle_replay is None else idle_replay
    last = after
    yield "retry: 2000\n\n"
    try:
        pending = replay(last)
        while True:
            for event in pending:
                if event["seq"] <= last:
                    continue
                last = event["seq"]
                yield format_sse(event)
                if event["type"] in FINAL_EVENTS:
                    return
            pending = []
            now = clock()
            if max_seconds is not None and now - started >= max_seconds:
                return
            message = subscription.get(timeout=poll)
            if message is not None:
                seq = message.get("seq", 0)
                pending = [message] if seq == last + 1 else (replay(last) if seq > last else [])
            else:
                if clock() - last_replay >= idle_replay:
                    # the safety net against a lost publish, and the only path for events
                    # from other processes when there is no shared bus
                    last_replay = clock()
                    pending = replay(last)
                if clock() - last_beat >= heartbeat:
                    last_beat = clock()
                    yield ": keep-alive\n\n"
    finally:
        subscription.close()
