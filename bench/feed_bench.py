"""Live feed benchmark: W watchers on one hot lot while bids and ordinary requests go on.

    .venv/bin/python bench/feed_bench.py [--watchers 2000] [--seconds 30] [--gthread]

Starts the production set-up the README documents, on ephemeral ports with its own PostgreSQL
database (created and dropped here) and Redis channels of its own (a prefix per run):
- the API: gunicorn `-k gthread -w 4 --threads 2 wsgi:app` (bids and every other request);
- the feed: gunicorn `-k gevent -w 1 feed:app`, which serves the stream URLs (the proxy's job in
  production: here the watchers connect to its port, everything else to the API's);
- the scheduler (`flask --app wsgi market scheduler`).
With `--gthread` there is no feed process: the watchers connect to the API itself, today's
set-up, as the peer.

Then, in order: the probe (`GET /api/v1/achievements?per_page=1` every 200 ms) alone for a few
seconds (its idle latency); W watchers connect from an asyncio client in its own process; bids at
about 5 per second through HTTP for `--seconds`, with the probe still running.

Prints the figures and, as its last line:
`feed bench: W=<n> connected=<n> delivery_p50_ms=<x> delivery_p99_ms=<x> probe_idle_p99_ms=<x>
probe_load_p99_ms=<x> rss_kb_per_watcher=<x> dropped=<n>` (one line)
- delivery: from the bid's HTTP answer (as the bidder read it) to each watcher's receipt of that
  bid's `bid_accepted` event (one sample per watcher and bid);
- connected: watchers whose stream started (HTTP 200 and the retry hint) within the connect phase;
- rss_kb_per_watcher: growth of the stream-serving processes' resident memory from before the
  watchers connected to after, per connected watcher;
- dropped: watchers whose stream ended, or that missed an accepted bid, without a `reconnect`
  event (watchers cut with one are counted apart: they would reconnect and replay).
The load average is printed before and after: other work on the machine moves every figure.
"""
from __future__ import annotations

import argparse
import asyncio
import faulthandler
import gc
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bid_bench as bb  # noqa: E402  (its database, seeding, process and HTTP helpers)

ROOT = bb.ROOT
PROBE_PATH = "/api/v1/achievements?per_page=1"


# --------------------------------------------------------------------------- the watchers' process

async def _watch(host: str, port: int, path: str, out: dict, connected: asyncio.Event) -> None:
    """One watcher: an HTTP/1.0 request (the body then ends with the connection, no chunking)."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        status = await reader.readline()
        out["status"] = int(status.split()[1]) if status else 0
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        buffer = b""
        while True:   # whole events (blank-line separated), read in chunks: the client is cheap
            chunk = await reader.read(65536)
            at = time.monotonic()
            if not chunk:
                out["ended"] = True
                break
            *events, buffer = (buffer + chunk).split(b"\n\n")
            for event in events:
                _seen(event, at, out, connected)
    except (OSError, ValueError, IndexError) as exc:
        out["error"] = type(exc).__name__
        out["ended"] = True


def _seen(event: bytes, at: float, out: dict, connected: asyncio.Event) -> None:
    if event.startswith(b"retry:") and not out["connected"]:
        out["connected"] = True
        connected.set()
    elif b"event: bid_accepted" in event:
        start = event.index(b'"amount_fen":') + 13
        out["got"].append((int(event[start:event.index(b",", start)]), at))
    elif b"event: reconnect" in event:
        out["hint"] = True


async def _watchers(host: str, port: int, path: str, n: int, connect_seconds: float, result_path: str) -> None:
    outs = [{"connected": False, "ended": False, "hint": False, "got": []} for _ in range(n)]
    tasks = []
    loop = asyncio.get_running_loop()
    for i, out in enumerate(outs):
        tasks.append(loop.create_task(_watch(host, port, path, out, asyncio.Event())))
        if i % 100 == 99:
            await asyncio.sleep(0.05)   # a ramp, not a SYN flood
    deadline = time.monotonic() + connect_seconds
    while time.monotonic() < deadline and sum(o["connected"] for o in outs) < n:
        await asyncio.sleep(0.2)
    print(f"ready {sum(o['connected'] for o in outs)}", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)   # the parent says when the load is over
    for task in tasks:
        task.cancel()
    Path(result_path).write_text(json.dumps(outs))
    print("done", flush=True)


def watchers_main(argv: list[str]) -> None:
    host, port, path, n, connect_seconds, result_path = argv
    raise_fd_limit()
    gc.disable()   # its receipts pile up: a full collection would stall every watcher's clock at once
    asyncio.run(_watchers(host, int(port), path, int(n), float(connect_seconds), result_path))


# --------------------------------------------------------------------------- the load

def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def probe(host: str, port: int, stop: threading.Event, samples: list, timeout: float = 30) -> None:
    """GET the probe path every 200 ms (a fresh connection each time, as a new visitor's)."""
    import http.client
    while not stop.is_set():
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            conn.request("GET", PROBE_PATH)
            conn.getresponse().read()
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        samples.append((time.monotonic() - started) * 1000)
        stop.wait(max(0.0, 0.2 - (time.monotonic() - started)))


def bid_loop(host: str, port: int, lot_id: int, tokens: list[str], seconds: float, rate: float) -> list:
    """Bids at `rate` per second, bidders taking turns at the last price + one increment;
    returns (amount_fen, answered_at) of the accepted ones."""
    clients = [bb.Client(host, port, token) for token in tokens]
    accepted, price = [], None
    started = time.monotonic()
    for n in range(int(seconds * rate)):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        if time.monotonic() > started + seconds:
            break   # a starved server: the run still ends on time
        amount = bb.START if price is None else price + bb.INC
        try:
            status, body = clients[n % len(clients)].post(f"/api/v1/lots/{lot_id}/bids",
                                                          {"amount_fen": amount}, uuid.uuid4().hex)
        except OSError:   # timed out
            continue
        answered = time.monotonic()
        price = body.get("price_fen") or price
        if status == 201:
            accepted.append((amount, answered))
    return accepted


def warm_up(host: str, api_port: int, stream_port: int, stream_path: str) -> None:
    """Every API worker has answered the probe, and the stream server has served a stream (its
    feed, bus listener and pool exist) before anything is measured."""
    import http.client
    for _ in range(40):
        conn = http.client.HTTPConnection(host, api_port, timeout=30)
        conn.request("GET", PROBE_PATH)
        conn.getresponse().read()
        conn.close()
    conn = http.client.HTTPConnection(host, stream_port, timeout=30)
    conn.request("GET", stream_path)
    conn.getresponse().readline()
    conn.close()


def tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and its descendants."""
    total, pending = 0, [pid]
    while pending:
        p = pending.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def publish_achievements(url: str, n: int) -> None:
    """A page for the probe to read: published achievements besides the lot's."""
    from sqlalchemy.orm import sessionmaker

    from market.adapters.db import make_engine
    from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
    from market.domain.accounts import Organisation
    from market.domain.achievements import Achievement
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with SqlAlchemyUnitOfWork(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        holder = Organisation("江南智造研究院", "university", "江苏", "南京", created_at=now)
        uow.session.add(holder)
        uow.session.flush()
        for i in range(n):
            a = Achievement(title=f"探针成果 {i}", holder_id=holder.id, market_code="JS", field="新材料",
                            ip_type="发明专利", now=now)
            a.publish_imported(None, now)
            uow.session.add(a)
        uow.commit()
    engine.dispose()


def start_servers(args, url: str, logdir: Path) -> tuple[list, int, int]:
    """The README's production set-up; returns (processes, API port, stream port)."""
    env = {**os.environ, "MARKET_CONFIG": "production", "DATABASE_URL": url,
           "SECRET_KEY": secrets.token_hex(16), "SEARCH_BACKEND": "postgres",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
           "EVENTS_CHANNEL_PREFIX": f"feed-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}:",
           "SSE_MAX_SECONDS": str(args.seconds + 600)}   # no stream ends by its length here
    api_port = bb.free_port()
    if args.all_gevent:   # the alternative: one evented gunicorn for everything
        command = [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "4", "--worker-connections",
                   str(args.watchers + 1000), "-b", f"127.0.0.1:{api_port}", "--log-level", "warning", "wsgi:app"]
    else:
        api = argparse.Namespace(workers=4, worker_class="gthread", threads=2)
        command = bb.gunicorn_command(api, api_port, "wsgi:app")
    procs = [bb.start_process(command, env, logdir / "feed_bench_api.log")]
    stream_port = api_port
    if not (args.gthread or args.all_gevent):
        stream_port = bb.free_port()
        procs.append(bb.start_process(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", str(args.feed_workers),
             "--worker-connections", str(args.watchers + 1000), "-b", f"127.0.0.1:{stream_port}",
             "--log-level", "warning", "feed:app"], env, logdir / "feed_bench_feed.log"))
    procs.append(bb.start_process([sys.executable, "-m", "flask", "--app", "wsgi", "market", "scheduler",
                                   "--sweep-seconds", "2"], env, logdir / "feed_bench_scheduler.log"))
    bb.wait_http(f"http://127.0.0.1:{api_port}")
    bb.wait_http(f"http://127.0.0.1:{stream_port}")
    return procs, api_port, stream_port


def run(args) -> dict:
    raise_fd_limit()
    url, drop = bb.create_database()
    logdir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    procs, watchers_proc = [], None
    load = [os.getloadavg()[0]]
    try:
        data = bb.seed(url, 4, 0, datetime.now(timezone.utc) + timedelta(hours=1), 1)
        publish_achievements(url, 20)
        procs, api_port, stream_port = start_servers(args, url, logdir)
        host = "127.0.0.1"
        stream_pid = procs[0 if args.gthread or args.all_gevent else 1][0].pid

        warm_up(host, api_port, stream_port, f"/api/v1/lots/{data['hot']}/events")
        stop, idle = threading.Event(), []
        prober = threading.Thread(target=probe, args=(host, api_port, stop, idle))
        prober.start()
        time.sleep(args.idle_seconds)
        stop.set()
        prober.join()

        rss_before = tree_rss_kb(stream_pid)
        result_path = tempfile.mktemp(prefix="feed_bench_", suffix=".json")
        watchers_proc = subprocess.Popen(
            [sys.executable, __file__, "--watchers-process", host, str(stream_port),
             f"/api/v1/lots/{data['hot']}/events", str(args.watchers), str(args.connect_seconds), result_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        connected = int(watchers_proc.stdout.readline().split()[1])
        time.sleep(1)
        rss_after = tree_rss_kb(stream_pid)

        stop, loaded = threading.Event(), []
        prober = threading.Thread(target=probe, args=(host, api_port, stop, loaded))
        prober.start()
        pids = {"streams": stream_pid, "api": procs[0][0].pid, "watchers": watchers_proc.pid}
        cpu_before = (time.monotonic(), {k: bb.process_tree_cpu(v) for k, v in pids.items()}, bb.postgres_cpu())
        accepted = bid_loop(host, api_port, data["hot"], data["tokens"], args.seconds, args.rate)
        wall = time.monotonic() - cpu_before[0]
        cores = {k: (bb.process_tree_cpu(v) - cpu_before[1][k]) / wall for k, v in pids.items()}
        cores["postgres"] = (bb.postgres_cpu() - cpu_before[2]) / wall
        time.sleep(2)   # the last bids' events on their way
        stop.set()
        prober.join()
        watchers_proc.stdin.write("stop\n")
        watchers_proc.stdin.flush()
        watchers_proc.stdout.readline()
        watchers_proc.wait(60)
        outs = json.loads(Path(result_path).read_text())
        os.unlink(result_path)
        load.append(os.getloadavg()[0])
    finally:
        if watchers_proc is not None and watchers_proc.poll() is None:
            watchers_proc.kill()
        for proc, log in procs:
            bb.stop_process(proc)
            log.close()
        drop()
    result = summarise(args, outs, accepted, idle, loaded, connected, rss_before, rss_after, load)
    result["cores"] = cores
    return result


def summarise(args, outs, accepted, idle, loaded, connected, rss_before, rss_after, load) -> dict:
    answered = dict(accepted)
    delivery, dropped, hinted, missed_events = [], 0, 0, 0
    for out in outs:
        got = {amount: at for amount, at in out["got"]}
        missing = [a for a in answered if a not in got]
        for amount, at in got.items():
            if amount in answered:
                delivery.append((at - answered[amount]) * 1000)
        missed_events += len(missing)
        if missing and os.environ.get("FEED_BENCH_DEBUG"):
            order = sorted(answered)
            print("missing", len(missing), "first at", order.index(min(missing)), "of", len(order),
                  "ended", out["ended"], out.get("error"), file=sys.stderr)
        if out["hint"]:
            hinted += 1
        elif out["ended"] or missing or not out["connected"]:
            dropped += 1
    if os.environ.get("FEED_BENCH_DEBUG"):
        per_bid = {}
        for out in outs:
            for amount, at in out["got"]:
                if amount in answered:
                    per_bid.setdefault(amount, []).append((at - answered[amount]) * 1000)
        for amount in sorted(per_bid):
            v = sorted(per_bid[amount])
            print(f"bid {amount}: min {v[0]:.0f} p50 {v[len(v) // 2]:.0f} max {v[-1]:.0f}", file=sys.stderr)
    return {"W": args.watchers, "connected": connected, "accepted": len(accepted),
            "delivery_p50": bb.percentile(delivery, 50), "delivery_p99": bb.percentile(delivery, 99),
            "delivery_max": max(delivery, default=float("nan")), "samples": len(delivery),
            "probe_idle_p99": bb.percentile(idle, 99), "probe_idle_p50": bb.percentile(idle, 50),
            "probe_load_p99": bb.percentile(loaded, 99), "probe_load_p50": bb.percentile(loaded, 50),
            "probes": (len(idle), len(loaded)),
            "rss_per_watcher": (rss_after - rss_before) / max(connected, 1), "rss": (rss_before, rss_after),
            "dropped": dropped, "hinted": hinted, "missed_events": missed_events, "load": load}


def report(args, r: dict) -> None:
    setup = ("gthread peer: gunicorn -k gthread -w 4 --threads 2 serves the streams too" if args.gthread else
             "gunicorn -k gevent -w 4 wsgi:app serves everything" if args.all_gevent else
             f"gunicorn -k gthread -w 4 --threads 2 (API) + -k gevent -w {args.feed_workers} feed:app (streams)")
    print(f"feed bench: {setup}; PostgreSQL, Redis, scheduler; {os.cpu_count()} CPUs shared with the "
          f"load client; load average {r['load'][0]:.2f} -> {r['load'][-1]:.2f}")
    print(f"  watchers        {r['connected']}/{r['W']} connected; {r['hinted']} cut with a reconnect event; "
          f"{r['dropped']} dropped; {r['missed_events']} events missed without a hint")
    print(f"  bids            {r['accepted']} accepted over {args.seconds:.0f} s "
          f"({r['accepted'] / args.seconds:.1f}/s)")
    print(f"  delivery        p50 {r['delivery_p50']:.1f} ms  p99 {r['delivery_p99']:.1f} ms  "
          f"max {r['delivery_max']:.1f} ms  ({r['samples']} watcher x bid samples)")
    print(f"  probe           idle p50 {r['probe_idle_p50']:.1f} ms p99 {r['probe_idle_p99']:.1f} ms; "
          f"under load p50 {r['probe_load_p50']:.1f} ms p99 {r['probe_load_p99']:.1f} ms "
          f"({r['probes'][0]} + {r['probes'][1]} probes)")
    cores = r["cores"]
    print("  cores busy      " + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
          + (" (the API serves the streams)" if args.gthread or args.all_gevent else ""))
    print(f"  stream server   RSS {r['rss'][0] / 1024:.0f} MB -> {r['rss'][1] / 1024:.0f} MB")
    print(f"feed bench: W={r['W']} connected={r['connected']} delivery_p50_ms={r['delivery_p50']:.1f} "
          f"delivery_p99_ms={r['delivery_p99']:.1f} probe_idle_p99_ms={r['probe_idle_p99']:.1f} "
          f"probe_load_p99_ms={r['probe_load_p99']:.1f} rss_kb_per_watcher={r['rss_per_watcher']:.1f} "
          f"dropped={r['dropped']}")
    sys.stdout.flush()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--watchers-process":
        watchers_main(sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--watchers", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=30, help="duration of the bidding")
    p.add_argument("--gthread", action="store_true", help="the peer: today's gthread set-up serves the streams")
    p.add_argument("--all-gevent", action="store_true",
                   help="the alternative measured: gunicorn -k gevent -w 4 wsgi:app serves everything")
    p.add_argument("--rate", type=float, default=5.0, help="bids per second")
    p.add_argument("--feed-workers", type=int, default=1, help="gevent workers of the feed process")
    p.add_argument("--idle-seconds", type=float, default=10, help="the probe alone, before the watchers")
    p.add_argument("--connect-seconds", type=float, default=60,
                   help="how long the watchers may take to connect before the bids start")
    args = p.parse_args()
    faulthandler.register(signal.SIGUSR1)   # `kill -USR1 <pid>`: where a stalled run is waiting
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))   # servers stopped, database dropped
    report(args, run(args))


if __name__ == "__main__":
    main()
