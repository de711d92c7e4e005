"""Bounds on the dates an operator types for a lot.

A lot announced for years ahead is a typing error (2062 for 2026), not an auction: bidders
register and lodge deposits for it, and the money would be held for nothing. So a lot starts
within a year of the moment it is offered.
"""
from __future__ import annotations

from datetime import datetime

from .errors import ValidationFailed


def one_year_after(moment: datetime) -> datetime:
    """The same calendar moment a year later (29 February falls back to the 28th)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def check_start_within_a_year(starts_at: datetime, now: datetime) -> None:
    """422 naming `starts_at` when the lot would open more than a year after `now`."""
    if starts_at > one_year_after(now):
        raise ValidationFailed.on("starts_at", "开拍时间须在一年之内 (a lot must start within a year)")
