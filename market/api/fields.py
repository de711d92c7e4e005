"""Marshmallow fields for the project's conventions."""
from __future__ import annotations

from datetime import date, datetime, timezone
from marshmallow import ValidationError, fields

from market.domain.local_time import SHANGHAI
MIN_YEAR, MAX_YEAR = 1900, 2999   # far from datetime's limits, so adding hours or days cannot overflow


class LocalDateTime(fields.DateTime):
    """Stored UTC, shown Asia/Shanghai (+08:00); naive input is read as Shanghai time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(SHANGHAI).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise ValidationError(f"时间应在 {MIN_YEAR} 到 {MAX_YEAR} 年之间 (out of range)")
        if result.tzinfo is None:
            result = result.replace(tzinfo=SHANGHAI)
        return result.astimezone(timezone.utc)


def local_times(value):
    """Views hold datetimes (UTC) and dates; the API shows Shanghai time as ISO 8601."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: local_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_times(v) for v in value]
    return value


def local_event_times(value):
    """Live-feed events are stored as JSON, their times as UTC ISO 8601 strings: shown in
    Shanghai time like every other time of the API."""
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T" and value[-6] in "+-":
        try:
            return datetime.fromisoformat(value).astimezone(SHANGHAI).isoformat()
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: local_event_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_event_times(v) for v in value]
    return local_times(value)
    if isinstance(value, dict):
        return {k: local_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_times(v) for v in value]
    return value
