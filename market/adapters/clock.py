"""Clocks. Server time is authoritative and injected, so tests control it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime | None = None):
        self._now = at or datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at

    def advance(self, **delta) -> datetime:
        self._now += timedelta(**delta)
        return self._now
