"""The floor for bid_bench.py: the least a Flask bid endpoint on PostgreSQL can do.

A benchmark peer only, never served by the product. It answers POST /api/v1/lots/<id>/bids on
the bench's own database with plain Flask and psycopg: the bearer token is checked against a
dict read at start-up, the body is read without a schema, and there is no registration or
deposit check, no proxy bidding, no idempotency record, no event, no live-feed publish and no
ORM. What it keeps is what makes a bid correct under concurrency, done the way the product
does it: a refusal is decided on a plain read and appended without the lot's lock; a bid that
may win takes the row lock (SELECT ... FOR UPDATE), decides again, appends the bid and moves the
lot in one transaction.

Its accepted bids/s, next to the product's in the same run, shows how much of the gap to the
raw loop is Flask and PostgreSQL on this machine, and how much is the product's own work.

    FLOOR_DATABASE_URL=postgresql://... gunicorn bench.bid_floor_app:app
"""
from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime, timezone

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
_DSN = os.environ.get("FLOOR_DATABASE_URL", "").replace("postgresql+psycopg://", "postgresql://")
_local = threading.local()
_tokens: dict[str, tuple[int, int]] = {}    # sha256(token) -> (user id, organisation id)

_READ = ("SELECT current_price_fen, increment_fen, starting_price_fen, leader_id, bid_count "
         "FROM auction_lots WHERE id = %s")
_APPEND = ("INSERT INTO auction_bids (lot_id, seq, bidder_id, user_id, amount_fen, kind, at, accepted, "
           "refusal, idempotency_key) VALUES (%s, %s, %s, %s, %s, 'manual', %s, %s, %s, %s)")
_MOVE = ("UPDATE auction_lots SET current_price_fen = %s, leader_id = %s, bid_count = %s, "
         "version = version + 1 WHERE id = %s")


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(_DSN)
    return conn


def _load_tokens() -> None:
    with psycopg.connect(_DSN) as conn:
        rows = conn.execute("SELECT t.token_hash, u.id, u.organisation_id FROM api_tokens t "
                            "JOIN users u ON u.id = t.user_id").fetchall()
    _tokens.update({h: (user, org) for h, user, org in rows})


def _refusal(lot: tuple, amount: int, org_id: int) -> str | None:
    price, increment, start, leader, _ = lot
    if leader == org_id:
        return "already_leading"
    if price is None:
        return None if amount >= start else "below_start"
    return None if amount >= price + increment and (amount - price) % increment == 0 else "not_above_current"


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/api/v1/lots/<int:lot_id>/bids")
def bid(lot_id: int):
    if not _tokens:
        _load_tokens()
    who = _tokens.get(hashlib.sha256(request.headers.get("Authorization", "")[7:].encode()).hexdigest())
    if who is None:
        return jsonify(code=401), 401
    user_id, org_id = who
    amount = int(request.get_json()["amount_fen"])
    key = request.headers.get("Idempotency-Key")
    now = datetime.now(timezone.utc)
    conn = _connection()
    with conn.transaction():
        lot = conn.execute(_READ, (lot_id,)).fetchone()
        refusal = _refusal(lot, amount, org_id)
        if refusal is None:
            lot = conn.execute(_READ + " FOR UPDATE", (lot_id,)).fetchone()
            refusal = _refusal(lot, amount, org_id)
        if refusal is None:
            seq = lot[4] + 1
            conn.execute(_APPEND, (lot_id, seq, org_id, user_id, amount, now, True, None, key))
            conn.execute(_MOVE, (amount, org_id, seq, lot_id))
            return jsonify(price_fen=amount, leading=True, refusal=None, server_now=now.isoformat()), 201
        conn.execute(_APPEND, (lot_id, None, org_id, user_id, amount, now, False, refusal, key))
    return jsonify(price_fen=lot[0], leading=lot[3] == org_id, refusal=refusal, server_now=now.isoformat()), 409
