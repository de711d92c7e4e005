"""Whatever bidders do, the accepted bids form one strictly increasing, gap-free sequence."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings, strategies as st

from auction_factories import T0, Bidders, make_lot

START = 100_000_00
INC = 5_000_00

bids = st.lists(st.tuples(st.integers(1, 5),                  # bidder
                          st.integers(-2, 12),                # amount in increments (-2: below)
                          st.one_of(st.none(), st.integers(0, 30)),  # proxy maximum, increments
                          st.integers(0, 120)),               # seconds since the previous bid
                min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(bids, st.one_of(st.none(), st.integers(0, 25)))
def test_accepted_bids_strictly_increase_and_the_price_is_the_last_one(steps, reserve_steps):
    lot = make_lot(reserve_price_fen=None if reserve_steps is None else START + reserve_steps * INC,
                   free_period_ends_at=T0 + timedelta(minutes=2), window_seconds=60)
    register = Bidders(lot, T0 - timedelta(hours=1))
    now = T0
    accepted = []
    highest_max = {}
    for org, steps_up, proxy, wait in steps:
        now += timedelta(seconds=wait)
        base = lot.current_price_fen or START
        amount = base + steps_up * INC if steps_up else None
        maximum = None if proxy is None else base + proxy * INC + 7
        if amount is None and maximum is None:
            amount = base
        if amount is not None and maximum is not None and maximum < amount:
            maximum = amount
        ends_before, price_before = lot.ends_at, lot.current_price_fen
        out = lot.place_bid(register(1 + org), amount, now, max_amount_fen=maximum)
        for b in out.bids:
            assert b.at == now
        if out.own.kind == "raise":   # the leader's own maximum: outside the price sequence
            assert out.bids == [out.own] and out.own.seq is None
            assert (lot.current_price_fen, lot.ends_at) == (price_before, ends_before)
        new = sorted((b for b in out.bids if b.accepted and b.kind != "raise"), key=lambda b: b.seq)
        accepted += new
        if new and now >= lot.free_period_ends_at:
            assert lot.ends_at == now + timedelta(seconds=60)
        elif not new:
            assert lot.ends_at == ends_before
        if out.accepted:
            highest_max[1 + org] = max(highest_max.get(1 + org, 0), maximum or amount)
    assert [b.seq for b in accepted] == list(range(1, len(accepted) + 1))
    amounts = [b.amount_fen for b in accepted]
    assert all(x < y for x, y in zip(amounts, amounts[1:]))
    assert all(x >= START and (x - START) % INC == 0 for x in amounts)   # the start's grid
    if accepted:
        assert lot.current_price_fen == amounts[-1] and lot.leader_id == accepted[-1].bidder_id
        assert lot.leader_max_fen >= lot.current_price_fen
        # nobody ever pays more than they allowed
        for b in accepted:
            if b.kind != "auto":
                assert b.amount_fen <= (b.max_amount_fen or b.amount_fen)
