"""The scheduler process on PostgreSQL: on-time closes, restarts, and two schedulers racing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from market.adapters.clock import SystemClock
from market.services import auctions as svc

from auction_world import INC, START, build_world, register_all, wait_for

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class SchedulerProcess:
    """`flask --app wsgi market scheduler` against the test database."""

    def __init__(self, url: str, log_path: Path):
        env = {**os.environ, "DATABASE_URL": url, "MARKET_CONFIG": "development",
               "SEARCH_INDEX_DIR": str(log_path.parent / "search_index"), "PYTHONUNBUFFERED": "1"}
        env.pop("REDIS_URL", None)
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "market", "scheduler", "--sweep-seconds", "1"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def scalar(url: str, sql: str, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    except Exception:   # noqa: BLE001 - the job store table may not exist yet
        return None
    finally:
        engine.dispose()


def job_stored(url: str, job_id: str) -> bool:
    return bool(scalar(url, "SELECT count(*) FROM apscheduler_jobs WHERE id = :id", id=job_id))


def lot_row(url: str, lot_id: int):
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, ends_at, closed_at FROM auction_lots WHERE id = :id"),
                           {"id": lot_id}).one()
    engine.dispose()
    return row


def closes(url: str, lot_id: int) -> int:
    return scalar(url, "SELECT count(*) FROM auction_events WHERE lot_id = :id AND type = 'lot_closed'",
                  id=lot_id)


def lot_ending_in(w, seconds: float, achievement: int = 0) -> int:
    """A lot already in its timed window (10 s windows), ending `seconds` from now."""
    now = datetime.now(timezone.utc)
    free_end = now + timedelta(seconds=seconds) - timedelta(seconds=10)
    return svc.add_lot(w.uow(), actor_id=w.operator_id, auction_id=w.auction_id,
                       achievement_id=w.achievement_ids[achievement], starting_price_fen=START,
                       increment_fen=INC, deposit_fen=1_000_00, starts_at=now - timedelta(minutes=5),
                       free_period_ends_at=free_end, window_seconds=10, now=now - timedelta(minutes=6))["id"]


@pytest.fixture
def pg_world(auction_pg_url):
    w = build_world(auction_pg_url, datetime.now(timezone.utc) - timedelta(hours=1), achievements=3)
    yield w
    w.engine.dispose()


def test_lot_closes_within_a_second_of_its_end_even_after_a_bid_moves_it(pg_world, tmp_path):
    w, url = pg_world, str(pg_world.engine.url.render_as_string(hide_password=False))
    scheduler = SchedulerProcess(url, tmp_path / "scheduler.log")
    try:
        wait_for(lambda: job_stored(url, "auction-sweep"), 30, "the scheduler to start")
        w.lot_id = lot_ending_in(w, 6)
        register_all(w, w.lot_id, datetime.now(timezone.utc) - timedelta(minutes=1))
        wait_for(lambda: job_stored(url, f"close-lot-{w.lot_id}"), 10, "the close job")
        time.sleep(1)
        answer = svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=w.lot_id, clock=SystemClock(),
                               amount_fen=START)
        assert answer["accepted"] and answer["window_restarted"]
        wait_for(lambda: lot_row(url, w.lot_id).status != "open", 30, "the close")
        row = lot_row(url, w.lot_id)
        assert row.status == "sold"
        assert row.ends_at == answer["ends_at"]
        assert timedelta(0) <= row.closed_at - row.ends_at < timedelta(seconds=1)
        assert closes(url, w.lot_id) == 1
    finally:
        scheduler.stop()


def test_scheduler_killed_before_the_end_closes_the_lot_once_after_restart(pg_world, tmp_path):
    w, url = pg_world, str(pg_world.engine.url.render_as_string(hide_password=False))
    first = SchedulerProcess(url, tmp_path / "first.log")
    try:
        wait_for(lambda: job_stored(url, "auction-sweep"), 30, "the scheduler to start")
        w.lot_id = lot_ending_in(w, 5)
        wait_for(lambda: job_stored(url, f"close-lot-{w.lot_id}"), 10, "the close job")
        # the premise: the first scheduler opened the lot before it died (a busy run can be slow
        # to fire the open job, and killing it earlier tests another story)
        wait_for(lambda: lot_row(url, w.lot_id).status == "open", 10, "the lot to open")
    finally:
        first.kill()
    ends_at = lot_row(url, w.lot_id).ends_at
    time.sleep(max(0.0, (ends_at - datetime.now(timezone.utc)).total_seconds()) + 1.5)
    assert lot_row(url, w.lot_id).status == "open"          # nobody closed it meanwhile
    assert job_stored(url, f"close-lot-{w.lot_id}")         # the missed job survived in the store
    second = SchedulerProcess(url, tmp_path / "second.log")
    try:
        wait_for(lambda: lot_row(url, w.lot_id).status != "open", 30, "the close after restart")
        time.sleep(2.5)                                      # let a sweep and the stored job both run
        assert lot_row(url, w.lot_id).status == "unsold"
        assert closes(url, w.lot_id) == 1
    finally:
        second.stop()


def test_two_schedulers_racing_close_each_lot_once(pg_world, tmp_path):
    w, url = pg_world, str(pg_world.engine.url.render_as_string(hide_password=False))
    a = SchedulerProcess(url, tmp_path / "a.log")
    b = SchedulerProcess(url, tmp_path / "b.log")
    try:
        wait_for(lambda: job_stored(url, "auction-sweep"), 30, "the schedulers to start")
        time.sleep(2)
        lots = [lot_ending_in(w, 5, achievement=i) for i in range(3)]
        for lot_id in lots:
            register_all(w, lot_id, datetime.now(timezone.utc) - timedelta(minutes=1))
            svc.place_bid(w.uow(), actor_id=w.bidders[0], lot_id=lot_id, clock=SystemClock(),
                          amount_fen=START)
        for lot_id in lots:
            wait_for(lambda: lot_row(url, lot_id).status != "open", 40, f"lot {lot_id} to close")
        time.sleep(3)
        for lot_id in lots:
            assert lot_row(url, lot_id).status == "sold"
            assert closes(url, lot_id) == 1
            assert scalar(url, "SELECT count(*) FROM auction_confirmations WHERE lot_id = :id", id=lot_id) == 1
            released = scalar(url, "SELECT count(*) FROM deposits d JOIN auction_registrations r "
                                   "ON r.id = d.registration_id WHERE r.lot_id = :id AND d.status = 'released'",
                              id=lot_id)
            assert released == len(w.bidders) - 1
    finally:
        a.stop()
        b.stop()
