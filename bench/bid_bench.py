"""Bidding benchmark: one hot lot, N concurrent bidders through HTTP, gunicorn on PostgreSQL.

    .venv/bin/python bench/bid_bench.py [--bidders 16] [--seconds 20] [--workers 4] [--threads 2]
                                        [--strategy next|proxy|ticket] [--repeat 1] [--floor]

Prints:
- accepted bids/s through HTTP, all answered bids/s, the refusal mix, p50/p99 latency of a bid
  request (all answers, and accepted ones), and the web workers' CPU per request;
- how many cores the web workers, PostgreSQL and the load client itself kept busy (they share the
  machine: on 2 cores the sum is the ceiling);
- the raw PostgreSQL limit: the same row-locked bid (SELECT ... FOR UPDATE, UPDATE the lot, INSERT
  the bid) in a tight loop over SQLAlchemy, same number of threads — and the HTTP/raw ratio;
- with --floor, the same load on bench/bid_floor_app.py: a bare Flask + psycopg bid endpoint (no
  ORM, schema, registration check, idempotency record or events), for how much of the gap to the
  raw loop is Flask and PostgreSQL themselves on this machine;
- the close delay: lots ending during the run, closed by the scheduler process running beside
  the web server; p50/p99 of (closed_at - ends_at);
- the load average before and after, since other work on the machine moves every figure.

Bidding strategies:
- `next` (default) is what a real client does: it bids the price it last saw plus one increment.
  Every bidder sees every answer's price at once (as the live feed would show it in a browser),
  and a bidder that leads waits until someone outbids it. Bidders who saw the same price race for
  the same amount; all but one are refused (`not_above_current`): that is the real refusal mix.
- `proxy` is a client that sets a maximum (代理出价) 1 to 4 increments above the price it last saw,
  and lets the lot bid for it: a maximum above the current price is accepted even when the
  leader's hidden maximum is higher (the leader's proxy answers at once, as on eBay), so fewer
  requests are refused; equal maxima lose to the earlier one (`tied_earlier_maximum`).
- `ticket` draws increasing amounts from one shared counter (amount = start + k x increment): a
  bid is refused only when a later ticket overtook it on the way to the lot's lock, or when its
  bidder already leads. An upper bound for the share of accepted bids, not a real client.
Every request carries an `Idempotency-Key`, as a client that retries safely must send.

The client is http.client on kept-alive connections (requests costs several times its CPU, and
the client shares the machine's cores with the server). Creates and drops its own database on
127.0.0.1:5432.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
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

class Board:
    """What every bidder's screen shows: the latest price any answer carried (the live feed's
    job in a browser; here it is instantaneous, which favours the clients)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.price: int | None = None

    def see(self, price: int | None) -> None:
        if price is None:
            return
        with self.cond:
            if self.price is None or price > self.price:
                self.price = price
                self.cond.notify_all()

    def wait_above(self, price: int, until: float) -> int | None:
        with self.cond:
            while self.price is not None and self.price <= price and time.monotonic() < until:
                self.cond.wait(0.05)
            return self.price


class Client:
    """One kept-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(host, port, timeout=30)

    def post(self, path: str, body: dict, key: str) -> tuple[int, dict]:
        payload = json.dumps(body)
        for attempt in (1, 2):   # a kept-alive connection the server closed: reconnect once
            try:
                self.conn.request("POST", path, payload, {**self.headers, "Idempotency-Key": key})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, (json.loads(data) if data else {})
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def http_load(base: str, lot_id: int, tokens: list[str], seconds: float, strategy: str = "next") -> dict:
    host, port = base.split("//", 1)[1].split(":")
    ticket = itertools.count(1)
    board = Board()
    lock = threading.Lock()
    results: list[tuple[float, int, str | None]] = []
    stop_at = time.monotonic() + seconds
    barrier = threading.Barrier(len(tokens))
    path = f"/api/v1/lots/{lot_id}/bids"

    def bidder(token: str) -> None:
        client = Client(host, int(port), token)
        rng = random.Random(token)
        mine = []
        leading_at = None   # the price at which this bidder leads, as far as it knows
        barrier.wait()
        while time.monotonic() < stop_at:
            if strategy == "ticket":
                with lock:
                    bid = {"amount_fen": START + next(ticket) * INC}
            else:
                if leading_at is not None:
                    board.wait_above(leading_at, stop_at)
                    if time.monotonic() >= stop_at:
                        break
                price = board.price
                if strategy == "proxy":   # a maximum a few increments above the price seen
                    bid = {"max_amount_fen": (price or START) + rng.randint(1, 4) * INC}
                else:
                    bid = {"amount_fen": START if price is None else price + INC}
            t = time.perf_counter()
            status, body = client.post(path, bid, uuid.uuid4().hex)
            elapsed = time.perf_counter() - t
            board.see(body.get("price_fen"))
            leading_at = body.get("price_fen") if body.get("leading") else None
            mine.append((elapsed, status, body.get("refusal")))
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
    accepted_latencies = [r[0] * 1000 for r in accepted]
    return {"wall": wall, "requests": len(results), "accepted": len(accepted),
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "accepted_p50": percentile(accepted_latencies, 50),
            "accepted_p99": percentile(accepted_latencies, 99), "refusals": refusals}


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


def postgres_cpu() -> float:
    """CPU seconds used so far by every PostgreSQL server process (the backends serving the
    run, and the writer processes), read from /proc; 0 where PostgreSQL is not local."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, rest = (entry / "stat").read_text().rsplit(")", 1)
            if not head.split("(", 1)[1].startswith("postgres"):
                continue
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_now(web_pid: int) -> tuple[float, float, float, float]:
    """(wall, web workers, PostgreSQL, this load client) CPU seconds so far."""
    mine = os.times()
    return time.monotonic(), process_tree_cpu(web_pid), postgres_cpu(), mine.user + mine.system


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
    host, port = base.split("//", 1)[1].split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def gunicorn_command(args, port: int, app: str, *extra: str) -> list[str]:
    """gunicorn with the run's worker settings; the product and the floor are served alike."""
    return [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", args.worker_class,
            "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            "--keep-alive", "5", *extra, app]


def measured_load(args, base: str, web_pid: int, data: dict) -> dict:
    """The bidders' load, with the CPU the web workers, PostgreSQL and this client used for it."""
    before = cpu_now(web_pid)
    result = http_load(base, data["hot"], data["tokens"], args.seconds, args.strategy)
    used = [after - b for after, b in zip(cpu_now(web_pid), before)]
    result["server_cpu_ms"] = used[1] * 1000 / max(result["requests"], 1)
    result["cores"] = {name: used[i] / used[0] for i, name in enumerate(("web", "postgres", "client"), 1)}
    return result


def run_once(args) -> dict:
    url, drop = create_database()
    procs = []
    logdir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    load_before = os.getloadavg()
    try:
        close_start = datetime.now(timezone.utc) + timedelta(seconds=30)
        data = seed(url, args.bidders, args.close_lots, close_start,
                    close_gap=max(0.5, args.seconds / max(args.close_lots, 1)))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MARKET_CONFIG": "production", "DATABASE_URL": url,
               "SECRET_KEY": secrets.token_hex(16), "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
               "SEARCH_INDEX_DIR": str(logdir / "bid_bench_index"), "SEARCH_BACKEND": "postgres"}
        procs.append(start_process(gunicorn_command(args, port, "wsgi:app"), env, logdir / "bid_bench_gunicorn.log"))
        procs.append(start_process([sys.executable, "-m", "flask", "--app", "wsgi", "market", "scheduler",
                                    "--sweep-seconds", "2"], env, logdir / "bid_bench_scheduler.log"))
        wait_http(base)
        # warm up every worker's connections and code paths
        http_load(base, data["hot"], data["tokens"][:4], 2, args.strategy)
        time.sleep(max(0.0, (close_start - datetime.now(timezone.utc)).total_seconds() - 1))
        http = measured_load(args, base, procs[0][0].pid, data)
        wait_until = close_start + timedelta(seconds=args.seconds + 5)
        time.sleep(max(0.0, (wait_until - datetime.now(timezone.utc)).total_seconds()))
        delays = close_delays(url, data["closing"])
        for proc, log in procs:
            stop_process(proc)
            log.close()
        procs = []
        floor = floor_load(args, url, data, logdir) if args.floor else None
        raw = raw_loop(url, data["hot"], args.raw_threads, min(args.seconds, 10))
    finally:
        for proc, log in procs:
            stop_process(proc)
            log.close()
        if not args.keep:
            drop()
    accepted_per_s = http["accepted"] / http["wall"]
    return {"accepted_per_s": accepted_per_s, "answers_per_s": http["requests"] / http["wall"],
            "p50": http["p50"], "p99": http["p99"], "accepted_p50": http["accepted_p50"],
            "accepted_p99": http["accepted_p99"], "raw_per_s": raw["per_s"],
            "ratio": accepted_per_s / raw["per_s"], "http": http, "delays": delays,
            "closing": len(data["closing"]), "load": (load_before[0], os.getloadavg()[0]),
            "server_cpu_ms": http["server_cpu_ms"], "cores": http["cores"], "floor": floor}


def floor_load(args, url: str, data: dict, logdir: Path) -> dict:
    """The same load on bench/bid_floor_app.py (bare Flask + psycopg, same gunicorn settings)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FLOOR_DATABASE_URL": url}
    cmd = gunicorn_command(args, port, "bid_floor_app:app", "--chdir", str(ROOT / "bench"))
    proc, log = start_process(cmd, env, logdir / "bid_bench_floor.log")
    try:
        wait_http(base)
        http_load(base, data["hot"], data["tokens"][:4], 2, args.strategy)
        result = measured_load(args, base, proc.pid, data)
    finally:
        stop_process(proc)
        log.close()
    result["accepted_per_s"] = result["accepted"] / result["wall"]
    result["answers_per_s"] = result["requests"] / result["wall"]
    return result


def report(args, r: dict) -> None:
    http, delays = r["http"], r["delays"]
    print(f"bid bench: {args.bidders} bidders ({args.strategy}), gunicorn {args.workers} {args.worker_class} "
          f"workers x {args.threads} threads, PostgreSQL, {os.cpu_count()} CPUs, "
          f"load average {r['load'][0]:.2f} -> {r['load'][1]:.2f}")
    print(f"  HTTP   accepted bids/s   {r['accepted_per_s']:8.1f}   (all answers {r['answers_per_s']:.1f}/s, "
          f"{http['accepted']}/{http['requests']} accepted; refusals {http['refusals']})")
    print(f"  HTTP   latency           p50 {r['p50']:.1f} ms   p99 {r['p99']:.1f} ms   "
          f"(accepted: p50 {r['accepted_p50']:.1f} ms   p99 {r['accepted_p99']:.1f} ms)")
    print(f"  web workers' CPU         {r['server_cpu_ms']:.2f} ms per request")
    cores = r["cores"]
    print(f"  cores busy during load   web {cores['web']:.2f}, PostgreSQL {cores['postgres']:.2f}, "
          f"load client {cores['client']:.2f} (of {os.cpu_count()})")
    print(f"  raw PG row-locked loop   {r['raw_per_s']:8.1f} bids/s ({args.raw_threads} threads)")
    print(f"  ratio HTTP accepted/raw  {r['ratio']:.0%}")
    floor = r.get("floor")
    if floor:
        r["floor_per_s"] = floor["accepted_per_s"]
        c = floor["cores"]
        print(f"  floor (bare Flask + psycopg, bench/bid_floor_app.py): accepted {floor['accepted_per_s']:.1f}/s "
              f"= {floor['accepted_per_s'] / r['raw_per_s']:.0%} of raw (all answers {floor['answers_per_s']:.1f}/s, "
              f"p50 {floor['p50']:.1f} ms, p99 {floor['p99']:.1f} ms), web CPU {floor['server_cpu_ms']:.2f} ms "
              f"per request, cores web {c['web']:.2f} + PostgreSQL {c['postgres']:.2f} + client {c['client']:.2f}")
    if delays:
        r["delay_p99"] = percentile(delays, 99) * 1000
        print(f"  close delay ({len(delays)}/{r['closing']} lots closed by the scheduler)  "
              f"p50 {percentile(delays, 50) * 1000:.0f} ms   p99 {r['delay_p99']:.0f} ms   "
              f"max {max(delays) * 1000:.0f} ms")
    else:
        print("  close delay: no lot closed (is the scheduler running?)")
    sys.stdout.flush()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bidders", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--workers", type=int, default=4,
                   help="gunicorn workers; a bid mostly waits on PostgreSQL, so 2 cores want more "
                        "requests in flight than cores")
    p.add_argument("--worker-class", default="gthread", help="gunicorn worker class (gthread keeps connections alive)")
    p.add_argument("--threads", type=int, default=2,
                   help="gthread threads per worker: kept-alive connections stick to the worker that "
                        "accepted them, so one thread per worker leaves some workers idle")
    p.add_argument("--strategy", choices=("next", "proxy", "ticket"), default="next",
                   help="next: bid the last seen price + one increment (a real client); proxy: set a maximum "
                        "1-4 increments above it; ticket: shared counter")
    p.add_argument("--repeat", type=int, default=1, help="run several times and print the medians")
    p.add_argument("--raw-threads", type=int, default=16)
    p.add_argument("--close-lots", type=int, default=20)
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument("--floor", action="store_true",
                   help="also run the load on bench/bid_floor_app.py, the least a Flask bid endpoint can do "
                        "(not with --strategy proxy)")
    args = p.parse_args()
    if args.floor and args.strategy == "proxy":
        p.error("the floor app has no proxy bidding")

    runs = []
    for _ in range(args.repeat):
        runs.append(run_once(args))
        report(args, runs[-1])
    if len(runs) > 1:
        med = lambda key: statistics.median(r[key] for r in runs if key in r)  # noqa: E731
        print(f"median of {len(runs)} runs: accepted {med('accepted_per_s'):.1f}/s, all answers "
              f"{med('answers_per_s'):.1f}/s, p50 {med('p50'):.1f} ms, p99 {med('p99'):.1f} ms, raw "
              f"{med('raw_per_s'):.1f}/s, ratio {med('ratio'):.0%}, web CPU {med('server_cpu_ms'):.2f} ms/request"
              + (f", floor {med('floor_per_s'):.1f}/s" if any('floor_per_s' in r for r in runs) else "")
              + (f", close delay p99 {med('delay_p99'):.0f} ms" if any('delay_p99' in r for r in runs) else ""))


if __name__ == "__main__":
    main()
