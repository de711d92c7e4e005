"""The price rules of issue 14: the grid anchored on the starting price, the reserve never
revealed while bidding and applied at the hammer, reserve >= start, the leader's raise of its
own proxy maximum, and a lot starting within a year."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from market.domain import auctions as a
from market.domain.auction_prices import grid_ceil, hammer_price
from market.domain.errors import ValidationFailed

from auction_factories import T0, Bidders, make_lot

START = 500_000_00     # 50万
INC = 10_000_00        # 1万
AT = T0 + timedelta(minutes=1)


def lot_with(**terms):
    lot = make_lot(starting_price_fen=START, increment_fen=INC, **terms)
    return lot, Bidders(lot, T0 - timedelta(days=1))


# --------------------------------------------------------------------------- the grid

def test_first_bid_off_the_starting_price_grid_is_refused():
    lot, bidders = lot_with()
    out = lot.place_bid(bidders(7), START + INC // 2, AT)
    assert (out.accepted, out.refusal) == (False, a.OFF_INCREMENT)
    assert lot.current_price_fen is None


def test_a_later_bid_on_the_starting_price_grid_is_accepted_after_a_raised_opening():
    lot, bidders = lot_with()
    assert lot.place_bid(bidders(7), START + 2 * INC, AT).accepted
    out = lot.place_bid(bidders(8), START + 3 * INC, AT)
    assert out.accepted and lot.current_price_fen == START + 3 * INC


def test_minimum_next_bid_is_the_next_price_on_the_starting_price_grid():
    lot, bidders = lot_with()
    assert lot.minimum_next_bid() == START
    lot.place_bid(bidders(7), START + 2 * INC, AT)
    assert lot.minimum_next_bid() == START + 3 * INC


def test_a_proxy_maximum_off_the_grid_bids_only_on_the_grid():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 4 * INC + INC // 3)
    out = lot.place_bid(bidders(8), None, AT, max_amount_fen=START + 9 * INC + 1)
    accepted = [b.amount_fen for b in sorted(out.bids, key=lambda b: b.seq)]
    assert accepted == [START + 3 * INC, START + 4 * INC, START + 5 * INC]
    assert all((x - START) % INC == 0 for x in accepted)


# --------------------------------------------------------------------------- the reserve

def test_a_proxy_reaching_the_reserve_does_not_reveal_it_while_bidding():
    lot, bidders = lot_with(reserve_price_fen=START + 5 * INC)
    out = lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 10 * INC)
    assert out.accepted and lot.current_price_fen == START       # not lifted to the reserve
    assert lot.reserve_met() is False


def test_the_shown_price_moves_one_increment_above_the_runner_up():
    lot, bidders = lot_with(reserve_price_fen=START + 5 * INC)
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 10 * INC)
    out = lot.place_bid(bidders(8), START + 2 * INC, AT)
    assert [(b.bidder_id, b.amount_fen) for b in out.bids] == [(8, START + 2 * INC), (7, START + 3 * INC)]
    assert lot.current_price_fen == START + 3 * INC and lot.leader_id == 7


def test_reserve_is_applied_at_the_hammer_when_the_leaders_maximum_reaches_it():
    lot, bidders = lot_with(reserve_price_fen=START + 5 * INC)
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 10 * INC)
    lot.place_bid(bidders(8), START + 2 * INC, AT)
    result = lot.close(lot.ends_at)
    assert (result.status, result.winner_id, result.hammer_price_fen) == ("sold", 7, START + 5 * INC)
    assert lot.current_price_fen == START + 5 * INC and lot.status == "sold"
    assert lot.closed_event(lot.ends_at)["hammer_price_fen"] == START + 5 * INC


def test_reserve_off_the_grid_is_applied_at_the_next_grid_price():
    lot, bidders = lot_with(reserve_price_fen=START + 5 * INC + 1)
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 6 * INC)
    assert lot.close(lot.ends_at).hammer_price_fen == START + 6 * INC


def test_lot_whose_leaders_maximum_falls_short_of_the_reserve_is_unsold():
    lot, bidders = lot_with(reserve_price_fen=START + 5 * INC)
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 5 * INC - 1)
    result = lot.close(lot.ends_at)
    assert (result.status, result.winner_id, result.hammer_price_fen) == ("unsold", None, None)


def test_shown_price_at_or_above_the_reserve_is_the_hammer_price():
    assert hammer_price(current_price_fen=START + 7 * INC, leader_max_fen=START + 9 * INC,
                        reserve_price_fen=START + 5 * INC, starting_price_fen=START,
                        increment_fen=INC) == START + 7 * INC
    assert grid_ceil(START + 1, START, INC) == START + INC and grid_ceil(START, START, INC) == START


def test_reserve_below_the_starting_price_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as err:
        lot_with(reserve_price_fen=START - 1)
    assert list(err.value.errors) == ["reserve_price_fen"]


def test_reserve_equal_to_the_starting_price_is_accepted():
    lot, _ = lot_with(reserve_price_fen=START)
    assert lot.reserve_price_fen == START


# --------------------------------------------------------------------------- the leader's maximum

def test_leader_may_raise_its_own_proxy_maximum_without_moving_the_price():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 3 * INC)
    count, ends = lot.bid_count, lot.ends_at
    out = lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 8 * INC)
    assert (out.accepted, out.refusal, out.leading) == (True, None, True)
    assert lot.current_price_fen == START and lot.leader_max_fen == START + 8 * INC
    assert (lot.bid_count, lot.ends_at) == (count, ends)


def test_leaders_raise_is_recorded_as_accepted_outside_the_price_sequence():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 3 * INC)
    out = lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 8 * INC)
    assert [(b.kind, b.accepted, b.refusal, b.seq, b.amount_fen) for b in out.bids] == [
        ("raise", True, None, None, None)]


def test_leaders_raise_restarts_no_window_and_announces_nothing():
    lot, bidders = lot_with()
    at = lot.free_period_ends_at + timedelta(minutes=1)
    lot.place_bid(bidders(7), START, at)
    ends = lot.ends_at
    out = lot.place_bid(bidders(7), None, at + timedelta(minutes=2), max_amount_fen=START + 8 * INC)
    assert out.accepted and not out.window_restarted and out.events == [] and lot.ends_at == ends


def test_raised_maximum_defends_the_lead_against_a_later_challenger():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 3 * INC)
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 8 * INC)
    out = lot.place_bid(bidders(8), START + 5 * INC, AT)
    assert out.accepted and not out.leading
    assert (lot.leader_id, lot.current_price_fen) == (7, START + 6 * INC)


def test_leader_may_not_lower_its_own_proxy_maximum():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 8 * INC)
    out = lot.place_bid(bidders(7), None, AT, max_amount_fen=START + 3 * INC)
    assert (out.accepted, out.refusal) == (False, a.MAXIMUM_NOT_RAISED)
    assert lot.leader_max_fen == START + 8 * INC
    assert out.holds_only_on_state_read   # once outbid, the same request is a bid again


def test_leaders_plain_bid_is_still_refused_as_already_leading():
    lot, bidders = lot_with()
    lot.place_bid(bidders(7), START, AT)
    assert lot.place_bid(bidders(7), START + INC, AT).refusal == a.ALREADY_LEADING


# --------------------------------------------------------------------------- the start date

def test_lot_starting_more_than_a_year_ahead_is_refused_naming_starts_at():
    created = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    with pytest.raises(ValidationFailed) as err:
        make_lot(created_at=created, starts_at=created + timedelta(days=366),
                 free_period_ends_at=created + timedelta(days=367))
    assert list(err.value.errors) == ["starts_at"]


def test_lot_starting_a_year_ahead_to_the_day_is_accepted():
    created = datetime(2024, 2, 29, 2, 0, tzinfo=timezone.utc)
    lot = make_lot(created_at=created, starts_at=datetime(2025, 2, 28, 2, 0, tzinfo=timezone.utc),
                   free_period_ends_at=datetime(2025, 2, 28, 3, 0, tzinfo=timezone.utc))
    assert lot.status == "scheduled"
