"""The one time zone of the delta: times are stored UTC and read as calendar days
and clock times in Asia/Shanghai, whatever the server's zone (zoneinfo, never a
fixed +08:00 offset, so the zone's own rules apply)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today(now: datetime) -> date:
    """The calendar day in China at ``now`` (deadlines are calendar days there)."""
    return now.astimezone(SHANGHAI).date()
