"""One watcher's event stream (server-sent events) over the process's `LiveFeed`.

A cursor knows where the client stands: in one lot's sequence (`LotCursor`, SSE id = the lot's
seq) or in an auction day's events (`AuctionCursor`, SSE id = the events' global id, and per lot
the seq reached, so a live event already replayed is skipped and a gap is filled from the
database). `stream` writes the retry hint, the replay, then live events as the watcher's queue
hands them over; a keep-alive each heartbeat, at which a departed client is noticed and its queue
freed. A watcher that fell a whole queue behind gets a `reconnect` event (with its position) and
the stream ends: the client comes back with `Last-Event-ID` and the database replays the rest.
"""
from __future__ import annotations

import json
import time
from typing import Callable, Iterator

from market.domain.auction_basics import FINAL_EVENTS

from .live_feed import FeedSettings, Item, LiveFeed


class LotCursor:
    def __init__(self, feed: LiveFeed, lot_id: int, after: int):
        self.feed, self.lot_id, self.last = feed, lot_id, after

    def watch(self):
        return self.feed.watch_lot(self.lot_id)

    def replay(self) -> list[Item]:
        return self.accept([self.feed.item(e) for e in self.feed.store.lot_events_after(self.lot_id, self.last)])

    def accept(self, items: list[Item]) -> list[Item]:
        out = []
        for item in items:
            seq = item.event["seq"]
            if seq <= self.last:
                continue
            if seq != self.last + 1:   # a gap: read it (the feed has, so this is rare)
                out += self.replay()
                if item.event["seq"] <= self.last:
                    continue
            out.append(item)
            self.last = seq
        return out

    def sse_id(self, item: Item) -> int:
        return item.event["seq"]

    def position(self) -> int:
        return self.last

    def ends_with(self, item: Item) -> bool:
        return item.event["type"] in FINAL_EVENTS


class AuctionCursor:
    def __init__(self, feed: LiveFeed, auction_id: int, after: int):
        self.feed, self.auction_id, self.last_id = feed, auction_id, after
        self.seen: dict[int, int] = {}

    def watch(self):
        return self.feed.watch_auction(self.auction_id)

    def replay(self) -> list[Item]:
        store = self.feed.store
        self.seen = store.positions(self.auction_id, self.last_id) if self.last_id else {}
        return self.accept([self.feed.item(e) for e in store.auction_events_after(self.auction_id, self.last_id)])

    def accept(self, items: list[Item]) -> list[Item]:
        out = []
        for item in items:
            lot_id, seq = item.event["lot_id"], item.event["seq"]
            seen = self.seen.get(lot_id, 0)
            if seq <= seen:
                continue
            if seq != seen + 1:
                fill = self.feed.store.lot_events_after(lot_id, seen)
                out += self.accept([self.feed.item(e) for e in fill if e["seq"] < seq])
            out.append(item)
            self.seen[lot_id] = seq
            self.last_id = max(self.last_id, item.event.get("event_id") or 0)
        return out

    def sse_id(self, item: Item) -> int:
        return item.event["event_id"]

    def position(self) -> int:
        return self.last_id

    def ends_with(self, item: Item) -> bool:
        return False   # an auction day's stream runs to its longest length


def sse(sse_id: int, type_: str, body: str, server_now: str) -> str:
    """One server-sent event; `body` is a JSON object to which `server_now` is added."""
    data = body[:-1] + ("," if len(body) > 2 else "") + f'"server_now":"{server_now}"}}'
    return f"id: {sse_id}\nevent: {type_}\ndata: {data}\n\n"


def stream(cursor, settings: FeedSettings, *, server_now: Callable[[], str],
           client_gone: Callable[[], bool] = lambda: False,
           clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """SSE text for one watcher; the watcher leaves the feed however the stream ends (finished,
    cut, or closed by the server when the client has gone)."""
    watcher = cursor.watch()
    try:
        started = last_beat = clock()
        pending = cursor.replay()
        yield f"retry: {settings.retry_ms}\n\n"
        while True:
            stamp = server_now() if pending else None   # one clock reading per batch
            for item in pending:
                yield sse(cursor.sse_id(item), item.event["type"], item.body, stamp)
                if cursor.ends_with(item):
                    return
            if watcher.overflowed:
                if watcher.items:   # what fitted in the queue is still sent, in order
                    pending = cursor.accept(watcher.take(timeout=0))
                    continue
                yield _reconnect(cursor.position(), settings.retry_ms, server_now())
                return
            now = clock()
            if now - started >= settings.max_seconds:
                return
            if now - last_beat >= settings.heartbeat:
                if client_gone():
                    return
                last_beat = now
                yield ": keep-alive\n\n"
            wait = min(settings.heartbeat - (now - last_beat), settings.max_seconds - (now - started))
            pending = cursor.accept(watcher.take(timeout=max(wait, 0.0)))
    finally:
        cursor.feed.leave(watcher)


def _reconnect(position: int, retry_ms: int, server_now: str) -> str:
    body = json.dumps({"type": "reconnect", "reason": "slow_consumer", "last_event_id": position,
                       "message": "读取太慢，请携带 Last-Event-ID 重新连接 (too far behind: reconnect with Last-Event-ID)",
                       "server_now": server_now}, ensure_ascii=False, separators=(",", ":"))
    return f"retry: {retry_ms}\nid: {position}\nevent: reconnect\ndata: {body}\n\n"
