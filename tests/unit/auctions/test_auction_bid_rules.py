"""Bid rules of a timed lot: refusals, increments, windows, proxies, ties, reserve."""
from __future__ import annotations

from datetime import timedelta

import pytest

from market.domain import auctions as a
from market.domain.auctions import Bidder
from market.domain.errors import ValidationFailed

from auction_factories import SELLER, T0, Bidders, make_lot

START = 100_000_00
INC = 5_000_00


def accepted_amounts(outcomes):
    return [b.amount_fen for o in outcomes for b in sorted(o.bids, key=lambda b: b.seq or 0)
            if b.accepted]


# --------------------------------------------------------------------------- refusals

def test_unregistered_bidder_is_refused(lot, clock):
    out = lot.place_bid(Bidder(7, 70, None), START, clock.now())
    assert (out.accepted, out.refusal) == (False, a.NOT_REGISTERED)
    assert out.own.refusal == a.NOT_REGISTERED and out.own.amount_fen == START
    assert lot.current_price_fen is None and lot.bid_count == 0


def test_registration_of_another_organisation_does_not_count(lot, bidders, clock):
    other = bidders(8)
    out = lot.place_bid(Bidder(7, 70, other.registration), START, clock.now())
    assert out.refusal == a.NOT_REGISTERED


def test_bid_with_pending_deposit_is_refused(lot, bidders, clock):
    out = lot.place_bid(bidders(7, held=False), START, clock.now())
    assert out.refusal == a.DEPOSIT_NOT_HELD


def test_bid_after_deposit_released_is_refused(lot, bidders, clock):
    bidder = bidders(7)
    bidder.registration.deposit.release(clock.now())
    assert lot.place_bid(bidder, START, clock.now()).refusal == a.DEPOSIT_NOT_HELD


def test_seller_cannot_bid_on_own_lot(lot, clock):
    out = lot.place_bid(Bidder(SELLER, 1, None), START, clock.now())
    assert out.refusal == a.OWN_LOT


def test_seller_cannot_register_for_own_lot(lot, clock):
    with pytest.raises(a.Forbidden):
        lot.register(bidder_id=SELLER, user_id=1, paddle_no=1, now=clock.now())


def test_first_bid_below_start_is_refused(lot, bidders, clock):
    out = lot.place_bid(bidders(7), START - 1, clock.now())
    assert out.refusal == a.BELOW_START


def test_first_bid_above_start_on_the_grid_is_accepted(lot, bidders, clock):
    out = lot.place_bid(bidders(7), START + 2 * INC, clock.now())
    assert out.accepted and lot.current_price_fen == START + 2 * INC


def test_bid_off_increment_is_rejected(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(8), START + INC + 1, clock.now())
    assert out.refusal == a.OFF_INCREMENT
    assert lot.current_price_fen == START


def test_bid_of_several_whole_increments_is_accepted(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(8), START + 3 * INC, clock.now())
    assert out.accepted and lot.current_price_fen == START + 3 * INC


@pytest.mark.parametrize("amount", [START, START - INC])
def test_bid_not_above_current_is_refused(lot, bidders, clock, amount):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(8), amount, clock.now())
    assert out.refusal == a.NOT_ABOVE_CURRENT


def test_bid_before_open_is_refused(lot, bidders):
    out = lot.place_bid(bidders(7), START, T0 - timedelta(seconds=1))
    assert out.refusal == a.BEFORE_OPEN and lot.status == "scheduled"


def test_bid_after_end_is_refused_even_before_the_close_is_recorded(lot, bidders):
    out = lot.place_bid(bidders(7), START, lot.ends_at)
    assert out.refusal == a.AFTER_CLOSE
    assert lot.status in a.LIVE_LOT_STATUSES   # nobody closed it yet; the rule still holds


def test_bid_on_closed_lot_is_refused(lot, bidders, clock):
    late = bidders(8)
    lot.place_bid(bidders(7), START, clock.now())
    lot.close(lot.ends_at)
    assert lot.place_bid(late, START + INC, clock.now()).refusal == a.AFTER_CLOSE


def test_bid_on_cancelled_lot_is_refused(lot, bidders, clock):
    bidder = bidders(7)
    lot.cancel(clock.now(), "权属争议")
    assert lot.place_bid(bidder, START, clock.now()).refusal == a.LOT_CANCELLED


def test_leader_cannot_outbid_itself(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(7), START + INC, clock.now())
    assert out.refusal == a.ALREADY_LEADING and lot.current_price_fen == START


def test_acceptance_and_liftable_refusals_hold_only_on_the_state_they_were_decided_on(lot, bidders, clock):
    first = lot.place_bid(bidders(7), START, clock.now())
    leading = lot.place_bid(bidders(7), START + INC, clock.now())
    assert first.accepted and first.holds_only_on_state_read
    assert leading.refusal == a.ALREADY_LEADING and leading.holds_only_on_state_read


@pytest.mark.parametrize("amount", [START, START + INC // 2])
def test_refusals_no_later_bid_can_lift_stand_on_any_later_state(lot, bidders, clock, amount):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(8), amount, clock.now())
    assert out.refusal in (a.NOT_ABOVE_CURRENT, a.OFF_INCREMENT)
    assert not out.holds_only_on_state_read
    lot.place_bid(bidders(9), START + 3 * INC, clock.now())     # the lot moves on: still refused
    assert not lot.place_bid(bidders(8), amount, clock.now()).accepted


def test_every_refusal_code_has_a_message():
    codes = [v for k, v in vars(a).items() if k.isupper() and isinstance(v, str)
             and v in a.REFUSALS]
    assert len(codes) == len(a.REFUSALS) == 12
    assert all(a.REFUSALS[c] for c in codes)


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", True])
def test_malformed_amount_is_a_validation_error(lot, bidders, clock, amount):
    with pytest.raises(ValidationFailed):
        lot.place_bid(bidders(7), amount, clock.now())


def test_naive_time_is_refused_by_the_domain(lot, bidders, clock):
    with pytest.raises(ValueError):
        lot.place_bid(bidders(7), START, clock.now().replace(tzinfo=None))


# --------------------------------------------------------------------------- open and windows

def test_first_bid_opens_a_lot_the_scheduler_has_not_opened_yet(lot, bidders, clock):
    out = lot.place_bid(bidders(7), START, clock.now())
    assert lot.status == "open" and lot.opened_at == clock.now()
    assert [e["type"] for e in out.events] == ["lot_opened", "bid_accepted"]


def test_bid_in_free_period_does_not_move_the_end(lot, bidders, clock):
    ends = lot.ends_at
    out = lot.place_bid(bidders(7), START, clock.now())
    assert out.window_restarted is False and lot.ends_at == ends == T0 + timedelta(minutes=65)


def test_bid_in_timed_window_restarts_the_window(lot, bidders):
    at = lot.free_period_ends_at + timedelta(minutes=4)
    out = lot.place_bid(bidders(7), START, at)
    assert out.window_restarted and lot.ends_at == at + timedelta(minutes=5)
    assert out.events[-1] == {"type": "window_restarted", "lot_id": None,
                              "at": at.isoformat(), "ends_at": lot.ends_at.isoformat()}


def test_windows_keep_restarting_until_one_passes_without_a_bid(lot, bidders):
    at = lot.free_period_ends_at
    for i, org in enumerate([7, 8, 7, 8]):
        at += timedelta(minutes=4, seconds=59)
        assert lot.place_bid(bidders(org), START + i * INC, at).accepted
    assert lot.ends_at == at + timedelta(minutes=5)
    assert lot.place_bid(bidders(7), START + 4 * INC, lot.ends_at).refusal == a.AFTER_CLOSE
    assert lot.close(lot.ends_at).status == "sold"


def test_refused_bid_does_not_restart_the_window(lot, bidders):
    at = lot.free_period_ends_at + timedelta(minutes=1)
    ends = lot.ends_at
    out = lot.place_bid(bidders(7), START - 1, at)
    assert out.refusal == a.BELOW_START and lot.ends_at == ends


def test_lot_cannot_close_before_its_end(lot):
    with pytest.raises(a.Conflict):
        lot.close(lot.ends_at - timedelta(seconds=1))


def test_second_close_is_illegal(lot):
    lot.close(lot.ends_at)
    with pytest.raises(a.IllegalTransition):
        lot.close(lot.ends_at)


def test_lot_with_no_bid_closes_unsold(lot):
    result = lot.close(lot.ends_at)
    assert (result.status, result.winner_id, lot.status) == ("unsold", None, "unsold")


# --------------------------------------------------------------------------- reserve

def test_reserve_met_sells_to_the_highest_bidder():
    lot = make_lot(reserve_price_fen=START + INC)
    bidders = Bidders(lot, T0)
    at = T0 + timedelta(minutes=1)
    lot.place_bid(bidders(7), START, at)
    lot.place_bid(bidders(8), START + INC, at)
    assert lot.reserve_met() is True
    result = lot.close(lot.ends_at)
    assert (result.status, result.winner_id, result.hammer_price_fen) == ("sold", 8, START + INC)


def test_reserve_not_met_leaves_the_lot_unsold():
    lot = make_lot(reserve_price_fen=START + 2 * INC)
    bidders = Bidders(lot, T0)
    lot.place_bid(bidders(7), START + INC, T0 + timedelta(minutes=1))
    assert lot.reserve_met() is False
    result = lot.close(lot.ends_at)
    assert (result.status, result.winner_id, result.hammer_price_fen) == ("unsold", None, None)


def test_lot_without_reserve_reports_no_reserve(lot):
    assert lot.reserve_met() is None


def test_proxy_below_the_reserve_stays_at_the_opening_bid():
    lot = make_lot(reserve_price_fen=START + 20 * INC)
    bidders = Bidders(lot, T0)
    lot.place_bid(bidders(7), None, T0 + timedelta(minutes=1), max_amount_fen=START + 10 * INC)
    assert lot.current_price_fen == START and lot.reserve_met() is False


# --------------------------------------------------------------------------- proxies and ties

def test_proxy_answers_a_challenger_by_one_increment(lot, bidders, clock):
    first = lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 10 * INC)
    assert first.accepted and lot.current_price_fen == START
    out = lot.place_bid(bidders(8), START + 2 * INC, clock.now())
    assert out.accepted and not out.leading
    assert [(b.bidder_id, b.amount_fen, b.kind) for b in out.bids] == [
        (8, START + 2 * INC, "manual"), (7, START + 3 * INC, "auto")]
    assert (lot.leader_id, lot.current_price_fen) == (7, START + 3 * INC)


def test_proxy_is_never_made_to_outbid_itself(lot, bidders, clock):
    lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 10 * INC)
    lot.place_bid(bidders(8), START + INC, clock.now())
    assert lot.current_price_fen == START + 2 * INC and lot.bid_count == 3
    # the leader's own maximum never raises the price without a challenger
    assert lot.place_bid(bidders(7), START + 3 * INC, clock.now()).refusal == a.ALREADY_LEADING
    assert lot.current_price_fen == START + 2 * INC


def test_challenger_above_the_proxy_maximum_wins_one_increment_above_it(lot, bidders, clock):
    lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 4 * INC + 1)
    out = lot.place_bid(bidders(8), None, clock.now(), max_amount_fen=START + 9 * INC)
    assert out.accepted and out.leading
    assert [(b.bidder_id, b.amount_fen, b.kind) for b in sorted(out.bids, key=lambda b: b.seq)] == [
        (8, START + 3 * INC, "proxy"), (7, START + 4 * INC, "auto"), (8, START + 5 * INC, "proxy")]
    assert out.own.amount_fen == START + 5 * INC
    assert lot.current_price_fen == START + 5 * INC


def test_manual_bid_above_the_proxy_maximum_takes_the_lead_at_its_amount(lot, bidders, clock):
    lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 4 * INC)
    out = lot.place_bid(bidders(8), START + 7 * INC, clock.now())
    assert [(b.bidder_id, b.amount_fen) for b in out.bids] == [(8, START + 7 * INC)]
    assert lot.leader_id == 8


def test_equal_maxima_go_to_the_earlier_bidder(lot, bidders, clock):
    lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 4 * INC)
    out = lot.place_bid(bidders(8), None, clock.now() + timedelta(seconds=1),
                        max_amount_fen=START + 4 * INC)
    assert (out.accepted, out.refusal, out.leading) == (False, a.TIED_EARLIER_MAXIMUM, False)
    assert (lot.leader_id, lot.current_price_fen) == (7, START + 4 * INC)
    auto = [b for b in out.bids if b.accepted]
    assert [(b.bidder_id, b.amount_fen, b.kind) for b in auto] == [(7, START + 4 * INC, "auto")]


def test_manual_bid_equal_to_an_earlier_maximum_loses_on_time(lot, bidders, clock):
    lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 4 * INC + 2)
    out = lot.place_bid(bidders(8), START + 4 * INC, clock.now())
    assert out.refusal == a.TIED_EARLIER_MAXIMUM
    assert (lot.leader_id, lot.current_price_fen) == (7, START + 4 * INC)


def test_equal_manual_bids_go_to_the_first(lot, bidders, clock):
    lot.place_bid(bidders(6), START, clock.now())
    first = lot.place_bid(bidders(7), START + INC, clock.now())
    second = lot.place_bid(bidders(8), START + INC, clock.now())
    assert first.accepted and second.refusal == a.NOT_ABOVE_CURRENT
    assert lot.leader_id == 7


def test_proxy_maximum_below_next_bid_is_refused(lot, bidders, clock):
    lot.place_bid(bidders(7), START, clock.now())
    out = lot.place_bid(bidders(8), None, clock.now(), max_amount_fen=START + INC - 1)
    assert out.refusal == a.NOT_ABOVE_CURRENT


def test_first_proxy_below_start_is_refused(lot, bidders, clock):
    out = lot.place_bid(bidders(8), None, clock.now(), max_amount_fen=START - 1)
    assert out.refusal == a.BELOW_START


def test_proxy_maximum_below_its_own_bid_is_a_validation_error(lot, bidders, clock):
    with pytest.raises(ValidationFailed):
        lot.place_bid(bidders(8), START + INC, clock.now(), max_amount_fen=START)


def test_accepted_sequence_is_strictly_increasing_through_a_proxy_war(lot, bidders, clock):
    outcomes = [
        lot.place_bid(bidders(7), None, clock.now(), max_amount_fen=START + 6 * INC),
        lot.place_bid(bidders(8), START + INC, clock.now()),
        lot.place_bid(bidders(9), None, clock.now(), max_amount_fen=START + 12 * INC),
        lot.place_bid(bidders(7), START + 10 * INC, clock.now()),
        lot.place_bid(bidders(8), START + 20 * INC, clock.now()),
    ]
    accepted = sorted((b for o in outcomes for b in o.bids if b.accepted), key=lambda b: b.seq)
    assert [b.seq for b in accepted] == list(range(1, len(accepted) + 1))
    amounts = [b.amount_fen for b in accepted]
    assert amounts == sorted(set(amounts))
    assert lot.current_price_fen == amounts[-1] == START + 20 * INC and lot.leader_id == 8
    consecutive_same_bidder = [x for x, y in zip(accepted, accepted[1:]) if x.bidder_id == y.bidder_id]
    assert consecutive_same_bidder == []


def test_bid_events_carry_paddle_numbers_not_organisations(lot, bidders, clock):
    out = lot.place_bid(bidders(7), START, clock.now())
    event = out.events[-1]
    assert event["type"] == "bid_accepted" and event["paddle_no"] == 1
    assert 7 not in event.values()
