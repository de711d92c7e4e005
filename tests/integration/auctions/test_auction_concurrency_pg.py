"""32 bidders at once on one lot, on PostgreSQL: version-conditional writes (and the row lock,
for a bid that keeps losing the race) serialise them."""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from market.adapters.clock import FrozenClock, SystemClock
from market.services import auctions as svc

from auction_world import INC, START, T0, add_lot, build_world, register_all

THREADS = 32
BIDS_EACH = 12


def _open_lot_now(w, now) -> None:
    """A lot open since a minute ago, in its free period for the next hour, every bidder's
    deposit held."""
    starts = now - timedelta(minutes=1)
    w.lot_id = svc.add_lot(w.uow(), actor_id=w.operator_id, auction_id=w.auction_id,
                           achievement_id=w.achievement_ids[0], starting_price_fen=START,
                           increment_fen=INC, deposit_fen=1_000_00, starts_at=starts,
                           free_period_ends_at=now + timedelta(hours=1), window_seconds=60,
                           now=starts - timedelta(minutes=1))["id"]
    register_all(w, w.lot_id, starts - timedelta(seconds=30))


@pytest.mark.postgres
def test_concurrent_bids_form_one_strictly_increasing_sequence_and_none_is_lost(auction_pg_url):
    clock = SystemClock()
    now = clock.now()
    w = build_world(auction_pg_url, now - timedelta(minutes=5), bidders=THREADS,
                    engine_kwargs={"pool_size": THREADS, "max_overflow": 4})
    _open_lot_now(w, now)
    answers: list[dict] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def bidder(index: int) -> None:
        rng = random.Random(index)
        seen = START - INC
        try:
            barrier.wait()
            for _ in range(BIDS_EACH):
                amount = seen + INC * rng.randint(1, 3)
                answer = svc.place_bid(w.uow(), actor_id=w.bidders[index], lot_id=w.lot_id,
                                       clock=clock, amount_fen=max(amount, START))
                with lock:
                    answers.append(answer)
                seen = answer["price_fen"] or seen
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bidder, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) == THREADS * BIDS_EACH

    accepted = sorted((a for a in answers if a["accepted"]), key=lambda a: a["bid"]["seq"])
    # real contention, real progress: bidders racing for the same price mostly lose, but the lot
    # keeps moving (the exact share depends on scheduling)
    assert len(accepted) >= THREADS // 2
    refused = {a["refusal"] for a in answers if not a["accepted"]}
    assert refused <= {"not_above_current", "already_leading"}

    with w.uow() as uow:
        repo = svc.auctions_repo(uow)
        stored = sorted(((b.seq, b.amount_fen, b.at, b.bidder_id)
                         for b in repo.bids(w.lot_id, accepted_only=True)))
        lot = repo.lot(w.lot_id)
        price, bid_count, leader = lot.current_price_fen, lot.bid_count, lot.leader_id
        all_bids = len(repo.bids(w.lot_id))
    # none lost, none double-counted: every accepted answer is one stored bid, and vice versa
    assert [s[0] for s in stored] == list(range(1, len(stored) + 1))
    assert [(a["bid"]["seq"], a["bid"]["amount_fen"]) for a in accepted] == [s[:2] for s in stored]
    assert all_bids == len(answers)
    amounts = [s[1] for s in stored]
    assert all(x < y for x, y in zip(amounts, amounts[1:]))
    times = [s[2] for s in stored]
    assert times == sorted(times)            # server time read before the write follows the sequence
    assert price == max(amounts) == amounts[-1]
    assert bid_count == len(stored)
    assert leader == stored[-1][3]
    w.engine.dispose()


def _race_copies_of_one_bid(url: str, *, amount_fen: int, key: str, copies: int = 8, amount_of=None):
    """A lot open now, and `copies` threads sending the same bid with one idempotency key at once
    (a client retrying while its first request is still in flight; with `amount_of(i)`, copy i
    sends that amount instead: a client reusing a key by mistake)."""
    clock = SystemClock()
    now = clock.now()
    w = build_world(url, now - timedelta(minutes=5), bidders=2)
    _open_lot_now(w, now)
    barrier = threading.Barrier(copies)
    answers, errors = [], []

    def send(i: int):
        try:
            barrier.wait()
            answers.append(svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                                         amount_fen=amount_of(i) if amount_of else amount_fen,
                                         idempotency_key=key))
        except BaseException as exc:   # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return w, answers, errors


@pytest.mark.postgres
def test_two_copies_of_one_request_racing_record_one_bid(auction_pg_url):
    w, answers, errors = _race_copies_of_one_bid(auction_pg_url, amount_fen=START, key="retry-me")
    assert errors == []
    assert len({(a["accepted"], a["bid"]["seq"], a["bid"]["at"]) for a in answers}) == 1
    assert answers[0]["accepted"] and sum(not a["replayed"] for a in answers) == 1
    with w.uow() as uow:
        assert len(svc.auctions_repo(uow).bids(w.lot_id)) == 1
    w.engine.dispose()


@pytest.mark.postgres
def test_one_key_racing_with_two_amounts_records_one_bid_and_refuses_the_other_amount(auction_pg_url):
    from market.domain.errors import ValidationFailed
    amounts = [START, START + INC]
    w, answers, errors = _race_copies_of_one_bid(auction_pg_url, amount_fen=START, key="reused",
                                                 amount_of=lambda i: amounts[i % 2])
    with w.uow() as uow:
        stored = [(b.amount_fen, b.accepted) for b in svc.auctions_repo(uow).bids(w.lot_id)]
    w.engine.dispose()
    assert len(stored) == 1 and stored[0][1]
    winner = stored[0][0]
    # the winning amount's copies are replays of its one answer; the other amount's are 422
    assert len(answers) == 4 and {a["bid"]["amount_fen"] for a in answers} == {winner}
    assert sum(not a["replayed"] for a in answers) == 1
    assert len(errors) == 4 and all(isinstance(e, ValidationFailed) for e in errors)


def _probe_lock(engine, lot_id: int) -> bool:
    """True if another transaction can take the lot's row lock right now (NOWAIT)."""
    from sqlalchemy.exc import OperationalError
    with engine.connect() as conn:
        try:
            conn.execute(text("SELECT id FROM auction_lots WHERE id = :id FOR UPDATE NOWAIT"), {"id": lot_id})
            return True
        except OperationalError:
            return False
        finally:
            conn.rollback()


@pytest.fixture
def lot_world(auction_pg_url):
    """Three registered bidders and a lot open since T0 (bids at T0 + 2 min)."""
    w = build_world(auction_pg_url, T0)
    w.lot_id = add_lot(w, T0)
    register_all(w, w.lot_id, T0)
    yield w
    w.engine.dispose()


BID_TIME = FrozenClock(T0 + timedelta(minutes=2))


def _lock_free_during(w, monkeypatch, owner, name: str) -> list[bool]:
    """Two bids on the lot (an accepted START, then a refused START); for each call of
    `owner.name` they make, whether another transaction could take the lot's row lock."""
    probe_engine = create_engine(w.engine.url)
    free = []
    real = getattr(owner, name)

    def probing(self, *args, **kwargs):
        free.append(_probe_lock(probe_engine, w.lot_id))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, probing)
    accepted = svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=BID_TIME, amount_fen=START)
    refused = svc.place_bid(w.uow(), actor_id=w.bidders[1], lot_id=w.lot_id, clock=BID_TIME, amount_fen=START)
    assert accepted["accepted"] and refused["refusal"] == "not_above_current"
    with w.uow() as uow:
        assert [b.accepted for b in svc.auctions_repo(uow).bids(w.lot_id)] == [True, False]
    probe_engine.dispose()
    return free


@pytest.mark.postgres
def test_the_lot_is_not_locked_while_a_bid_is_decided(lot_world, monkeypatch):
    from market.domain.auctions import Lot

    assert _lock_free_during(lot_world, monkeypatch, Lot, "place_bid") == [True, True]


@pytest.mark.postgres
def test_under_the_row_lock_a_refusal_releases_the_lot_before_recording_itself(lot_world, monkeypatch):
    from market.adapters.auction_repository import AuctionRepository
    from market.services import bidding

    monkeypatch.setattr(bidding, "OPTIMISTIC_TRIES", 0)   # every bid reads under the row lock
    assert _lock_free_during(lot_world, monkeypatch, AuctionRepository, "record_bid") == [False, True]


def _outbid_after_each_read(w, monkeypatch, *, times: int, clock):
    """After the bid under test (bidder 0's) has read the lot, a rival's bid lands first, `times`
    times (bidders 1 and 2 take turns, so each raise is a valid one)."""
    from market.adapters.auction_repository import AuctionRepository

    real_read = AuctionRepository.read_bid_context
    reads = []

    def read_then_outbid(self, lot_id, user_id, key=None, *, lock=True):
        ctx = real_read(self, lot_id, user_id, key, lock=lock)
        reads.append(lock)
        if len(reads) <= times:
            monkeypatch.setattr(AuctionRepository, "read_bid_context", real_read)
            svc.place_bid(w.uow(), actor_id=w.bidders[1 + (len(reads) - 1) % 2], lot_id=lot_id, clock=clock,
                          amount_fen=svc.get_lot(w.uow(), lot_id, now=clock.now())["minimum_next_bid_fen"])
            monkeypatch.setattr(AuctionRepository, "read_bid_context", read_then_outbid)
        return ctx

    monkeypatch.setattr(AuctionRepository, "read_bid_context", read_then_outbid)
    return reads


@pytest.mark.postgres
def test_a_bid_whose_lot_moved_after_its_read_is_decided_again_on_the_new_state(lot_world, monkeypatch):
    w, clock = lot_world, BID_TIME
    reads = _outbid_after_each_read(w, monkeypatch, times=1, clock=clock)
    answer = svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                           amount_fen=START + 5 * INC)
    # decided on the start price, the rival's START landed first: decided again, still above it
    assert reads == [False, False]
    assert answer["accepted"] and answer["bid"]["seq"] == 2 and answer["price_fen"] == START + 5 * INC
    with w.uow() as uow:
        stored = [(b.seq, b.amount_fen) for b in svc.auctions_repo(uow).bids(w.lot_id, accepted_only=True)]
    assert stored == [(1, START), (2, START + 5 * INC)]


@pytest.mark.postgres
def test_a_bid_that_keeps_losing_the_race_takes_the_row_lock(lot_world, monkeypatch):
    w, clock = lot_world, BID_TIME
    reads = _outbid_after_each_read(w, monkeypatch, times=svc.OPTIMISTIC_TRIES, clock=clock)
    answer = svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                           amount_fen=START + 10 * INC)
    assert reads == [False] * svc.OPTIMISTIC_TRIES + [True]
    assert answer["accepted"] and answer["bid"]["seq"] == svc.OPTIMISTIC_TRIES + 1


@pytest.mark.postgres
def test_an_already_leading_refusal_is_not_recorded_once_someone_else_leads(lot_world, monkeypatch):
    w, clock = lot_world, BID_TIME
    svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock, amount_fen=START)
    _outbid_after_each_read(w, monkeypatch, times=1, clock=clock)
    # decided on "you lead"; the rival outbid meanwhile, so the same bid is now a valid raise
    answer = svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=clock,
                           amount_fen=START + 2 * INC)
    assert answer["accepted"] and answer["leading"]
    with w.uow() as uow:
        refusals = [b.refusal for b in svc.auctions_repo(uow).bids(w.lot_id) if not b.accepted]
    assert refusals == []


@pytest.mark.postgres
def test_copies_of_one_refused_request_racing_record_one_refusal(auction_pg_url):
    w, answers, errors = _race_copies_of_one_bid(auction_pg_url, amount_fen=START - INC, key="too-low")
    assert errors == []
    assert {(a["refusal"], a["bid"]["at"]) for a in answers} == {("below_start", answers[0]["bid"]["at"])}
    assert sum(not a["replayed"] for a in answers) == 1
    with w.uow() as uow:
        assert len(svc.auctions_repo(uow).bids(w.lot_id)) == 1
    w.engine.dispose()


@pytest.mark.postgres
def test_a_leaders_raise_racing_challengers_is_never_lost(auction_pg_url):
    """The leader raises its proxy maximum while 8 challengers bid up to START + 10 INC. Whatever the
    interleaving (the raise first; or the leader outbid first, so the same request is a new proxy
    bid), the raised maximum holds: the leader ends ahead, at most one increment above the best
    challenger, its maximum stored, and the accepted bids form one strictly increasing sequence."""
    challengers, ceiling, raised_to = 8, START + 10 * INC, START + 20 * INC
    clock = SystemClock()
    now = clock.now()
    w = build_world(auction_pg_url, now - timedelta(minutes=5), bidders=challengers + 1,
                    engine_kwargs={"pool_size": challengers + 2})
    _open_lot_now(w, now)
    leader = w.bidders[-1]
    assert svc.place_bid(w.uow(), actor_id=leader, lot_id=w.lot_id, clock=clock,
                         max_amount_fen=START + 2 * INC)["leading"]
    barrier = threading.Barrier(challengers + 1)
    answers, errors = [], []

    def challenger(index: int) -> None:
        rng = random.Random(index)
        try:
            barrier.wait()
            for _ in range(5):
                amount = START + INC * rng.randint(1, 10)
                answers.append(svc.place_bid(w.uow(), actor_id=w.bidders[index], lot_id=w.lot_id,
                                             clock=clock, amount_fen=min(amount, ceiling)))
        except BaseException as exc:   # noqa: BLE001
            errors.append(exc)

    def raiser() -> None:
        try:
            barrier.wait()
            answers.append(svc.place_bid(w.uow(), actor_id=leader, lot_id=w.lot_id, clock=clock,
                                         max_amount_fen=raised_to))
        except BaseException as exc:   # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=challenger, args=(i,)) for i in range(challengers)]
    threads.append(threading.Thread(target=raiser))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with w.uow() as uow:
        repo = svc.auctions_repo(uow)
        lot = repo.lot(w.lot_id)
        stored = [(b.seq, b.amount_fen) for b in repo.bids(w.lot_id, accepted_only=True)]
        leader_max, price, leader_org = lot.leader_max_fen, lot.current_price_fen, lot.leader_id
    w.engine.dispose()
    assert leader_org == w.bidder_orgs[-1] and leader_max == raised_to
    assert START + 2 * INC <= price <= ceiling + INC
    assert [s[0] for s in stored] == list(range(1, len(stored) + 1))
    assert all(x[1] < y[1] for x, y in zip(stored, stored[1:])) and stored[-1][1] == price
