"""Signing deadlines (5 working days) and deposit releases (3 working days) count China's
statutory working days: holidays off, 调休 make-up weekend days on, configured days on top, and
a year the official calendar does not know falls back to weekends plus configuration, loudly."""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone

import pytest

from market.adapters.statutory_calendar import StatutoryCalendar
from market.domain.auctions import CloseResult, Confirmation, Deposit
from market.domain.calendar import WorkingDayCalendar
from market.services.auctions import AuctionRules, rules_from_config, settle_deposit

from auction_factories import make_lot


def shanghai(y, m, d, hour=10):
    """`hour` o'clock on that day in Shanghai, as an aware UTC time (a frozen clock's reading)."""
    return datetime(y, m, d, hour - 8, tzinfo=timezone.utc)


def test_national_day_week_is_not_counted_and_the_make_up_saturday_is():
    cal = StatutoryCalendar()
    # Wed 30 Sep 2026 + 5: 1-7 Oct are off; Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13
    assert cal.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert cal.is_working_day(date(2026, 10, 10)) and not cal.is_working_day(date(2026, 10, 5))


def test_spring_festival_holidays_are_skipped_and_its_working_saturday_counts():
    cal = StatutoryCalendar()
    assert cal.is_working_day(date(2026, 2, 14))          # Saturday made a working day
    # Fri 13 Feb 2026 + 1 is that Saturday; + 2 jumps the festival (15-23 Feb) to Tue 24 Feb
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_configured_extra_holiday_is_skipped_on_top_of_the_official_calendar():
    cal = StatutoryCalendar(holidays=["2026-10-08"])
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)


def test_year_unknown_to_the_package_falls_back_to_weekends_and_configuration_with_a_warning(caplog):
    cal = StatutoryCalendar(holidays=["2099-01-01"])
    with caplog.at_level(logging.WARNING, logger="market.domain.statutory_calendar"):
        # Wed 31 Dec 2098 + 2: Thu 1 Jan 2099 configured off, Fri 2, (weekend), Mon 5
        assert cal.add_working_days(date(2098, 12, 31), 2) == date(2099, 1, 5)
        cal.is_working_day(date(2099, 3, 3))
    warned = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warned) == 1, "one warning per unknown year, not one per day"


def test_plain_port_counts_weekends_and_configured_days_only():
    assert WorkingDayCalendar().add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 7)


def test_signing_deadline_is_five_statutory_working_days_after_the_close():
    lot = make_lot()
    lot.id = 5
    conf = Confirmation.issue(lot=lot, result=CloseResult("sold", 7, 120_000_00, True), market_code="SH",
                              now=shanghai(2026, 9, 30, 23), calendar=StatutoryCalendar())
    assert conf.sign_by == date(2026, 10, 13)


def test_deposit_release_is_due_three_statutory_working_days_after_the_close():
    deposit = Deposit(bidder_id=7, amount_fen=20_000_00, created_at=shanghai(2026, 9, 1))
    deposit.hold(shanghai(2026, 9, 2))
    settle_deposit(None, deposit, "release", shanghai(2026, 9, 30, 16), AuctionRules())
    assert (deposit.status, deposit.release_by) == ("released", date(2026, 10, 10))


def test_deposit_release_working_days_come_from_configuration():
    rules = rules_from_config({"DEPOSIT_RELEASE_WORKING_DAYS": 1, "AUCTION_HOLIDAYS": ["2026-10-08"]})
    deposit = Deposit(bidder_id=7, amount_fen=0, created_at=shanghai(2026, 9, 1))
    settle_deposit(None, deposit, "release", shanghai(2026, 9, 30), rules)
    assert deposit.release_by == date(2026, 10, 9)


def test_deadline_needs_an_aware_time():
    with pytest.raises(ValueError):
        StatutoryCalendar().deadline_day(datetime(2026, 9, 30), 3)
