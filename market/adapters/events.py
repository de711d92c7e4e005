"""Live auction events across processes: Redis pub/sub, or an in-memory fake.

Events are written to the database (auction_events) in the same transaction as the bid or close
that caused them, each with a per-lot sequence number; they are published here only after the
commit. Pub/sub is fire-and-forget, so the database is the source of truth: a process listens to
every lot's channel with one pattern subscription (`listen`), fills any gap in a lot's sequence
from the database, and fans events out in memory to its watchers (`market.services.live_feed`).
That is what lets a browser that reconnects with `Last-Event-ID` resume exactly where it left
off, whichever process serves it.

Channel names start with a configurable prefix (`EVENTS_CHANNEL_PREFIX`), so two deployments or
two test runs sharing one Redis never hear each other.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Callable, Protocol

from market.domain.auction_basics import FINAL_EVENTS  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "market:"


def lot_channel(lot_id: int, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}auctions:lot:{lot_id}"


class EventBus(Protocol):
    def publish(self, lot_id: int, event: dict) -> None: ...
    def listen(self, on_event: Callable[[dict], None], stop: threading.Event) -> None: ...


# --------------------------------------------------------------------------- Redis

class RedisEventBus:
    """Pub/sub on Redis. Publishing never fails a bid: the event is already in the database, and
    listeners catch up from there."""

    shared = True   # other processes' events arrive here

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", client=None,
                 prefix: str = DEFAULT_PREFIX):
        import redis  # adapters only
        self.url, self.prefix = url, prefix
        self.client = client or redis.Redis.from_url(url, socket_timeout=5,
                                                      socket_connect_timeout=2)

    def publish(self, lot_id: int, event: dict) -> None:
        try:
            self.client.publish(lot_channel(lot_id, self.prefix),
                                json.dumps(event, ensure_ascii=False))
        except Exception:   # noqa: BLE001 - the feed is best-effort; the DB has the event
            log.warning("could not publish auction event for lot %s", lot_id, exc_info=True)

    def listen(self, on_event: Callable[[dict], None], stop: threading.Event) -> None:
        """Call `on_event` with every lot's events until `stop` is set: one pattern subscription
        for the whole process, re-opened after a lost connection (the database fills the gap)."""
        import redis
        pattern = lot_channel(0, self.prefix)[:-1] + "*"
        while not stop.is_set():
            client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=None,
                                          health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(pattern)
                while not stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "pmessage":
                        _deliver(on_event, message["data"])
            except Exception:   # noqa: BLE001 - reconnect; events meanwhile come from the DB
                log.warning("live event subscription lost; reconnecting", exc_info=True)
                stop.wait(1.0)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except Exception:   # noqa: BLE001
                    pass


def _deliver(on_event: Callable[[dict], None], data) -> None:
    try:
        event = json.loads(data.decode() if isinstance(data, bytes) else data)
    except ValueError:
        log.warning("ignored a live event that is not JSON")
        return
    try:
        on_event(event)
    except Exception:   # noqa: BLE001 - one bad event must not stop the listener
        log.exception("live event handler failed")


# --------------------------------------------------------------------------- fake

class FakeEventBus:
    """In-process bus for tests and the embedded single-process set-up: listeners are called in
    the publisher's thread. Events of other processes (the scheduler) are not seen here; the
    live feed reads them from the database instead."""

    shared = False

    def __init__(self):
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dict], None]] = []
        self.published: list[tuple[int, dict]] = []

    def publish(self, lot_id: int, event: dict) -> None:
        with self._lock:
            self.published.append((lot_id, event))
            listeners = list(self._listeners)
        for on_event in listeners:
            on_event(event)

    def listen(self, on_event: Callable[[dict], None], stop: threading.Event) -> None:
        with self._lock:
            self._listeners.append(on_event)
        try:
            stop.wait()
        finally:
            with self._lock:
                self._listeners.remove(on_event)


def build_event_bus(config) -> EventBus:
    """Redis when REDIS_URL is configured (several web workers and the scheduler share it);
    otherwise the in-process fake: watchers still see every event, from the database."""
    url = config.get("REDIS_URL")
    if url:
        return RedisEventBus(url, prefix=config.get("EVENTS_CHANNEL_PREFIX") or DEFAULT_PREFIX)
    return FakeEventBus()

