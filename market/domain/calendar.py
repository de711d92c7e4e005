"""Working days (工作日): the calendar port that signing deadlines and deposit releases count on.

China's working days are not Monday to Friday: the State Council moves days every year
(Spring Festival, National Day ... and the weekend days made working days in exchange, 调休).
The domain only asks "is this a working day?"; `WorkingDayCalendar` answers from weekends plus
the days a market configures (`AUCTION_HOLIDAYS`, `AUCTION_WORKDAYS`), and an adapter that knows
the official calendar (market/domain/statutory_calendar.py) overrides `official` only. The
configured days stay on top of the official ones, so a market can close on a local holiday.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

#: Working days are the exchanges' days: counted from the local (Shanghai) date.
from market.domain.local_time import SHANGHAI as LOCAL_TZ


def as_date(value) -> date:
    """A date from a date or an ISO string (configuration gives strings)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class WorkingDayCalendar:
    """Port and its plain implementation: weekends off, plus configured holidays (`holidays`)
    and configured working weekend days (`workdays`, 调休). Adapters answer `official`."""

    def __init__(self, holidays: Iterable = (), workdays: Iterable = ()):
        self.holidays = frozenset(as_date(d) for d in holidays)
        self.workdays = frozenset(as_date(d) for d in workdays)

    def official(self, day: date) -> bool | None:
        """Whether the official calendar makes `day` a working day; None when it does not know."""
        return None

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        known = self.official(day)
        return day.weekday() < 5 if known is None else known

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def deadline_day(self, now: datetime, days: int) -> date:
        """The local date `days` working days after the local day of `now` (a deadline runs to
        the end of that day): 5 for signing a confirmation, 3 for releasing a deposit."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return self.add_working_days(now.astimezone(LOCAL_TZ).date(), days)
