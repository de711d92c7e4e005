"""Racing deals on PostgreSQL: whoever gets the achievement's row lock first has it, and the other
is refused (409) — never two deals on one achievement. Each race runs on several achievements at
once, both sides released by one barrier."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market import create_app
from market.adapters.clock import FrozenClock
from market.adapters.orm_auctions import auction_lots
from market.adapters.orm_deals import deal_agreements
from market.domain.errors import Conflict
from market.services import auctions as auction_svc
from market.services import deals as svc
from market.services import publicity as pub

from deal_world import T0, build_world, lot_terms, open_offer

ROUNDS = 8


@pytest.fixture
def app(postgres_url):
    app = create_app("testing", DATABASE_URL=postgres_url, CLOCK=FrozenClock(T0))   # pool: 10 + 20 overflow
    yield app
    app.extensions["market"].extra["engine"].dispose()


def race(calls: list) -> list:
    """Run the calls at once; each result is the call's answer or the exception it raised."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:   # noqa: BLE001 - the race's loser is an answer too
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _live_counts(uow_factory, achievement_id: int) -> tuple[int, int, str]:
    with uow_factory() as uow:
        agreements = uow.session.scalar(select(func.count()).select_from(deal_agreements).where(
            deal_agreements.c.achievement_id == achievement_id, deal_agreements.c.status != "voided"))
        lots = uow.session.scalar(select(func.count()).select_from(auction_lots).where(
            auction_lots.c.achievement_id == achievement_id))
        status = uow.achievements.get(achievement_id).status
    return agreements, lots, status


@pytest.mark.postgres
def test_two_companies_offers_accepted_at_once_leave_exactly_one_deal(app):
    uow_factory = app.extensions["market"].uow_factory
    w = build_world(uow_factory, achievements_count=ROUNDS, buyers=2)
    offers = [(open_offer(w, w.buyer_ids[0], a), open_offer(w, w.buyer_ids[1], a)) for a in w.achievement_ids]
    calls = [lambda o=o: svc.accept_offer(uow_factory(), actor_id=w.holder_id, offer_id=o, now=T0)
             for pair in offers for o in pair]
    results = race(calls)
    for i, achievement_id in enumerate(w.achievement_ids):
        first, second = results[2 * i], results[2 * i + 1]
        won = [r for r in (first, second) if isinstance(r, dict)]
        lost = [r for r in (first, second) if not isinstance(r, dict)]
        assert len(won) == 1 and len(lost) == 1, (first, second)
        assert isinstance(lost[0], Conflict) and lost[0].status == 409
        assert _live_counts(uow_factory, achievement_id) == (1, 0, "in_agreement")
    assert pub.list_notices(uow_factory())["total"] == ROUNDS   # one notice per deal, none for the losers


@pytest.mark.postgres
def test_an_agreement_racing_an_auction_lot_leaves_exactly_one_deal(app):
    uow_factory = app.extensions["market"].uow_factory
    w = build_world(uow_factory, achievements_count=ROUNDS, buyers=1)
    offers = [open_offer(w, w.buyer_ids[0], a) for a in w.achievement_ids]
    calls = []
    for offer_id, achievement_id, auction_id in zip(offers, w.achievement_ids, w.auction_ids):
        calls.append(lambda o=offer_id: svc.accept_offer(uow_factory(), actor_id=w.holder_id, offer_id=o, now=T0))
        calls.append(lambda a=achievement_id, s=auction_id: auction_svc.add_lot(
            uow_factory(), actor_id=w.operator_id, auction_id=s, **lot_terms(a)))
    results = race(calls)
    winners = {"agreement": 0, "lot": 0}
    for i, achievement_id in enumerate(w.achievement_ids):
        agreement, lot = results[2 * i], results[2 * i + 1]
        assert isinstance(agreement, dict) != isinstance(lot, dict), (agreement, lot)
        loser = lot if isinstance(agreement, dict) else agreement
        assert isinstance(loser, Conflict) and loser.status == 409, loser
        counts = _live_counts(uow_factory, achievement_id)
        if isinstance(agreement, dict):
            winners["agreement"] += 1
            assert counts == (1, 0, "in_agreement")
        else:
            winners["lot"] += 1
            assert counts == (0, 1, "in_auction")
    assert sum(winners.values()) == ROUNDS


@pytest.mark.postgres
def test_a_publicity_period_ends_exactly_once_however_many_sweeps_race(app):
    uow_factory = app.extensions["market"].uow_factory
    w = build_world(uow_factory, achievements_count=1, buyers=1)
    agreement = svc.accept_offer(uow_factory(), actor_id=w.holder_id,
                                 offer_id=open_offer(w, w.buyer_ids[0], w.achievement_ids[0]), now=T0)
    notice = pub.get_notice(uow_factory(), notice_id=agreement["publicity_notice_id"])
    clock = FrozenClock(notice["ends_at"] + timedelta(seconds=1))
    results = race([lambda: pub.sweep_publicity(uow_factory, clock) for _ in range(6)]
                   + [lambda: pub.end_notice(uow_factory(), notice["id"], clock) for _ in range(6)])
    ended = sum(len(r.ended) for r in results[:6]) + sum(1 for r in results[6:] if r is True)
    assert ended == 1, results
    assert all(not isinstance(r, BaseException) for r in results), results
    after = pub.get_notice(uow_factory(), notice_id=notice["id"])
    assert (after["status"], after["ended_at"]) == ("ended", clock.now())
    assert svc.get_agreement(uow_factory(), actor_id=w.holder_id, agreement_id=agreement["id"])["status"] == "signable"
