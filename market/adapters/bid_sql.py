"""The bid path's SQL: the one statement that reads everything a bid needs, and the one that
writes its result (see `BidPath` in bid_repository.py for how they are used).
Concurrency lives here in three forms:
- `lot_for_update` takes the lot's row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
  BEGIN IMMEDIATE already serialises writers) for the lot changes other than bids;
- every UPDATE of a lot is conditional on its version (`version_id_col`, or the explicit
  `version = :read` of the bid path): a write based on a stale read fails instead of overwriting,
  which is what makes a close exactly-once even without a lock;
- the bid path (`read_bid_context` + `write_bid`) is the hot one and skips the ORM's unit of work:
  one SELECT reads everything the rules need (lot, bidder, registration, deposit, an earlier answer
  to the same idempotency key); one statement writes the result (on PostgreSQL a single statement
  with data-modifying CTEs: the lot UPDATE, the bids, the events and the stored answer). On
  PostgreSQL the read is a snapshot and the write is its own transaction, conditional on the
  version read, so the lot's row is locked only while that statement runs and commits; a bid that
  lost the race is decided again, and after a few tries reads under the row lock.

from __future__ import annotations
"""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import and_, bindparam, select, text
from sqlalchemy.orm import class_mapper

from market.domain.auctions import Deposit, Lot, Registration
from market.services.repositories import BidContext

from . import orm_audit
from .orm import users
from .orm_auctions import (auction_bid_requests, auction_bids, auction_events, auction_lots,
                           auction_registrations, deposits)

# the stored answer to an idempotency key is JSON: its times are written as ISO 8601 and read back
ANSWER_TIMES = ("ends_at", "server_now")


def encode_answer(response: dict) -> dict:
    out = {k: v.isoformat() if k in ANSWER_TIMES and isinstance(v, datetime) else v
           for k, v in response.items()}
    if isinstance(out.get("bid"), dict) and isinstance(out["bid"].get("at"), datetime):
        out["bid"] = {**out["bid"], "at": out["bid"]["at"].isoformat()}
    return out


def decode_answer(stored: dict) -> dict:
    out = {k: datetime.fromisoformat(v) if k in ANSWER_TIMES and isinstance(v, str) else v
           for k, v in stored.items()}
    if isinstance(out.get("bid"), dict) and isinstance(out["bid"].get("at"), str):
        out["bid"] = {**out["bid"], "at": datetime.fromisoformat(out["bid"]["at"])}
    return out

# The lot's columns a bid may change (plus `version`, bumped by every write).
BID_STATE = ("status", "opened_at", "current_price_fen", "leader_id", "leader_paddle_no",
             "leader_max_fen", "bid_count", "ends_at", "event_seq", "timed_window_started_at")

_REGISTRATION_COLS = ("id", "lot_id", "bidder_id", "user_id", "paddle_no", "created_at")
_DEPOSIT_COLS = ("id", "registration_id", "bidder_id", "amount_fen", "gateway", "reference",
                 "status", "created_at", "updated_at", "held_at", "settled_at", "release_by")


def _bid_context_statement(with_key: bool, lock: bool = True):
    l, u, r, d = auction_lots, users, auction_registrations, deposits
    columns = [*l.c, u.c.id.label("u_id"), u.c.active.label("u_active"),
               u.c.organisation_id.label("u_org"),
               *(r.c[name].label(f"r_{name}") for name in _REGISTRATION_COLS),
               *(d.c[name].label(f"d_{name}") for name in _DEPOSIT_COLS)]
    joined = (l.outerjoin(u, u.c.id == bindparam("user_id"))
              .outerjoin(r, and_(r.c.lot_id == l.c.id, r.c.bidder_id == u.c.organisation_id))
              .outerjoin(d, d.c.registration_id == r.c.id))
    if with_key:
        q = auction_bid_requests
        joined = joined.outerjoin(q, and_(q.c.user_id == bindparam("user_id"),
                                          q.c.idempotency_key == bindparam("key")))
        columns += [q.c.lot_id.label("q_lot_id"), q.c.response.label("q_response"),
                    q.c.request_fingerprint.label("q_fingerprint")]
    stmt = select(*columns).select_from(joined).where(l.c.id == bindparam("lot_id"))
    return stmt.with_for_update(of=l) if lock else stmt


_BID_CONTEXT = {}


def _detached(cls, values: dict):
    """A domain object filled from a row, known to the mapper but in no session: reading and the
    domain's own attribute changes work as usual, and nothing is flushed behind our back."""
    obj = class_mapper(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def _bid_context(row, locked: bool = True) -> BidContext:
    m = row._mapping
    lot = _detached(Lot, {c.name: m[c] for c in auction_lots.c})
    registration = None
    if m["r_id"] is not None:
        registration = _detached(Registration, {n: m[f"r_{n}"] for n in _REGISTRATION_COLS})
        registration.__dict__["deposit"] = (
            _detached(Deposit, {n: m[f"d_{n}"] for n in _DEPOSIT_COLS}) if m["d_id"] is not None else None)
    previous = None
    if "q_lot_id" in m and m["q_lot_id"] is not None:
        previous = (m["q_lot_id"], decode_answer(m["q_response"]), m["q_fingerprint"])
    return BidContext(lot=lot, read={k: getattr(lot, k) for k in (*BID_STATE, "version")},
                      user_found=m["u_id"] is not None, user_active=bool(m["u_active"]),
                      org_id=m["u_org"], registration=registration, previous=previous,
                      locked=locked)


def _bid_rows(lot_id: int, bids) -> list[dict]:
    return [dict(lot_id=lot_id, seq=b.seq, bidder_id=b.bidder_id, user_id=b.user_id,
                 paddle_no=b.paddle_no, amount_fen=b.amount_fen, max_amount_fen=b.max_amount_fen,
                 kind=b.kind, at=b.at, accepted=b.accepted, refusal=b.refusal,
                 idempotency_key=b.idempotency_key) for b in bids]


def _event_rows(events: list[dict]) -> list[dict]:
    return [dict(lot_id=e["lot_id"], seq=e["seq"], type=e["type"],
                 at=datetime.fromisoformat(e["at"]), data=e) for e in events]


_BID_COLUMNS = ("seq", "bidder_id", "user_id", "paddle_no", "amount_fen", "max_amount_fen", "kind",
                "at", "accepted", "refusal", "idempotency_key")
_EVENT_COLUMNS = ("seq", "type", "at", "data")
_ANSWER_COLUMNS = ("user_id", "idempotency_key", "response", "created_at", "request_fingerprint")


def _answer_row(lot_id: int, answer: dict) -> dict:
    """The stored answer to an idempotency key ({user_id, key, response, now, fingerprint}) as
    a row."""
    return dict(user_id=answer["user_id"], idempotency_key=answer["key"], lot_id=lot_id,
                response=encode_answer(answer["response"]), created_at=answer["now"],
                request_fingerprint=answer.get("fingerprint"))


def _lot_update_params(ctx: "BidContext") -> dict:
    """The lot's new bid state, the version it was read at and the version it gets."""
    return {**{k: getattr(ctx.lot, k) for k in BID_STATE},
            "version": ctx.read["version"], "new_version": ctx.read["version"] + 1}


@functools.lru_cache(maxsize=64)
def _bid_write_statement(update_lot: bool, n_bids: int, n_events: int, answer: bool,
                         guard_version: bool = False):
    """PostgreSQL: every write of a bid in one statement (one round trip): data-modifying CTEs,
    which all run exactly once whatever the final SELECT reads. With a guard (the lot's UPDATE
    conditional on the version read, or with `guard_version` a plain check of that version) the
    inserts happen only if the guard found the lot as it was read; the statement returns the
    number of lot rows the guard found (1, or 0 if the version moved; NULL without a guard).
    One text statement per shape, with typed parameters, so SQLAlchemy compiles each shape once."""
    types = {}
    parts = []
    if update_lot:
        sets = ", ".join(f"{k} = :{k}" for k in BID_STATE)
        parts.append(f"guard AS (UPDATE auction_lots SET {sets}, version = :new_version "
                     "WHERE id = :lot_id AND version = :version RETURNING id)")
        types.update({k: auction_lots.c[k].type for k in BID_STATE})
    elif guard_version:
        parts.append("guard AS (SELECT id FROM auction_lots WHERE id = :lot_id AND version = :version)")
    guarded = update_lot or guard_version

    def insert_rows(table, columns, rows: list[list[str]]) -> str:
        head = f"INSERT INTO {table.name} (lot_id, {', '.join(columns)}) "
        values = "VALUES " + ", ".join("(:lot_id, " + ", ".join(f":{n}" for n in names) + ")"
                                       for names in rows)
        if not guarded:
            return head + values
        return head + f"SELECT * FROM ({values}) AS v WHERE EXISTS (SELECT FROM guard)"

    def named(prefix: str, table, columns, count: int) -> list[list[str]]:
        rows = []
        for i in range(count):
            names = [f"{prefix}{i}_{col}" for col in columns]
            types.update({name: table.c[col].type for name, col in zip(names, columns)})
            rows.append(names)
        return rows

    if n_bids:
        parts.append(f"new_bids AS ({insert_rows(auction_bids, _BID_COLUMNS, named('b', auction_bids, _BID_COLUMNS, n_bids))})")
    if n_events:
        parts.append(f"new_events AS ({insert_rows(auction_events, _EVENT_COLUMNS, named('e', auction_events, _EVENT_COLUMNS, n_events))})")
    if answer:
        names = [f"q_{col}" for col in _ANSWER_COLUMNS]
        types.update({name: auction_bid_requests.c[col].type for name, col in zip(names, _ANSWER_COLUMNS)})
        parts.append(f"answer AS ({insert_rows(auction_bid_requests, _ANSWER_COLUMNS, [names])})")
    chain_parts, chain_types = orm_audit.bid_audit_sql(guarded)
    parts += chain_parts
    types.update(chain_types)
    final = "SELECT count(*) FROM guard" if guarded else "SELECT NULL"
    sql = ("WITH " + ",\n".join(parts) + "\n" + final) if parts else final
    return text(sql).bindparams(*(bindparam(name, type_=type_) for name, type_ in types.items()))

