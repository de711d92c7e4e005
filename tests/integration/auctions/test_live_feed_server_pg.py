"""The live feed as production runs it: the evented feed process (`gunicorn -k gevent feed:app`)
beside the API (`gunicorn -k gthread wsgi:app`), on PostgreSQL and Redis (channels of this run's
own prefix), both listening on ephemeral ports. Watchers are raw HTTP/1.0 sockets."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from market.adapters.events import RedisEventBus
from market.adapters.clock import SystemClock
from market.domain.accounts import ApiToken
from market.services import auctions as svc
from market_testing import create_pg_database, migrate

from auction_world import INC, START, add_lot, build_world, register_all, wait_for

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("live_feed_server")]


def redis_or_skip() -> None:
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:   # noqa: BLE001
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")


class Server:
    """A gunicorn on 127.0.0.1:0; its port is read from its log."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "--log-level", "info",
                                      *args], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        found = wait_for(lambda: re.search(rb"Listening at: http://127.0.0.1:(\d+)", log_path.read_bytes()),
                         60, f"gunicorn {args[-1]} to listen")
        self.port = int(found.group(1))
        wait_for(lambda: self.get("/healthz")[0] == 200, 60, f"{args[-1]} to answer")

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict]:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            conn.close()
            return response.status, (json.loads(body) if body else {})
        except (OSError, http.client.HTTPException, ValueError):
            return 0, {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


class Watcher:
    """An EventSource stand-in on a raw socket: sends Last-Event-ID, parses events as they come."""

    def __init__(self, port: int, path: str, last_event_id: int | None = None, rcvbuf: int | None = None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id is not None else ""
        self.sock.sendall(f"GET {path} HTTP/1.0\r\nHost: t\r\n{resume}\r\n".encode())
        self.buffer = b""
        self.events: list[tuple[int, str, dict]] = []
        self.started = self.ended = False

    def read(self, until, timeout: float = 30) -> None:
        """Read until `until(self)` holds, the stream ends, or the bound passes (then fail)."""
        deadline = time.monotonic() + timeout
        while not until(self):
            if self.ended:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"watcher timed out with {len(self.events)} events")
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                self.ended = True
            self.buffer += chunk
            *blocks, self.buffer = self.buffer.split(b"\n\n")
            for block in blocks:
                self._parse(block.decode())

    def _parse(self, block: str) -> None:
        if "retry: " in block and not self.started:
            self.started = True
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "id" in fields and "event" in fields:
            self.events.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))

    def of(self, type_: str) -> list[tuple[int, str, dict]]:
        return [e for e in self.events if e[1] == type_]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    redis_or_skip()
    url, drop = create_pg_database("live_feed")
    migrate(url)
    now = datetime.now(timezone.utc)
    before = now - timedelta(minutes=1)
    w = build_world(url, before, bidders=3, achievements=5)
    lots = {"hot": add_lot(w, before, achievement=0, starts_in=timedelta(0), free_minutes=60),
            "slow": add_lot(w, before, achievement=1, starts_in=timedelta(0), free_minutes=60)}
    w.auction_id = svc.create_auction(w.uow(), actor_id=w.operator_id, market_code="SH", title="大屏专场",
                                      now=before)["id"]
    lots["a"] = add_lot(w, before, achievement=2, starts_in=timedelta(0), free_minutes=60)
    lots["b"] = add_lot(w, before, achievement=3, starts_in=timedelta(0), free_minutes=60)
    for lot_id in lots.values():
        register_all(w, lot_id, before)
    tokens = []
    with w.uow() as uow:
        for user_id in w.bidders:
            token = secrets.token_urlsafe(24)
            uow.session.add(ApiToken(user_id, hashlib.sha256(token.encode()).hexdigest(), now, now + timedelta(hours=2)))
            tokens.append(token)
        uow.commit()
    prefix = f"test-live-{uuid.uuid4().hex}:"
    env = {**os.environ, "MARKET_CONFIG": "production", "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
           "REDIS_URL": REDIS_URL, "EVENTS_CHANNEL_PREFIX": prefix, "SEARCH_BACKEND": "postgres",
           "SSE_HEARTBEAT_SECONDS": "0.5", "SSE_QUEUE_SIZE": "16", "SSE_SEND_BUFFER_BYTES": "4096",
           "SSE_MAX_SECONDS": "120"}
    logs = tmp_path_factory.mktemp("live_feed_logs")
    servers = []
    try:
        servers.append(Server(["-k", "gthread", "-w", "2", "--threads", "2", "wsgi:app"], env, logs / "api.log"))
        servers.append(Server(["-k", "gevent", "-w", "1", "--worker-connections", "1000", "feed:app"], env,
                              logs / "feed.log"))
        yield {"world": w, "lots": lots, "tokens": tokens, "api": servers[0], "feed": servers[1],
               "bus": RedisEventBus(REDIS_URL, prefix=prefix), "url": url}
    finally:
        for server in servers:
            server.stop()
        w.engine.dispose()
        drop()


class Bidder:
    """Bids through the API, bidders taking turns at the current price + one increment."""

    def __init__(self, api: Server, tokens: list[str]):
        self.api, self.tokens, self.turn, self.prices = api, tokens, 0, {}

    def bid(self, lot_id: int) -> int:
        amount = self.prices.get(lot_id, START - INC) + INC
        conn = http.client.HTTPConnection("127.0.0.1", self.api.port, timeout=30)
        conn.request("POST", f"/api/v1/lots/{lot_id}/bids", json.dumps({"amount_fen": amount}),
                     {"Authorization": f"Bearer {self.tokens[self.turn % len(self.tokens)]}",
                      "Content-Type": "application/json"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        assert response.status == 201, body
        self.turn += 1
        self.prices[lot_id] = amount
        return amount


def watchers_on(feed: Server) -> int:
    return feed.get("/healthz")[1].get("live_watchers", 0)


def test_200_watchers_get_every_bid_in_order_while_the_feed_server_answers_other_requests(world):
    feed, lot_id = world["feed"], world["lots"]["hot"]
    watchers = [Watcher(feed.port, f"/api/v1/lots/{lot_id}/events") for _ in range(200)]
    try:
        for w in watchers:
            w.read(lambda w: w.started)
        conn = http.client.HTTPConnection("127.0.0.1", feed.port, timeout=1.0)   # the bar: under 1 s
        conn.request("GET", "/api/v1/achievements?per_page=1")
        assert conn.getresponse().status == 200
        conn.close()
        bidder = Bidder(world["api"], world["tokens"])
        amounts = [bidder.bid(lot_id) for _ in range(8)]
        for w in watchers:
            w.read(lambda w: len(w.of("bid_accepted")) >= len(amounts))
            bids = w.of("bid_accepted")
            assert [e[2]["amount_fen"] for e in bids] == amounts
            ids = [e[0] for e in w.events]
            assert ids == sorted(ids) and len(set(ids)) == len(ids)
            assert all(e[2]["server_now"].endswith("+08:00") and e[2]["at"].endswith("+08:00") for e in bids)
    finally:
        for w in watchers:
            w.close()


def test_a_watcher_that_disconnects_is_freed_within_a_heartbeat(world):
    feed, lot_id = world["feed"], world["lots"]["hot"]
    wait_for(lambda: watchers_on(feed) == 0, 30, "earlier watchers to be freed")
    watchers = [Watcher(feed.port, f"/api/v1/lots/{lot_id}/events") for _ in range(5)]
    for w in watchers:
        w.read(lambda w: w.started)
    assert watchers_on(feed) == 5
    for w in watchers[:3]:
        w.close()
    wait_for(lambda: watchers_on(feed) == 2, 30, "departed watchers to be freed")
    for w in watchers[3:]:
        w.close()
    wait_for(lambda: watchers_on(feed) == 0, 30, "the last watchers to be freed")


def test_a_slow_consumer_is_cut_with_a_reconnect_event_and_resumes_without_a_gap(world):
    feed, lot_id, w = world["feed"], world["lots"]["slow"], world["world"]
    slow = Watcher(feed.port, f"/api/v1/lots/{lot_id}/events", rcvbuf=2048)
    fast = Watcher(feed.port, f"/api/v1/lots/{lot_id}/events")
    fast.read(lambda x: x.started)
    wait_for(lambda: watchers_on(feed) == 2, 30, "both watchers to be registered")
    reader = threading.Thread(target=fast.read, args=(lambda x: len(x.of("bid_accepted")) == 300, 90))
    reader.start()   # the fast watcher reads as the bids come; the slow one reads nothing meanwhile
    clock, price = SystemClock(), START - INC
    for n in range(300):   # quicker than HTTP: the services themselves, publishing on the run's channels
        price += INC
        svc.place_bid(w.uow(), actor_id=w.bidders[n % len(w.bidders)], lot_id=lot_id, clock=clock,
                      amount_fen=price, bus=world["bus"])
    reader.join(120)
    assert not fast.of("reconnect")   # the slow one held nobody up
    assert [e[2]["amount_fen"] for e in fast.of("bid_accepted")] == list(range(START, price + 1, INC))
    slow.read(lambda x: bool(x.of("reconnect")), timeout=60)
    slow.read(lambda x: x.ended, timeout=30)
    seqs = [e[0] for e in slow.events if e[1] != "reconnect"]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) < 300
    reconnect = slow.of("reconnect")[-1]
    assert reconnect[0] == seqs[-1] and reconnect[2]["last_event_id"] == seqs[-1]
    slow.close()
    last = max(e[0] for e in fast.events)
    resumed = Watcher(feed.port, f"/api/v1/lots/{lot_id}/events", last_event_id=reconnect[0])
    resumed.read(lambda x: x.events and x.events[-1][0] == last)
    assert [e[0] for e in resumed.events] == list(range(reconnect[0] + 1, last + 1))
    resumed.close()
    fast.close()


def test_the_auction_stream_interleaves_two_lots_in_order_and_resumes_from_an_id(world):
    feed, lots, auction_id = world["feed"], world["lots"], world["world"].auction_id
    screen = Watcher(feed.port, f"/api/v1/auctions/{auction_id}/events")
    screen.read(lambda x: x.started)
    bidder = Bidder(world["api"], world["tokens"])
    placed = [(lot, bidder.bid(lot)) for lot in (lots["a"], lots["b"], lots["a"], lots["b"], lots["b"])]
    screen.read(lambda x: len(x.of("bid_accepted")) == len(placed))
    bids = screen.of("bid_accepted")
    assert [(e[2]["lot_id"], e[2]["amount_fen"]) for e in bids] == placed
    ids = [e[0] for e in screen.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {e[2]["type"] for e in screen.events} == {"lot_opened", "bid_accepted"}
    screen.close()
    middle = bids[1][0]
    resumed = Watcher(feed.port, f"/api/v1/auctions/{auction_id}/events", last_event_id=middle)
    resumed.read(lambda x: len(x.events) == len([i for i in ids if i > middle]))
    assert [e[0] for e in resumed.events] == [i for i in ids if i > middle]
    resumed.close()
