"""Bidding benchmark: one hot lot, N concurrent bidders through HTTP, gunicorn on PostgreSQL.

    .venv/bin/python bench/bid_bench.py [--bidders 16] [--seconds 20] [--workers 3] [--threads 1]

Prints:
- accepted bids/s through HTTP (and all answered bids/s), p50/p99 latency of a bid request;
- the raw PostgreSQL limit: the same row-locked bid (SELECT ... FOR UPDATE, UPDATE the lot, INSERT
  the bid) in a tight loop over SQLAlchemy, same number of threads — and the HTTP/raw ratio;
- the close delay: lots ending during the run, closed by the scheduler process running beside
  the web server; p50/p99 of (closed_at - ends_at).

Bidders draw increasing amounts from one shared counter (amount = start + k x increment), so a bid
is refused only when a later ticket overtook it on the way to the lot's lock, or when its bidder
already leads. Creates and drops its own database on 127.0.0.1:5432.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from market.adapters import orm  # noqa: E402
from market.domain.taxonomy import MARKETS  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START, INC = 100_000_00, 100_00


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- set-up

def create_database() -> tuple[str, callable]:
    name = f"bid_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    orm.start_mappers()
    engine = create_engine(url)
    orm.metadata.create_all(engine)
    with engine.begin() as conn:
        for code, label, province in MARKETS:
            conn.execute(orm.markets.insert().values(code=code, name=label, province=province))
    engine.dispose()

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def seed(url: str, bidders: int, close_lots: int, close_start: datetime, close_gap: float) -> dict:
    """Users with API tokens, the hot lot, and lots that end during the run."""
    from sqlalchemy.orm import sessionmaker

    from market.adapters.db import make_engine
    from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
    from market.domain.accounts import ApiToken, Organisation, User
    from market.domain.achievements import Achievement
    from market.services import auctions as svc

    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    uow = lambda: SqlAlchemyUnitOfWork(factory)  # noqa: E731
    now = datetime.now(timezone.utc)
    tokens = []
    with uow() as u:
        s = u.session
        seller = Organisation("沪东理工大学", "university", "上海", "上海", created_at=now)
        orgs = [Organisation(f"竞买企业{i}", "enterprise", "江苏", "苏州", created_at=now) for i in range(bidders)]
        s.add_all([seller, *orgs])
        s.flush()
        op = User("op@bench.example", "op", "x", "operator", market_code="SH", created_at=now)
        users = [User(f"b{i}@bench.example", f"b{i}", "x", "member", organisation_id=o.id, created_at=now)
                 for i, o in enumerate(orgs)]
        s.add_all([op, *users])
        items = [Achievement(title=f"基准测试成果 {i}", holder_id=seller.id, market_code="SH", field="新材料",
                             ip_type="发明专利", now=now) for i in range(close_lots + 1)]
        for a in items:
            a.publish_imported(None, now)
        s.add_all(items)
        s.flush()
        for user in users:
            token = secrets.token_urlsafe(24)
            s.add(ApiToken(user.id, hashlib.sha256(token.encode()).hexdigest(), now, now + timedelta(days=1)))
            tokens.append(token)
        u.commit()
        op_id, user_ids, achievement_ids = op.id, [x.id for x in users], [a.id for a in items]
    auction = svc.create_auction(uow(), actor_id=op_id, market_code="SH", title="基准", now=now)["id"]
    before = now - timedelta(minutes=1)
    hot = svc.add_lot(uow(), actor_id=op_id, auction_id=auction, achievement_id=achievement_ids[0],
                      starting_price_fen=START, increment_fen=INC, deposit_fen=1_000_00,
                      starts_at=before, free_period_ends_at=now + timedelta(hours=2), window_seconds=300,
                      now=before)["id"]
    for user_id in user_ids:
        reg = svc.register_for_lot(uow(), actor_id=user_id, lot_id=hot, now=before)
        svc.confirm_deposit(uow(), actor_id=op_id, deposit_id=reg["deposit"]["id"], now=before)
    closing = []
    for i, achievement_id in enumerate(achievement_ids[1:]):
        ends = close_start + timedelta(seconds=i * close_gap)
        closing.append(svc.add_lot(uow(), actor_id=op_id, auction_id=auction, achievement_id=achievement_id,
                                   starting_price_fen=START, increment_fen=INC, deposit_fen=0,
                                   starts_at=before, free_period_ends_at=ends - timedelta(seconds=10),
                                   window_seconds=10, now=before)["id"])
    engine.dispose()
    return {"tokens": tokens, "hot": hot, "closing": closing}


def start_process(args, env, log_path):
    log = open(log_path, "ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True), log


def stop_process(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- load

def http_load(base: str, lot_id: int, tokens: list[str], seconds: float) -> dict:
    ticket = itertools.count(1)
    lock = threading.Lock()
    results: list[tuple[float, int, str | None]] = []
    stop_at = time.monotonic() + seconds
    barrier = threading.Barrier(len(tokens))

    def bidder(token: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine = []
        barrier.wait()
        while time.monotonic() < stop_at:
            with lock:
                k = next(ticket)
            t = time.perf_counter()
            r = session.post(f"{base}/api/v1/lots/{lot_id}/bids", json={"amount_fen": START + k * INC}, timeout=30)
            elapsed = time.perf_counter() - t
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            mine.append((elapsed, r.status_code, body.get("refusal")))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=bidder, args=(tok,)) for tok in tokens]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.monotonic() - started
    accepted = [r for r in results if r[1] == 201]
    refusals: dict = {}
    for r in results:
        if r[1] != 201:
            refusals[r[2] or r[1]] = refusals.get(r[2] or r[1], 0) + 1
    latencies = [r[0] * 1000 for r in results]
    return {"wall": wall, "requests": len(results), "accepted": len(accepted),
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "refusals": refusals}


def raw_loop(url: str, lot_id: int, threads: int, seconds: float) -> dict:
    """The same row-locked bid, without HTTP, Flask or the ORM's object layer."""
    engine = create_engine(url, pool_size=threads, max_overflow=2)
    counts = [0] * threads
    stop_at = time.monotonic() + seconds
    now = datetime.now(timezone.utc)

    def loop(i: int) -> None:
        with engine.connect() as conn:
            while time.monotonic() < stop_at:
                with conn.begin():
                    price, seq = conn.execute(text(
                        "SELECT current_price_fen, bid_count FROM auction_lots WHERE id = :id FOR UPDATE"),
                        {"id": lot_id}).one()
                    amount = (price or START) + INC
                    conn.execute(text(
                        "INSERT INTO auction_bids (lot_id, seq, amount_fen, kind, at, accepted) "
                        "VALUES (:lot, :seq, :amount, 'manual', :at, true)"),
                        {"lot": lot_id, "seq": seq + 1, "amount": amount, "at": now})
                    conn.execute(text(
                        "UPDATE auction_lots SET current_price_fen = :amount, bid_count = :seq, "
                        "version = version + 1 WHERE id = :id"), {"amount": amount, "seq": seq + 1, "id": lot_id})
                counts[i] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.monotonic() - started
    engine.dispose()
    return {"bids": sum(counts), "per_s": sum(counts) / wall}


def close_delays(url: str, lot_ids: list[int]) -> list[float]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ends_at, closed_at FROM auction_lots WHERE id = ANY(:ids)"),
                            {"ids": lot_ids}).all()
    engine.dispose()
    return [(c - e).total_seconds() for e, c in rows if c is not None]


def wait_http(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bidders", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=1,
                   help="gthread threads per gunicorn worker (few in flight keeps bids in arrival order)")
    p.add_argument("--raw-threads", type=int, default=16)
    p.add_argument("--close-lots", type=int, default=20)
    p.add_argument("--keep", action="store_true", help="keep the database")
    args = p.parse_args()

    url, drop = create_database()
    procs = []
    logdir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    try:
        close_start = datetime.now(timezone.utc) + timedelta(seconds=30)
        data = seed(url, args.bidders, args.close_lots, close_start,
                    close_gap=max(0.5, args.seconds / max(args.close_lots, 1)))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MARKET_CONFIG": "production", "DATABASE_URL": url,
               "SECRET_KEY": secrets.token_hex(16), "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
               "SEARCH_INDEX_DIR": str(logdir / "bid_bench_index"), "SEARCH_BACKEND": "postgres"}
        gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", "gthread",
                    "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
        procs.append(start_process(gunicorn, env, logdir / "bid_bench_gunicorn.log"))
        procs.append(start_process([sys.executable, "-m", "flask", "--app", "wsgi", "market", "scheduler",
                                    "--sweep-seconds", "2"], env, logdir / "bid_bench_scheduler.log"))
        wait_http(base)
        # warm up every worker's connections and code paths on a second price stream
        http_load(base, data["hot"], data["tokens"][:4], 2)
        time.sleep(max(0.0, (close_start - datetime.now(timezone.utc)).total_seconds() - 1))
        http = http_load(base, data["hot"], data["tokens"], args.seconds)
        wait_until = close_start + timedelta(seconds=args.seconds + 5)
        time.sleep(max(0.0, (wait_until - datetime.now(timezone.utc)).total_seconds()))
        delays = close_delays(url, data["closing"])
        for proc, log in procs:
            stop_process(proc)
            log.close()
        procs = []
        raw = raw_loop(url, data["hot"], args.raw_threads, min(args.seconds, 10))
    finally:
        for proc, log in procs:
            stop_process(proc)
            log.close()
        if not args.keep:
            drop()

    accepted_per_s = http["accepted"] / http["wall"]
    print(f"bid bench: {args.bidders} bidders, gunicorn {args.workers} workers x {args.threads} threads, "
          f"PostgreSQL, {os.cpu_count()} CPUs")
    print(f"  HTTP   accepted bids/s   {accepted_per_s:8.1f}   (all answers {http['requests'] / http['wall']:.1f}/s, "
          f"{http['accepted']}/{http['requests']} accepted; refusals {http['refusals']})")
    print(f"  HTTP   latency           p50 {http['p50']:.1f} ms   p99 {http['p99']:.1f} ms")
    print(f"  raw PG row-locked loop   {raw['per_s']:8.1f} bids/s ({args.raw_threads} threads)")
    print(f"  ratio HTTP accepted/raw  {accepted_per_s / raw['per_s']:.0%}")
    if delays:
        print(f"  close delay ({len(delays)}/{len(data['closing'])} lots closed by the scheduler)  "
              f"p50 {percentile(delays, 50) * 1000:.0f} ms   p99 {percentile(delays, 99) * 1000:.0f} ms   "
              f"max {max(delays) * 1000:.0f} ms")
    else:
        print("  close delay: no lot closed (is the scheduler running?)")


if __name__ == "__main__":
    main()
