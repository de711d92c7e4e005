"""The hot bid path of the auction repository: one statement reads, one statement writes.

The bid path skips the ORM's unit of work: one SELECT reads everything the rules need (lot, bidder,
registration, deposit, an earlier answer to the same idempotency key); one statement writes the
result (on PostgreSQL a single statement with data-modifying CTEs: the lot UPDATE, the bids, the
events and the stored answer). On PostgreSQL the read is a snapshot and the write is its own
transaction, conditional on the version read, so the lot's row is locked only while that statement
runs and commits; a bid that lost the race is decided again, and after a few tries reads under the
row lock. The statements themselves are built in `bid_sql`.
"""
from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from market.domain.auctions import Lot
from market.domain.errors import StaleWrite
from market.services.repositories import BidContext

from . import orm_audit
from .bid_sql import (_BID_CONTEXT, BID_STATE, _answer_row, _bid_context, _bid_context_statement,
                      _bid_rows, _bid_write_statement, _event_rows, _lot_update_params)
from .orm_auctions import auction_bid_requests, auction_bids, auction_events, auction_lots, auction_sessions
from .storage_errors import domain_errors

_MARKET_OF_AUCTION: dict[tuple[str, int], str] = {}


class StaleLot(StaleWrite):
    """The lot's version moved between the read and the write (only possible without its lock)."""


class BidPath:
    """Mixed into `AuctionRepository` (needs `self.session` and `self.seen`)."""

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
        if row is None:
            return None
        ctx = _bid_context(row, locked)
        self.seen[(Lot, lot_id)] = ctx.lot   # its events are collected by the unit of work
        return ctx

    def write_bid(self, ctx: BidContext, bids, events: list[dict], answer: dict | None,
                  *, holds_only_on_state_read: bool) -> bool:
        with domain_errors():
            return self._write_bid(ctx, bids, events, answer, holds_only_on_state_read)

    def _write_bid(self, ctx: BidContext, bids, events: list[dict], answer: dict | None,
                   holds_only_on_state_read: bool) -> bool:
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
