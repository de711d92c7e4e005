"""Parallel bidders on PostgreSQL, with sealers running at the same time (as the scheduler's sweep
and other commits do), leave ONE audit chain: every bid decision has its entry, the seqs run 1..n
without a gap, no seq is used twice, and every hash chains on the one before."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from market.adapters.audit_reads import AuditReads
from market.adapters.clock import SystemClock
from market.adapters.orm_audit import audit_log
from market.domain import audit
from market.services import auctions as svc
from market.services.audit import pending, seal, verify_chain

from auction_world import INC, START, build_world, run_at_once
from test_auction_concurrency_pg import _open_lot_now

THREADS = 16
BIDS_EACH = 8
SEALERS = 3


@pytest.mark.postgres
def test_parallel_bidders_leave_one_gap_free_unforked_chain(auction_pg_url):
    clock = SystemClock()
    now = clock.now()
    w = build_world(auction_pg_url, now - timedelta(minutes=5), bidders=THREADS,
                    engine_kwargs={"pool_size": THREADS, "max_overflow": 4})
    _open_lot_now(w, now)
    with w.uow() as uow:
        before = AuditReads(uow.session).head()[0]
    answers, lock = [], threading.Lock()

    done = threading.Event()

    def bidder(index: int) -> None:
        seen = START - INC
        for _ in range(BIDS_EACH):
            answer = svc.place_bid(w.uow(), actor_id=w.bidders[index], lot_id=w.lot_id,
                                   clock=clock, amount_fen=seen + INC)
            with lock:
                answers.append(answer)
            seen = answer["price_fen"] or seen

    def worker(index: int) -> None:
        if index >= THREADS:                 # a sealer, racing the others and the bidders
            while not done.is_set():
                seal(w.uow())
            return
        try:
            bidder(index)
        finally:
            with lock:
                finished.append(index)
                if len(finished) == THREADS:
                    done.set()

    finished: list[int] = []
    assert run_at_once(THREADS + SEALERS, worker) == []
    assert len(answers) == THREADS * BIDS_EACH
    seal(w.uow())
    assert pending(w.uow()) == 0

    with w.uow() as uow:
        entries = list(AuditReads(uow.session).chain())
        head = AuditReads(uow.session).head()
        seqs = list(uow.session.scalars(select(audit_log.c.seq).order_by(audit_log.c.seq)))
    assert seqs == list(range(1, len(seqs) + 1))                    # no gap, no duplicate
    assert head == (len(seqs), entries[-1]["hash"])                  # the head is the last entry
    assert audit.verify(entries) is None                             # one chain, no fork
    bid_entries = [e for e in entries[before:] if e["entity"] == f"lot:{w.lot_id}"
                   and e["action"].startswith("bid.")]
    decided = Counter("bid.accepted" if a["accepted"] else "bid.refused" for a in answers)
    assert Counter(e["action"] for e in bid_entries) == decided      # every decision, once
    assert all(e["market_code"] == "SH" for e in bid_entries)
    assert verify_chain(w.uow())[0] is None
