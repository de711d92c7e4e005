"""China's statutory working days from the `chinesecalendar` package (PyPI: plain data, no I/O),
behind the domain's calendar port.

The package carries each year's State Council notice (holidays and 调休 make-up working days) and
is updated when a new notice appears; a year it does not know yet (the notice comes out in late
autumn) falls back to weekends plus the configured days, with a warning in the log once per year,
so deadlines keep being computed while someone upgrades the package or configures the days.
"""
from __future__ import annotations

import logging
import threading
from datetime import date

import chinese_calendar

from market.domain.calendar import WorkingDayCalendar

log = logging.getLogger(__name__)


class StatutoryCalendar(WorkingDayCalendar):
    """Official working days (the package) with configured extra holidays and workdays on top."""

    def __init__(self, holidays=(), workdays=()):
        super().__init__(holidays, workdays)
        self._unknown_years: set[int] = set()
        self._lock = threading.Lock()

    def official(self, day: date) -> bool | None:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            self._warn_once(day.year)
            return None

    def _warn_once(self, year: int) -> None:
        with self._lock:
            if year in self._unknown_years:
                return
            self._unknown_years.add(year)
        log.warning("the statutory calendar (chinesecalendar %s) does not know %s yet: counting "
                    "weekends plus AUCTION_HOLIDAYS/AUCTION_WORKDAYS for that year; upgrade the "
                    "package or configure the year's holidays", _package_version(), year)


def _package_version() -> str:
    return getattr(chinese_calendar, "__version__", "?")
