"""The live auction feed of one process: one subscription, fanned out in memory.

A `LiveFeed` listens to the event bus once for the whole process (a Redis pattern subscription,
or the in-process fake) and offers each event to the bounded queues of the watchers of its lot,
and of its auction day (`market.services.fanout`). It keeps, per lot watched here, the last seq it
passed on; an event ahead of that (a publish lost, or two processes' publishes crossing on the
way) makes it read the missing ones from the database first, so watchers see each lot's events
once and in order, with one read per process instead of one per watcher. A poller re-reads the
lots' positions every few seconds: the safety net for a lost publish, and the only path for
events of other processes when there is no shared bus (`make run`).

Items carry the event and its JSON rendered once (times in Shanghai), which every stream shares.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Mapping

from .fanout import FanOut, Watcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedSettings:
    """Set from the environment in every config (see config/ and the README)."""
    heartbeat: float = 15.0       # seconds between keep-alives; a departed client is noticed at one
    retry_ms: int = 2000          # the client's reconnection delay, sent first
    max_seconds: float = 300.0    # the longest stream; the client then reconnects with Last-Event-ID
    queue_size: int = 256         # events a watcher may fall behind before it is told to reconnect
    poll_seconds: float = 2.0     # how often a process re-reads its lots' positions

    @classmethod
    def from_config(cls, config: Mapping) -> "FeedSettings":
        return cls(heartbeat=float(config.get("SSE_HEARTBEAT_SECONDS", 15)),
                   retry_ms=int(config.get("SSE_RETRY_MS", 2000)),
                   max_seconds=float(config.get("SSE_MAX_SECONDS", 300)),
                   queue_size=int(config.get("SSE_QUEUE_SIZE", 256)),
                   poll_seconds=float(config.get("SSE_POLL_SECONDS", 2)))


@dataclass(frozen=True)
class Item:
    """One event as every watcher gets it: the dict and its JSON (without `server_now`)."""
    event: dict
    body: str


class FeedStore:
    """The database reads of the feed, each in its own unit of work."""

    def __init__(self, uow_factory):
        self.uow_factory = uow_factory

    def _read(self, fn):
        with self.uow_factory() as uow:
            return fn(uow.live_events)

    def lot_events_after(self, lot_id: int, seq: int) -> list[dict]:
        return self._read(lambda s: s.lot_events_after(lot_id, seq))

    def auction_events_after(self, auction_id: int, event_id: int) -> list[dict]:
        return self._read(lambda s: s.auction_events_after(auction_id, event_id))

    def last_auction_event_id(self, auction_id: int) -> int:
        return self._read(lambda s: s.last_auction_event_id(auction_id))

    def positions(self, auction_id: int, event_id: int) -> dict[int, int]:
        return self._read(lambda s: s.positions(auction_id, event_id))

    def last_seqs(self, lot_ids: list[int]) -> dict[int, int]:
        return self._read(lambda s: s.last_seqs(lot_ids))

    def lots_of(self, auction_ids: list[int]) -> dict[int, int]:
        return self._read(lambda s: s.lots_of(auction_ids))

    def auction_exists(self, auction_id: int) -> bool:
        return self._read(lambda s: s.auction_exists(auction_id))


def _spawn(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


class LiveFeed:
    def __init__(self, bus, store: FeedStore, settings: FeedSettings, render: Callable[[dict], str],
                 spawn: Callable[[Callable[[], None], str], object] = _spawn):
        self.bus, self.store, self.settings, self.render = bus, store, settings, render
        self.fanout = FanOut(settings.queue_size)
        self._spawn = spawn
        self._lock = threading.RLock()        # one dispatch at a time: lots stay in order
        self._last: dict[int, int] = {}       # lot id -> last seq passed on
        self._auction_of: dict[int, int] = {}  # lot id -> auction id, for watched auctions
        self._stop = threading.Event()
        self._started = False

    # ---- life --------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self._spawn(lambda: self.bus.listen(self.on_event, self._stop), "live-feed-listener")
        self._spawn(self._poll_loop, "live-feed-poller")

    def stop(self) -> None:
        self._stop.set()

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.settings.poll_seconds):
            try:
                self.poll()
            except Exception:   # noqa: BLE001 - the next round tries again
                log.exception("live feed poll failed")

    # ---- watchers ----------------------------------------------------------------------
    def watch_lot(self, lot_id: int) -> Watcher:
        """Register before the stream replays from the database: nothing committed after the
        replay's read can then be missed."""
        self.start()
        with self._lock:
            watcher = self.fanout.watch(("lot", lot_id))
            self._track([lot_id])
        return watcher

    def watch_auction(self, auction_id: int) -> Watcher:
        self.start()
        with self._lock:
            watcher = self.fanout.watch(("auction", auction_id))
            self._refresh_auctions([auction_id])
        return watcher

    def leave(self, watcher: Watcher) -> None:
        self.fanout.leave(watcher)

    def item(self, event: dict) -> Item:
        return Item(event, self.render(event))

    def _track(self, lot_ids) -> None:
        new = [lot_id for lot_id in lot_ids if lot_id not in self._last]
        if new:
            self._last.update(self.store.last_seqs(new))

    def _refresh_auctions(self, auction_ids) -> None:
        lots = self.store.lots_of(list(auction_ids))
        self._auction_of.update(lots)
        self._track(list(lots))

    # ---- events ------------------------------------------------------------------------
    def on_event(self, event: dict) -> None:
        """A live event from the bus (any lot, any process)."""
        lot_id, seq = event.get("lot_id"), event.get("seq")
        if not isinstance(lot_id, int) or not isinstance(seq, int):
            return
        with self._lock:
            if lot_id in self._last:
                self._pass_on(lot_id, [event])

    def poll(self) -> None:
        """Catch up every lot watched here with the database; forget lots nobody watches."""
        with self._lock:
            auctions = self.fanout.watched("auction")
            self._auction_of = {lot: a for lot, a in self._auction_of.items() if a in auctions}
            if auctions:
                self._refresh_auctions(auctions)
            wanted = set(self.fanout.watched("lot")) | set(self._auction_of)
            self._last = {lot: seq for lot, seq in self._last.items() if lot in wanted}
            self._track(wanted)
            for lot_id, seq in self.store.last_seqs(list(wanted)).items():
                if seq > self._last.get(lot_id, 0):
                    self._pass_on(lot_id, [])

    def _pass_on(self, lot_id: int, live: list[dict]) -> None:
        last = self._last[lot_id]
        auction = self._auction_of.get(lot_id)
        to_auction = auction is not None and self.fanout.is_watched(("auction", auction))
        fresh = [e for e in live if e["seq"] > last]
        if live and not fresh:
            return   # already passed on (read from the database before its publish arrived)
        in_order = bool(fresh) and all(e["seq"] == last + i for i, e in enumerate(fresh, 1))
        if to_auction or not in_order:
            fresh = self.store.lot_events_after(lot_id, last)   # with ids; fills any gap
        for event in fresh:
            if event["seq"] <= self._last[lot_id]:
                continue
            item = self.item(event)
            self.fanout.deliver(("lot", lot_id), item)
            if to_auction:
                self.fanout.deliver(("auction", auction), item)
            self._last[lot_id] = event["seq"]
