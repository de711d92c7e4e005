"""The scheduler process opens and ends publicity periods on PostgreSQL, exactly once, with two
scheduler processes running at once (the mistake the auction scheduler is built to survive)."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from market import create_app
from market.adapters.clock import FrozenClock
from market.services import deals as svc

from deal_world import build_world, open_offer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "auctions"))
from test_auction_scheduler_pg import SchedulerProcess, wait_for  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def notice_row(url: str, notice_id: int):
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, version, opened_at, ended_at, ends_at FROM publicity_notices "
                                "WHERE id = :id"), {"id": notice_id}).one()
    engine.dispose()
    return row


def test_two_scheduler_processes_open_and_end_notices_on_time_exactly_once(postgres_url, tmp_path):
    real_now = datetime.now(timezone.utc)
    app = create_app("testing", DATABASE_URL=postgres_url, CLOCK=FrozenClock(real_now))
    uow_factory = app.extensions["market"].uow_factory
    w = build_world(uow_factory, achievements_count=2, buyers=1, at=real_now - timedelta(days=30))
    # one agreed 20 days ago (its period is over), one 2 days ago (its period has begun)
    agreed = []
    for achievement_id, days_ago in zip(w.achievement_ids, (20, 2)):
        at = real_now - timedelta(days=days_ago)
        offer_id = open_offer(w, w.buyer_ids[0], achievement_id, at=at)
        agreed.append(svc.accept_offer(uow_factory(), actor_id=w.holder_id, offer_id=offer_id, now=at))
    app.extensions["market"].extra["engine"].dispose()
    overdue, running = (a["publicity_notice_id"] for a in agreed)

    schedulers = [SchedulerProcess(postgres_url, tmp_path / f"scheduler{i}.log") for i in range(2)]
    try:
        wait_for(lambda: notice_row(postgres_url, overdue).status == "ended", 60, "the overdue period to end")
        wait_for(lambda: notice_row(postgres_url, running).status == "open", 60, "the begun period to open")
    finally:
        for s in schedulers:
            s.stop()
    ended = notice_row(postgres_url, overdue)
    assert ended.version == 2 and ended.ended_at >= ended.ends_at     # created, then ended: one write
    opened = notice_row(postgres_url, running)
    assert opened.version == 2 and opened.ended_at is None            # created, then opened: one write
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT id, status FROM deal_agreements")).all())
    engine.dispose()
    assert statuses == {agreed[0]["id"]: "signable", agreed[1]["id"]: "in_publicity"}
