"""A lot's life leaves its audit entries, each in the transaction of its change, on SQLite and
PostgreSQL: created, opened, every bid decision, closed, deposits moved, confirmation issued;
a close that fails before its commit leaves none."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from market.adapters.audit_reads import AuditReads
from market.adapters.clock import FrozenClock
from market.services import auctions as svc
from market.services.audit import seal, verify_chain

from auction_world import INC, START, T0, add_lot, register_all


def _actions(w) -> Counter:
    seal(w.uow())
    with w.uow() as uow:
        return Counter((e["entity"].split(":")[0], e["action"]) for e in AuditReads(uow.session).chain())


def _bid(w, index, amount, clock):
    return svc.place_bid(w.uow(), actor_id=w.bidders[index], lot_id=w.lot_id, clock=clock, amount_fen=amount)


def test_a_sold_lot_leaves_every_step_in_one_verified_chain(world):
    w = world
    w.lot_id = add_lot(w, T0)
    register_all(w, w.lot_id, T0)
    clock = FrozenClock(T0 + timedelta(minutes=2))
    _bid(w, 0, START, clock)
    _bid(w, 1, START + INC, clock)
    _bid(w, 2, START + INC, clock)                       # refused: not above the current price
    clock.set(T0 + timedelta(minutes=32))
    svc.close_lot(w.uow(), w.lot_id, clock)
    actions = _actions(w)
    assert actions[("lot", "lot.created")] == 1
    assert actions[("lot", "lot.sold")] == 1
    assert actions[("lot", "bid.accepted")] == 2 and actions[("lot", "bid.refused")] == 1
    assert actions[("deposit", "deposit.released")] == 2 and actions[("deposit", "deposit.applied")] == 1
    assert actions[("confirmation", "confirmation.created")] == 1
    assert verify_chain(w.uow())[0] is None


def test_a_close_that_fails_before_commit_leaves_no_entry(world):
    w = world
    w.lot_id = add_lot(w, T0)
    register_all(w, w.lot_id, T0)
    clock = FrozenClock(T0 + timedelta(minutes=2))
    _bid(w, 0, START, clock)
    before = _actions(w)
    clock.set(T0 + timedelta(hours=1))
    with pytest.raises(RuntimeError):
        svc.close_lot(crash_before_commit(w.uow()), w.lot_id, clock)
    assert _actions(w) == before


def crash_before_commit(uow):
    """The unit of work, made to crash where it would commit (a process killed mid-change)."""
    def crash():
        raise RuntimeError("simulated crash before commit")
    uow.commit = crash
    return uow
