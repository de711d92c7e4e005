"""Notification benchmark (issue 18): one lot closes with 1,000 watchers and 50 bidders.

    .venv/bin/python bench/notify_bench.py [--lots 5] [--watchers 1000] [--bidders 50] [--mail-workers 2]

On a scratch PostgreSQL database (created and dropped), in-process services on a frozen clock,
and a local SMTP server (aiosmtpd) in its own process so it does not share our GIL. Prints:
- close delay: from the moment `close_lot` runs on a due lot (what the scheduler does at
  `ends_at`) until the close is committed, p50/p99 over `--lots` lots WITH 1,000 watchers and as
  many WITHOUT, interleaved in the same run (bidders' rows are written in the close's own
  transaction, the watchers' as one fan-out job in it);
- inbox: the time from the close's start until every watcher's and bidder's inbox row is
  committed (the fan-out runs in the closing process right after the commit);
- mail: mails accepted by the SMTP server per second, and the time from the first delivery run
  until the server had every mail of every closed lot (the outbox worker: batches of
  NOTIFY_MAIL_BATCH over one connection, `--mail-workers` workers claiming with SKIP LOCKED).

Each part is a function taking the shared `World` (`PARTS` at the bottom): a later part (webhook
deliveries/s to a local receiver, issue 18's markets half) is one more function and one more
entry in `PARTS`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import func, insert, select, text  # noqa: E402

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)      # Monday 10:00 Shanghai
START, INC = 500_000_00, 10_000_00

SMTP_SERVER = r"""
import sys, asyncio
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        sys.stdout.write(f"{Count.n}\n"); sys.stdout.flush()
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1])); c.start()
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.read()
c.stop()
"""


class SmtpProcess:
    """aiosmtpd in a child process; `accepted` follows its count."""

    def __init__(self) -> None:
        from smtp_testing import free_port
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", SMTP_SERVER, str(self.port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        self.accepted = 0
        self.times: list[float] = []
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        for line in self.proc.stdout:
            self.accepted = int(line)
            self.times.append(time.perf_counter())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@dataclass
class World:
    args: argparse.Namespace
    app: object
    smtp: SmtpProcess
    clock: object
    watched: list[int] = field(default_factory=list)       # lots with watchers
    plain: list[int] = field(default_factory=list)         # lots without
    results: dict = field(default_factory=dict)

    @property
    def services(self):
        return self.app.extensions["market"]


# --------------------------------------------------------------------------- set-up

def _bulk_users(conn, users, prefix: str, n: int, org_id=None) -> list[int]:
    now = T0
    rows = [{"email": f"{prefix}{i}@bench.example", "display_name": f"{prefix}{i}", "password_hash": "x",
             "role": "member" if org_id is not None else "admin", "organisation_id": org_id(i) if org_id else None,
             "active": True, "created_at": now, "password_reset_required": False} for i in range(n)]
    return list(conn.execute(insert(users).returning(users.c.id), rows).scalars())


def build_world(args) -> World:
    from market import create_app
    from market.adapters.clock import FrozenClock
    from market.adapters.mail import SmtpMailer
    from market_testing import create_pg_database, fill_schema
    url, drop = create_pg_database("notify_bench")
    fill_schema(url)
    smtp = SmtpProcess()
    clock = FrozenClock(T0)
    app = create_app("testing", DATABASE_URL=url, CLOCK=clock, SEARCH_BACKEND="fake",
                     MAILER=SmtpMailer(smtp.url, "长三角技术市场 <noreply@yrd.example>"))
    world = World(args, app, smtp, clock)
    world.drop = drop
    _people_and_lots(world)
    return world


def _people_and_lots(world: World) -> None:
    from market.adapters import orm
    from market.services import achievements, auctions
    from market.services.accounts import create_organisation, create_user
    s, args = world.services, world.args
    uni = create_organisation(s.uow_factory(), name="沪东理工大学", kind="university", province="上海", now=T0)["id"]
    holder = create_user(s.uow_factory(), s.hasher, email="holder@bench.example", password="long-enough-pass",
                         display_name="holder", role="member", organisation_id=uni, now=T0)["id"]
    op = create_user(s.uow_factory(), s.hasher, email="op@bench.example", password="long-enough-pass",
                     display_name="op", role="operator", market_code="SH", now=T0)["id"]
    orgs = [create_organisation(s.uow_factory(), name=f"竞买企业{i}有限公司", kind="enterprise", province="江苏",
                                now=T0)["id"] for i in range(args.bidders)]
    with s.extra["engine"].begin() as conn:
        world.bidders = _bulk_users(conn, orm.users, "bidder", args.bidders, org_id=lambda i: orgs[i])
        world.watchers = _bulk_users(conn, orm.users, "watcher", args.watchers)
    world.bidder_orgs = orgs
    auction = auctions.create_auction(s.uow_factory(), actor_id=op, market_code="SH", title="基准专场", now=T0)["id"]
    for n in range(2 * args.lots):
        a = achievements.create_achievement(s.uow_factory(), actor_id=holder, now=T0, data={
            "title": f"基准成果{n}", "ip_type": "发明专利", "field": "新材料", "market_code": "SH", "price_fen": START})
        achievements.submit_achievement(s.uow_factory(), actor_id=holder, achievement_id=a["id"], now=T0)
        achievements.review_achievement(s.uow_factory(), actor_id=op, achievement_id=a["id"], decision="approve", now=T0)
        lot = auctions.add_lot(s.uow_factory(), actor_id=op, auction_id=auction, achievement_id=a["id"],
                               starting_price_fen=START, increment_fen=INC, reserve_price_fen=None, deposit_fen=50_000_00,
                               starts_at=T0 + timedelta(hours=1), free_period_ends_at=T0 + timedelta(hours=2),
                               window_seconds=300, now=T0)["id"]
        (world.watched if n % 2 == 0 else world.plain).append(lot)
    _registrations_and_watches(world)


def _registrations_and_watches(world: World) -> None:
    from market.adapters import orm_auctions as oa
    from market.adapters.orm_notifications import watches
    with world.services.extra["engine"].begin() as conn:
        for lot in world.watched + world.plain:
            regs = conn.execute(insert(oa.auction_registrations).returning(oa.auction_registrations.c.id), [
                {"lot_id": lot, "bidder_id": org, "user_id": user, "paddle_no": i + 1, "created_at": T0}
                for i, (org, user) in enumerate(zip(world.bidder_orgs, world.bidders))]).scalars().all()
            conn.execute(insert(oa.deposits), [
                {"registration_id": r, "bidder_id": org, "amount_fen": 50_000_00, "gateway": "manual", "status": "held",
                 "created_at": T0, "updated_at": T0, "held_at": T0} for r, org in zip(regs, world.bidder_orgs)])
        conn.execute(insert(watches), [{"user_id": u, "target_type": "lot", "target_id": lot, "created_at": T0}
                                       for lot in world.watched for u in world.watchers])
        conn.execute(text("ANALYZE"))


def _bid_up(world: World) -> None:
    """Open every lot; a few bidders outbid each other (outbid notices), the last one wins."""
    from market.services import auctions
    s = world.services
    world.clock.set(T0 + timedelta(hours=1, minutes=1))
    for lot in world.watched + world.plain:
        auctions.open_lot(s.uow_factory(), lot, world.clock)
        for k, user in enumerate(world.bidders[:6]):
            auctions.place_bid(s.uow_factory(), actor_id=user, lot_id=lot, clock=world.clock, amount_fen=START + k * INC)


# --------------------------------------------------------------------------- parts

def part_close(world: World) -> None:
    """Close the lots in turn (with / without watchers interleaved), timing each close_lot."""
    from market.services import auctions
    from market.adapters.orm_notifications import notifications
    _bid_up(world)
    s = world.services
    world.clock.set(T0 + timedelta(hours=2, minutes=6))
    took = {"with": [], "without": []}
    inbox = {}
    rows = {}
    order = [lot for pair in zip(world.watched, world.plain) for lot in pair]
    committed: list[float] = []
    s.extra["after_commit"].insert(0, lambda _uow, _changed: committed.append(time.perf_counter()))
    for lot in order:
        committed.clear()
        started = time.perf_counter()
        assert auctions.close_lot(s.uow_factory(), lot, world.clock) is not None
        inbox[lot] = time.perf_counter() - started        # the watchers' rows are expanded by then
        took["with" if lot in world.watched else "without"].append(committed[0] - started)
        with s.extra["engine"].connect() as conn:
            rows[lot] = conn.scalar(select(func.count()).select_from(notifications).where(
                notifications.c.data["lot_id"].as_integer() == lot, notifications.c.kind.in_(
                    ("lot_closed", "lot_won", "lot_lost"))))
    world.results["close"] = took
    world.results["inbox_seconds"] = inbox
    world.results["inbox_rows"] = rows
    for label, values in took.items():
        print(f"close delay {label:>7} watchers ({len(values)} lots): p50 {_ms(_pct(values, 50))} "
              f"p99 {_ms(_pct(values, 99))} max {_ms(max(values))}")


def part_inbox(world: World) -> None:
    took = [world.results["inbox_seconds"][lot] for lot in world.watched]
    rows = [world.results["inbox_rows"][lot] for lot in world.watched]
    expected = world.args.watchers + world.args.bidders
    print(f"inbox: {min(rows)}..{max(rows)} rows per lot (expected {expected}: {world.args.watchers} watchers + "
          f"{world.args.bidders} bidders) committed within {_ms(max(took))} of the close's start (p50 "
          f"{_ms(_pct(took, 50))}; bidders' rows with the close, watchers' by the fan-out right after its commit)")


def part_mail(world: World) -> None:
    from market.services.notifications.delivery import deliver_mails
    from market.services.notifications.worker import settings_from_config
    s = world.services
    settings = settings_from_config(world.app.config).delivery
    total = _count_pending(world)
    before = world.smtp.accepted
    started = time.perf_counter()

    def worker():
        while deliver_mails(s.uow_factory, s.mailer, world.clock.now(), settings).sent:
            pass

    threads = [threading.Thread(target=worker) for _ in range(world.args.mail_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 30
    while world.smtp.accepted - before < total and time.monotonic() < deadline:
        time.sleep(0.01)
    done = world.smtp.accepted - before
    last = world.smtp.times[-1] if world.smtp.times else time.perf_counter()
    elapsed = last - started
    print(f"mail: {done}/{total} mails accepted by the local SMTP server in {elapsed:.2f} s = "
          f"{done / elapsed:.0f} mails/s ({world.args.mail_workers} workers, batches of {settings.batch})")


def _count_pending(world: World) -> int:
    from market.adapters.orm_notifications import notifications
    with world.services.extra["engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(notifications).where(notifications.c.email_status == "pending"))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


PARTS = [part_close, part_inbox, part_mail]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=5, help="lots with watchers (and as many without)")
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--bidders", type=int, default=50)
    parser.add_argument("--mail-workers", type=int, default=2)
    args = parser.parse_args()
    print(f"notify_bench: {args.lots}+{args.lots} lots, {args.watchers} watchers, {args.bidders} bidders; "
          f"load average {os.getloadavg()[0]:.2f}")
    world = build_world(args)
    try:
        for part in PARTS:
            part(world)
    finally:
        world.services.extra["engine"].dispose()
        world.smtp.stop()
        world.drop()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
