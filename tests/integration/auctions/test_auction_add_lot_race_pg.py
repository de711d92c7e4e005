"""Lots added to one auction session at the same moment, on PostgreSQL: each gets its own lot
number (the session's row lock orders them), none fails on the (session, lot_no) constraint."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from market.adapters.clock import SystemClock
from market.services import auctions as svc

from auction_world import INC, START, build_world

LOTS = 6


@pytest.mark.postgres
def test_lots_added_to_one_session_at_once_each_get_their_own_number(auction_pg_url):
    now = SystemClock().now()
    w = build_world(auction_pg_url, now - timedelta(minutes=5), achievements=LOTS,
                    engine_kwargs={"pool_size": LOTS, "max_overflow": 2})
    barrier, answers, errors = threading.Barrier(LOTS), [], []

    def offer(index: int) -> None:
        try:
            barrier.wait()
            answers.append(svc.add_lot(
                w.uow(), actor_id=w.operator_id, auction_id=w.auction_id,
                achievement_id=w.achievement_ids[index], starting_price_fen=START, increment_fen=INC,
                deposit_fen=1_000_00, starts_at=now + timedelta(hours=1),
                free_period_ends_at=now + timedelta(hours=2), window_seconds=60, now=now))
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=offer, args=(i,)) for i in range(LOTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(a["lot_no"] for a in answers) == list(range(1, LOTS + 1))
