"""Deposits' states, the working-day calendar and the confirmation's signing deadline."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from market.domain import auctions as a
from market.domain.auctions import (CloseResult, Confirmation, Deposit, WorkingDayCalendar)

from auction_factories import T0, make_lot


def deposit():
    return Deposit(bidder_id=7, amount_fen=20_000_00, created_at=T0)


def test_deposit_moves_pending_held_applied_forfeited_refunded():
    d = deposit()
    for step, status in [("hold", "held"), ("apply", "applied"), ("forfeit", "forfeited"),
                         ("refund", "refunded")]:
        getattr(d, step)(T0)
        assert d.status == status


@pytest.mark.parametrize("path, illegal", [
    ((), "apply"), ((), "forfeit"), (("hold", "release"), "apply"),
    (("hold", "apply"), "release"), (("hold", "release"), "hold"), ((), "refund"),
])
def test_illegal_deposit_moves_are_refused(path, illegal):
    d = deposit()
    for step in path:
        getattr(d, step)(T0)
    with pytest.raises(a.IllegalTransition):
        getattr(d, illegal)(T0)


def test_pending_deposit_can_be_released():
    d = deposit()
    d.release(T0)
    assert d.status == "released" and d.settled_at == T0


def test_hold_records_the_gateway_reference():
    d = deposit()
    d.hold(T0, reference="BANK-20250303-01")
    assert (d.status, d.reference, d.held_at) == ("held", "BANK-20250303-01", T0)


def test_calendar_skips_weekends():
    cal = WorkingDayCalendar()
    assert cal.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)    # Fri -> Mon
    assert cal.add_working_days(date(2025, 3, 3), 5) == date(2025, 3, 10)    # Mon -> next Mon
    assert cal.add_working_days(date(2025, 3, 8), 5) == date(2025, 3, 14)    # Sat -> Fri


def test_calendar_skips_holidays_and_counts_swapped_working_weekends():
    cal = WorkingDayCalendar(holidays=["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06",
                                       "2025-10-07", "2025-10-08"], workdays=["2025-09-28", "2025-10-11"])
    assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)   # Fri -> working Sun
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert cal.add_working_days(date(2025, 10, 9), 2) == date(2025, 10, 11)  # Thu -> working Sat


def sold_lot():
    lot = make_lot()
    lot.id = 5
    return lot, CloseResult("sold", 7, 120_000_00, True)


def test_confirmation_deadline_is_five_working_days_in_shanghai():
    lot, result = sold_lot()
    # Friday 23:30 in Shanghai is still Friday there (UTC Friday 15:30)
    closed = datetime(2025, 3, 7, 15, 30, tzinfo=timezone.utc)
    conf = Confirmation.issue(lot=lot, result=result, market_code="SH", now=closed,
                              calendar=WorkingDayCalendar())
    assert conf.sign_by == date(2025, 3, 14)
    assert conf.deadline == datetime(2025, 3, 15, tzinfo=a.SHANGHAI)
    assert (conf.winner_id, conf.hammer_price_fen, conf.status) == (7, 120_000_00, "pending")


def test_confirmation_working_days_are_configurable():
    lot, result = sold_lot()
    conf = Confirmation.issue(lot=lot, result=result, market_code="SH", now=T0,
                              calendar=WorkingDayCalendar(), working_days=3)
    assert conf.sign_by == date(2025, 3, 6)


def test_unsold_result_has_no_confirmation():
    lot, _ = sold_lot()
    with pytest.raises(a.IllegalTransition):
        Confirmation.issue(lot=lot, result=CloseResult("unsold", None, None, False),
                           market_code="SH", now=T0, calendar=WorkingDayCalendar())


def confirmation():
    lot, result = sold_lot()
    return Confirmation.issue(lot=lot, result=result, market_code="SH", now=T0,
                              calendar=WorkingDayCalendar())


def test_signing_before_deadline_is_recorded():
    conf = confirmation()
    conf.sign(conf.deadline - timedelta(seconds=1), actor_id=3)
    assert (conf.status, conf.signed_by_id) == ("signed", 3)


def test_signing_after_deadline_is_refused():
    conf = confirmation()
    with pytest.raises(a.IllegalTransition):
        conf.sign(conf.deadline, actor_id=3)


def test_forfeit_waits_for_the_deadline():
    conf = confirmation()
    assert not conf.is_overdue(conf.deadline - timedelta(seconds=1))
    with pytest.raises(a.Conflict):
        conf.forfeit(conf.deadline - timedelta(seconds=1))
    assert conf.is_overdue(conf.deadline)
    conf.forfeit(conf.deadline)
    assert conf.status == "forfeited"


def test_signed_confirmation_cannot_be_forfeited():
    conf = confirmation()
    conf.sign(T0, actor_id=3)
    assert not conf.is_overdue(conf.deadline + timedelta(days=30))
    with pytest.raises(a.IllegalTransition):
        conf.forfeit(conf.deadline)


@pytest.mark.parametrize("field, value", [
    ("increment_fen", 0), ("starting_price_fen", -1), ("window_seconds", 5),
    ("free_period_ends_at", T0), ("reserve_price_fen", 0),
])
def test_invalid_lot_terms_are_rejected(field, value):
    with pytest.raises(a.ValidationFailed):
        make_lot(**{field: value})


def test_session_status_follows_its_lots():
    s = a.AuctionSession(market_code="SH", title="G60 科创走廊专场", operator_id=1, created_at=T0)
    lot = s.add_lot(make_lot())
    assert lot.lot_no == 1 and s.status(T0 - timedelta(minutes=1)) == "scheduled"
    assert s.status(T0) == "live"
    lot.close(lot.ends_at)
    assert s.status(lot.ends_at) == "finished"


def test_cancel_needs_a_reason_and_a_live_lot():
    lot = make_lot()
    with pytest.raises(a.ValidationFailed):
        lot.cancel(T0, " ")
    lot.cancel(T0, "权属争议")
    with pytest.raises(a.IllegalTransition):
        lot.cancel(T0, "again")
