"""In-memory fan-out of live events to one process's watchers.

One subscription per process feeds this; each watcher (one open event stream) has its own bounded
queue. Delivering never waits for a watcher: a watcher whose queue is full is marked overflowed
and gets nothing more, so a slow client costs only itself (its stream then ends with a hint to
reconnect with `Last-Event-ID`, and the database replays what it missed). Plain Python: the
threading primitives it uses are cooperative once gevent has patched the standard library.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Callable, Hashable


class Watcher:
    """One stream's queue. `take` hands over everything queued at once (one wake per batch)."""

    __slots__ = ("topic", "limit", "items", "overflowed", "_wake")

    def __init__(self, topic: Hashable, limit: int, wake: Callable[[], object] = threading.Event):
        self.topic = topic
        self.limit = limit
        self.items: deque = deque()
        self.overflowed = False
        self._wake = wake()

    def offer(self, item) -> bool:
        """Queue `item`; False (and overflowed from now on) when the queue is full."""
        if self.overflowed:
            return False
        if len(self.items) >= self.limit:
            self.overflowed = True
            self._wake.set()
            return False
        self.items.append(item)
        self._wake.set()
        return True

    def take(self, timeout: float) -> list:
        """What is queued, waiting up to `timeout` seconds for something; [] on timeout."""
        if not self.items and not self.overflowed:
            self._wake.clear()
            if not self.items and not self.overflowed:   # an offer between the check and clear
                self._wake.wait(timeout)
        taken = []
        while self.items:
            taken.append(self.items.popleft())
        return taken


class FanOut:
    """Watchers by topic (e.g. `("lot", 7)`, `("auction", 3)`); `deliver` offers an item to each."""

    def __init__(self, queue_size: int = 256, wake: Callable[[], object] = threading.Event):
        self.queue_size = queue_size
        self._wake = wake
        self._topics: dict[Hashable, set[Watcher]] = {}
        self._lock = threading.Lock()
        self.overflows = 0

    def watch(self, topic: Hashable) -> Watcher:
        watcher = Watcher(topic, self.queue_size, self._wake)
        with self._lock:
            self._topics.setdefault(topic, set()).add(watcher)
        return watcher

    def leave(self, watcher: Watcher) -> None:
        with self._lock:
            watchers = self._topics.get(watcher.topic)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._topics[watcher.topic]

    def deliver(self, topic: Hashable, item) -> int:
        """Offer `item` to every watcher of `topic`; returns how many took it."""
        with self._lock:
            watchers = list(self._topics.get(topic, ()))
        taken = 0
        for watcher in watchers:
            was_overflowed = watcher.overflowed
            if watcher.offer(item):
                taken += 1
            elif not was_overflowed:
                self.overflows += 1
        return taken

    def watched(self, kind: str) -> list:
        """The ids of the watched topics of one kind (`"lot"` -> lot ids)."""
        with self._lock:
            return [topic[1] for topic in self._topics if topic[0] == kind]

    def is_watched(self, topic: Hashable) -> bool:
        with self._lock:
            return topic in self._topics

    def count(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._topics.values())
