"""Auction tables, their imperative mapping, and the repository the auction services use.

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
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer,
                        String, Table, Text, UniqueConstraint, and_, bindparam, func, insert,
                        select, text, update)
from sqlalchemy.orm import Session, class_mapper, relationship

from market.domain.auctions import (AuctionSession, Bid, Confirmation, Deposit, Lot,
                                    Registration)

from . import orm_audit
from .orm import mapper_registry, metadata, users
from .types import UTCDateTime

auction_sessions = Table(
    "auction_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("operator_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
)

auction_lots = Table(
    "auction_lots", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", ForeignKey("auction_sessions.id"), nullable=False, index=True),
    Column("lot_no", Integer, nullable=False),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False, index=True),
    Column("seller_id", ForeignKey("organisations.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starting_price_fen", BigInteger, nullable=False),
    Column("increment_fen", BigInteger, nullable=False),
    Column("reserve_price_fen", BigInteger),
    Column("deposit_fen", BigInteger, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("free_period_ends_at", UTCDateTime, nullable=False),
    Column("window_seconds", Integer, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("current_price_fen", BigInteger),
    Column("leader_id", ForeignKey("organisations.id")),
    Column("leader_paddle_no", Integer),
    Column("leader_max_fen", BigInteger),
    Column("bid_count", Integer, nullable=False, default=0),
    Column("event_seq", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("timed_window_started_at", UTCDateTime),
    Column("cancel_reason", Text),
    Column("reoffer_of_id", ForeignKey("auction_lots.id")),
    Column("version", Integer, nullable=False),
    UniqueConstraint("session_id", "lot_no", name="uq_auction_lots_session_lot_no"),
    Index("ix_auction_lots_status_starts_at", "status", "starts_at"),
    Index("ix_auction_lots_status_ends_at", "status", "ends_at"),
)

auction_registrations = Table(
    "auction_registrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("bidder_id", ForeignKey("organisations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id")),
    Column("paddle_no", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("lot_id", "bidder_id", name="uq_auction_registrations_lot_bidder"),
    UniqueConstraint("lot_id", "paddle_no", name="uq_auction_registrations_lot_paddle"),
)

deposits = Table(
    "deposits", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", ForeignKey("auction_registrations.id"), nullable=False, unique=True),
    Column("bidder_id", ForeignKey("organisations.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("gateway", String(16), nullable=False),
    Column("reference", String(255), index=True),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("held_at", UTCDateTime),
    Column("settled_at", UTCDateTime),
    Column("release_by", Date),     # released: the local day the money is due back (working days)
)

auction_bids = Table(
    "auction_bids", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("seq", Integer),                       # accepted bids only: 1, 2, 3 ... per lot
    Column("bidder_id", ForeignKey("organisations.id")),
    Column("user_id", ForeignKey("users.id")),
    Column("paddle_no", Integer),
    Column("amount_fen", BigInteger),
    Column("max_amount_fen", BigInteger),
    Column("kind", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("refusal", String(32)),
    Column("idempotency_key", String(100)),
    UniqueConstraint("lot_id", "seq", name="uq_auction_bids_lot_seq"),
    Index("ix_auction_bids_lot_id_id", "lot_id", "id"),
)

# A retried request with the same key gets the first answer back (if it is the same request:
# `request_fingerprint`, see domain/idempotency.py; NULL for answers stored before 0011).
auction_bid_requests = Table(
    "auction_bid_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("response", JSON, nullable=False),
    Column("request_fingerprint", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="uq_auction_bid_requests_user_key"),
)

# The live feed's source of truth: written with the change, published after the commit.
auction_events = Table(
    "auction_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("lot_id", "seq", name="uq_auction_events_lot_seq"),
)

auction_confirmations = Table(
    "auction_confirmations", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", ForeignKey("auction_lots.id"), nullable=False, unique=True),
    Column("achievement_id", ForeignKey("achievements.id"), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("seller_id", ForeignKey("organisations.id"), nullable=False),
    Column("winner_id", ForeignKey("organisations.id"), nullable=False),
    Column("hammer_price_fen", BigInteger, nullable=False),
    Column("deposit_fen", BigInteger, nullable=False),
    Column("sign_by", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("signed_at", UTCDateTime),
    Column("signed_by_id", ForeignKey("users.id")),
    Column("forfeited_at", UTCDateTime),
    Index("ix_auction_confirmations_status_sign_by", "status", "sign_by"),
)


def start_auction_mappers() -> None:
    """Called once from orm.start_mappers()."""
    mapper_registry.map_imperatively(Lot, auction_lots, version_id_col=auction_lots.c.version)
    mapper_registry.map_imperatively(AuctionSession, auction_sessions, properties={
        "lots": relationship(Lot, order_by=auction_lots.c.lot_no, lazy="select"),
    })
    mapper_registry.map_imperatively(Deposit, deposits)
    mapper_registry.map_imperatively(Registration, auction_registrations, properties={
        "deposit": relationship(Deposit, uselist=False, lazy="joined", cascade="all"),
    })
    mapper_registry.map_imperatively(Bid, auction_bids)
    mapper_registry.map_imperatively(Confirmation, auction_confirmations)


# --------------------------------------------------------------------------- the bid path

# The lot's columns a bid may change (plus `version`, bumped by every write).
BID_STATE = ("status", "opened_at", "current_price_fen", "leader_id", "leader_paddle_no",
             "leader_max_fen", "bid_count", "ends_at", "event_seq", "timed_window_started_at")

_REGISTRATION_COLS = ("id", "lot_id", "bidder_id", "user_id", "paddle_no", "created_at")
_DEPOSIT_COLS = ("id", "registration_id", "bidder_id", "amount_fen", "gateway", "reference",
                 "status", "created_at", "updated_at", "held_at", "settled_at", "release_by")


class StaleLot(Exception):
    """The lot's version moved between the read and the write (only possible without its lock)."""


@dataclass
class BidContext:
    """Everything a bid needs, read in one statement under the lot's row lock. The domain objects
    are detached: the bid is written back with Core statements, not by the ORM's flush."""
    lot: Lot
    read: dict                      # the lot's BID_STATE and version as read
    user_found: bool
    user_active: bool
    org_id: int | None
    registration: Registration | None
    previous: tuple[int, dict, str | None] | None   # (lot_id, answer, fingerprint) of an earlier
                                                    # request with this key
    locked: bool = True             # read under the lot's row lock (else: a snapshot, see write_bid)


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
_MARKET_OF_AUCTION: dict[tuple[str, int], str] = {}


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
        previous = (m["q_lot_id"], m["q_response"], m["q_fingerprint"])
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


def number_events(lot: Lot, events: list[dict]) -> list[dict]:
    """Give events the lot's next sequence numbers (the caller holds the lot's lock)."""
    stored = []
    for event in events:
        lot.event_seq = (lot.event_seq or 0) + 1
        stored.append({**event, "lot_id": lot.id, "seq": lot.event_seq})
    return stored


_BID_COLUMNS = ("seq", "bidder_id", "user_id", "paddle_no", "amount_fen", "max_amount_fen", "kind",
                "at", "accepted", "refusal", "idempotency_key")
_EVENT_COLUMNS = ("seq", "type", "at", "data")
_ANSWER_COLUMNS = ("user_id", "idempotency_key", "response", "created_at", "request_fingerprint")


def _answer_row(lot_id: int, answer: dict) -> dict:
    """The stored answer to an idempotency key ({user_id, key, response, now, fingerprint}) as
    a row."""
    return dict(user_id=answer["user_id"], idempotency_key=answer["key"], lot_id=lot_id,
                response=answer["response"], created_at=answer["now"],
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


class AuctionRepository:
    """Every query of the auction feature; works inside the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    # ---- sessions and lots -----------------------------------------------------------------
    def add(self, obj) -> None:
        self.session.add(obj)

    def auction(self, ident: int, *, lock: bool = False) -> AuctionSession | None:
        """The session; `lock` row-locks it until the transaction ends, so lots added to one
        session at once take their numbers one after the other."""
        if lock:
            return self.session.get(AuctionSession, ident, with_for_update=True, populate_existing=True)
        return self.session.get(AuctionSession, ident)

    def auctions(self, market_code: str | None = None, limit: int = 100) -> list[AuctionSession]:
        stmt = select(AuctionSession).order_by(auction_sessions.c.id.desc()).limit(limit)
        if market_code:
            stmt = stmt.where(auction_sessions.c.market_code == market_code)
        return list(self.session.scalars(stmt))

    def lot(self, ident: int) -> Lot | None:
        return self.session.get(Lot, ident)

    def lot_for_update(self, ident: int) -> Lot | None:
        """The lot, row-locked until the transaction ends, read fresh from the database."""
        return self.session.get(Lot, ident, with_for_update=True, populate_existing=True)

    @property
    def optimistic_bids(self) -> bool:
        """PostgreSQL decides a bid on a snapshot and writes it only if the lot has not moved
        (see `write_bid`); SQLite's BEGIN IMMEDIATE serialises every writer, so it reads locked."""
        return self.session.get_bind().dialect.name == "postgresql"

    def read_bid_context(self, lot_id: int, user_id: int, key: str | None = None, *,
                         lock: bool = True) -> BidContext | None:
        """Read, in one statement, the lot, the bidder's organisation, its registration and
        deposit, and any earlier answer to `key`. None when there is no such lot.

        With `lock`, the statement takes the lot's row lock until the transaction ends; on
        PostgreSQL a row waiting for the lock is re-read once it is granted (READ COMMITTED), so
        the lot's state is the latest committed one; the joined rows are from the statement's
        start. Without it (PostgreSQL only), the statement is its own transaction: a snapshot
        that `write_bid` checks the lot's version against."""
        locked = lock or not self.optimistic_bids
        stmt = _BID_CONTEXT.get((bool(key), locked))
        if stmt is None:
            stmt = _BID_CONTEXT[(bool(key), locked)] = _bid_context_statement(bool(key), locked)
        params = {"lot_id": lot_id, "user_id": user_id}
        if key:
            params["key"] = key
        if locked:
            row = self.session.connection().execute(stmt, params).first()
        else:
            row = self._on_its_own(lambda conn: conn.execute(stmt, params).first())
        return None if row is None else _bid_context(row, locked)

    def write_bid(self, ctx: BidContext, bids, events: list[dict], answer: dict | None,
                  *, holds_only_on_state_read: bool) -> bool:
        """Record a decided bid; False (nothing written) when the lot moved since a snapshot read.

        Read under the lock, it always writes: the lot's new state and the records if the lot
        changed, else (a refusal) it lets the lock go first and appends. Decided on a snapshot,
        it writes in one statement that is its own transaction: an UPDATE conditional on the
        version read (the row lock is held only for that statement and its commit, never while
        Python decides), or for a refusal an append — checked against the version read only when
        a later bid could have lifted the refusal. Either way a bid is linearised at the moment
        its write finds the lot as read, so accepted bids stay strictly increasing."""
        if ctx.locked:
            if events or self.lot_changes(ctx):
                self.record_bid(ctx, bids, events, answer)
            else:
                self.release_lot_and_append(ctx, bids, answer)
            return True
        lot = ctx.lot
        update_lot = bool(self.lot_changes(ctx))
        guard = update_lot or holds_only_on_state_read
        params = self._bid_params(ctx, bids, events, answer, update_lot)
        if guard:
            params["version"] = ctx.read["version"]
        stmt = _bid_write_statement(update_lot, len(bids), len(events), answer is not None,
                                    guard_version=guard and not update_lot)
        found = self._on_its_own(lambda conn: conn.execute(stmt, params).scalar())
        if guard and found != 1:
            return False
        if update_lot:
            lot.version = ctx.read["version"] + 1
        return True

    def _on_its_own(self, run):
        """Run `run(connection)` as its own transaction (PostgreSQL autocommit): no BEGIN round
        trip, and any lock a statement takes ends with it. The session's transaction has nothing
        pending here (the bid path writes nothing through the ORM), so its commit is a no-op."""
        conn = self.session.connection()
        driver = conn.connection.driver_connection
        driver.autocommit = True
        try:
            return run(conn)
        finally:
            driver.autocommit = False

    def _bid_params(self, ctx: BidContext, bids, events: list[dict], answer: dict | None,
                    update_lot: bool) -> dict:
        """The parameters of `_bid_write_statement` for this bid."""
        lot = ctx.lot
        params = {"lot_id": lot.id, **(_lot_update_params(ctx) if update_lot else {})}
        for prefix, rows in (("b", _bid_rows(lot.id, bids)), ("e", _event_rows(events))):
            for i, row in enumerate(rows):
                params.update({f"{prefix}{i}_{k}": v for k, v in row.items() if k != "lot_id"})
        if answer is not None:
            params.update({f"q_{k}": v for k, v in _answer_row(lot.id, answer).items() if k != "lot_id"})
        params.update(orm_audit.bid_audit_params(self.bid_audit_entry(ctx, bids)))
        return params

    def bid_audit_entry(self, ctx: BidContext, bids) -> dict:
        return orm_audit.bid_entry(ctx.lot, ctx.read, bids, self.market_of_auction(ctx.lot.session_id))

    def market_of_auction(self, auction_id: int) -> str | None:
        """An auction's market never changes: read once per process."""
        bind = self.session.get_bind()
        key = (str(bind.url), auction_id)
        found = _MARKET_OF_AUCTION.get(key)
        if found is None:
            query = select(auction_sessions.c.market_code).where(auction_sessions.c.id == auction_id)
            if bind.dialect.name == "sqlite":
                found = self.session.connection().scalar(query)
            else:       # apart: the bid's own connection may be about to switch to autocommit
                with bind.connect() as conn:
                    found = conn.scalar(query)
            _MARKET_OF_AUCTION[key] = found
        return found

    @staticmethod
    def lot_changes(ctx: BidContext) -> dict:
        """The lot's columns the bid changed (empty for a plain refusal)."""
        lot = ctx.lot
        return {k: getattr(lot, k) for k in BID_STATE if getattr(lot, k) != ctx.read[k]}

    def record_bid(self, ctx: BidContext, bids, events: list[dict],
                   answer: dict | None = None) -> None:
        """Write a bid's result: the lot's new state (conditional on the version read), the bid
        records, the numbered events and the stored answer to an idempotency key (`answer` =
        {user_id, key, response, now}). Raises StaleLot if the lot moved meanwhile (the caller's
        transaction then rolls back, so nothing is written). With nothing changed on the lot it
        only appends the records, which needs no lock."""
        lot = ctx.lot
        update_lot = bool(self.lot_changes(ctx))
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            params = self._bid_params(ctx, bids, events, answer, update_lot)
            stmt = _bid_write_statement(update_lot, len(bids), len(events), answer is not None)
            moved = conn.execute(stmt, params).scalar()
            if update_lot and moved != 1:
                raise StaleLot(lot.id)
        else:
            c = auction_lots.c
            params = {"lot_id": lot.id, **_lot_update_params(ctx)}
            if update_lot and conn.execute(
                    update(auction_lots).where(c.id == bindparam("lot_id"), c.version == bindparam("version"))
                    .values({**{k: bindparam(k) for k in BID_STATE}, "version": bindparam("new_version")}),
                    params).rowcount != 1:
                raise StaleLot(lot.id)
            for table, rows in ((auction_bids, _bid_rows(lot.id, bids)), (auction_events, _event_rows(events)),
                                (auction_bid_requests, [] if answer is None else [_answer_row(lot.id, answer)])):
                if rows:
                    conn.execute(insert(table), rows)
            orm_audit.append(conn, [self.bid_audit_entry(ctx, bids)])
        if update_lot:
            lot.version = ctx.read["version"] + 1

    def release_lot_and_append(self, ctx: BidContext, bids, answer: dict | None = None) -> None:
        """For a bid that changed nothing on the lot (a refusal): end the transaction holding the
        lot's lock *before* writing, so the next bidder does not wait for our commit's disk
        flush, then append the records and the answer in one statement that commits on its own
        (on PostgreSQL; SQLite has one writer at a time anyway, so it just appends). The unit of
        work keeps its connection; its commit then has nothing left to do."""
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            self.record_bid(ctx, bids, [], answer)
            return
        conn.connection.driver_connection.rollback()    # the lock goes; nothing was written
        self._on_its_own(lambda _: self.record_bid(ctx, bids, [], answer))

    def lots_of(self, session_id: int) -> list[Lot]:
        return list(self.session.scalars(select(Lot).where(auction_lots.c.session_id == session_id)
                                         .order_by(auction_lots.c.lot_no)))

    def live_lot_for_achievement(self, achievement_id: int) -> Lot | None:
        c = auction_lots.c
        return self.session.scalars(select(Lot).where(
            c.achievement_id == achievement_id, c.status.in_(("scheduled", "open")))).first()

    def lot_ids_due_to_open(self, now: datetime, limit: int = 200) -> list[int]:
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status == "scheduled", c.starts_at <= now, c.ends_at > now).order_by(c.starts_at).limit(limit)))

    def lot_ids_due_to_close(self, now: datetime, limit: int = 200) -> list[int]:
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status.in_(("scheduled", "open")), c.ends_at <= now).order_by(c.ends_at).limit(limit)))

    def lot_ids_due_to_start_window(self, now: datetime, limit: int = 200) -> list[int]:
        """Open lots past their free period whose timed window has not been announced."""
        c = auction_lots.c
        return list(self.session.scalars(select(c.id).where(
            c.status == "open", c.free_period_ends_at <= now, c.ends_at > now,
            c.timed_window_started_at.is_(None)).order_by(c.free_period_ends_at).limit(limit)))

    def upcoming_lot_times(self, until: datetime, limit: int = 1000) -> list[tuple[int, str, datetime, datetime]]:
        """(id, status, starts_at, ends_at) of live lots with something to do before `until`."""
        c = auction_lots.c
        rows = self.session.execute(select(c.id, c.status, c.starts_at, c.ends_at).where(
            c.status.in_(("scheduled", "open")),
            ((c.status == "scheduled") & (c.starts_at <= until)) | (c.ends_at <= until))
            .order_by(c.ends_at).limit(limit))
        return [tuple(r) for r in rows]

    # ---- registrations and deposits ---------------------------------------------------------
    def registration(self, lot_id: int, bidder_id: int) -> Registration | None:
        c = auction_registrations.c
        return self.session.scalars(select(Registration).where(
            c.lot_id == lot_id, c.bidder_id == bidder_id)).first()

    def registrations_of(self, lot_id: int) -> list[Registration]:
        return list(self.session.scalars(select(Registration).where(
            auction_registrations.c.lot_id == lot_id).order_by(auction_registrations.c.paddle_no)))

    def registrations_by_bidder(self, bidder_id: int) -> list[Registration]:
        return list(self.session.scalars(select(Registration).where(
            auction_registrations.c.bidder_id == bidder_id).order_by(auction_registrations.c.id.desc())))

    def next_paddle_no(self, lot_id: int) -> int:
        top = self.session.scalar(select(func.max(auction_registrations.c.paddle_no)).where(
            auction_registrations.c.lot_id == lot_id))
        return (top or 0) + 1

    def deposit(self, ident: int) -> Deposit | None:
        return self.session.get(Deposit, ident)

    def deposit_for_update(self, ident: int) -> Deposit | None:
        return self.session.get(Deposit, ident, with_for_update=True, populate_existing=True)

    def lot_id_of_deposit(self, deposit_id: int) -> int | None:
        return self.session.scalar(select(auction_registrations.c.lot_id).join(
            deposits, deposits.c.registration_id == auction_registrations.c.id).where(
            deposits.c.id == deposit_id))

    # ---- bids -----------------------------------------------------------------------------
    def bids(self, lot_id: int, *, accepted_only: bool = False, limit: int | None = None,
             newest_first: bool = False) -> list[Bid]:
        c = auction_bids.c
        stmt = select(Bid).where(c.lot_id == lot_id)
        if accepted_only:   # the price sequence: a leader's raise of its maximum has no place in it
            stmt = stmt.where(c.accepted.is_(True), c.seq.isnot(None))
        stmt = stmt.order_by(c.id.desc() if newest_first else c.id)
        if limit:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def bid_response(self, user_id: int, key: str) -> tuple[int, dict, str | None] | None:
        """(lot_id, answer, request fingerprint) stored for the user's key, if any."""
        c = auction_bid_requests.c
        row = self.session.execute(select(c.lot_id, c.response, c.request_fingerprint).where(
            c.user_id == user_id, c.idempotency_key == key)).first()
        return tuple(row) if row else None

    # ---- events ---------------------------------------------------------------------------
    def add_events(self, lot: Lot, events: list[dict]) -> list[dict]:
        """Number the events in the lot's sequence (the caller holds the lot's lock) and store them."""
        stored = number_events(lot, events)
        if stored:
            self.session.execute(insert(auction_events), _event_rows(stored))
        return stored

    def events_after(self, lot_id: int, seq: int, limit: int = 500) -> list[dict]:
        c = auction_events.c
        return list(self.session.scalars(select(c.data).where(c.lot_id == lot_id, c.seq > seq)
                                         .order_by(c.seq).limit(limit)))

    def count_events(self, lot_id: int, type_: str) -> int:
        c = auction_events.c
        return self.session.scalar(select(func.count()).select_from(auction_events).where(
            c.lot_id == lot_id, c.type == type_))

    # ---- confirmations --------------------------------------------------------------------
    def confirmation(self, ident: int) -> Confirmation | None:
        return self.session.get(Confirmation, ident)

    def confirmation_for_update(self, ident: int) -> Confirmation | None:
        return self.session.get(Confirmation, ident, with_for_update=True, populate_existing=True)

    def confirmation_of_lot(self, lot_id: int) -> Confirmation | None:
        return self.session.scalars(select(Confirmation).where(
            auction_confirmations.c.lot_id == lot_id)).first()

    def confirmations_won_by(self, winner_id: int) -> dict[int, Confirmation]:
        """The confirmations of the lots an organisation won, by lot id."""
        return {c.lot_id: c for c in self.session.scalars(select(Confirmation).where(
            auction_confirmations.c.winner_id == winner_id))}

    def sold_lot_of(self, achievement_id: int) -> Lot | None:
        """The latest sold lot of an achievement (its published result)."""
        c = auction_lots.c
        return self.session.scalars(select(Lot).where(
            c.achievement_id == achievement_id, c.status == "sold").order_by(c.closed_at.desc())).first()

    def confirmation_ids_pending_before(self, day) -> list[int]:
        c = auction_confirmations.c
        return list(self.session.scalars(select(c.id).where(c.status == "pending", c.sign_by < day)
                                         .order_by(c.id)))
