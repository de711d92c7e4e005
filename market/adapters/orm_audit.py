"""The audit trail's tables and the one hook that fills them.

Entries are collected from every ORM flush (the audited classes' watched columns, with their
values before and after) and inserted just before the session commits: so an entry is in the same
transaction as its change, and no service records one by hand. The bid path, which writes with
Core statements, inserts its entry inside its own write statement (`bid_audit_sql`).

One chain, no forks, no gaps: an entry gets its place (`seq`) and its `hash` when it is *sealed*,
under the lock of the single row of `audit_chain` (the head: seq and hash), in insertion order.
An ORM commit seals everything pending just before COMMIT (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's BEGIN IMMEDIATE already serialises writers). A bid on PostgreSQL does not take the head's
lock at all (it would put every refusal in one queue with every commit's disk flush: the bid
path measured at a third of its rate); its entry is sealed by the next commit that seals, or by
the scheduler's sweep (`seal_pending`) within a couple of seconds."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (DDL, JSON, BigInteger, Column, Index, Integer, String, Table, bindparam,
                        event, insert, inspect, select, update)
from sqlalchemy.orm import Session

from market.domain import audit

from .orm import metadata
from .types import UTCDateTime

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("seq", BigInteger, unique=True),     # its place in the chain, set when it is sealed
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer),                 # no foreign key: the log outlives its users
    Column("actor_role", String(20)),
    Column("market_code", String(4)),
    Column("request_id", String(64)),
    Column("client_address", String(64)),
    Column("entity", String(64), nullable=False),
    Column("action", String(48), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("hash", String(64)),                  # set when sealed, with seq
    Index("ix_audit_log_entity_seq", "entity", "seq"),
    Index("ix_audit_log_market_seq", "market_code", "seq"),
    Index("ix_audit_log_actor_seq", "actor_id", "seq"),
)

audit_chain = Table(
    "audit_chain", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
event.listen(audit_chain, "after_create",
             DDL(f"INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '{audit.GENESIS}')"))


def _system_context() -> dict:
    return {"actor_id": None, "actor_role": "system", "request_id": None, "client_address": None,
            "market_code": None}


# who is acting: the web layer installs a provider reading the request (see api/audit_context.py)
context_provider: Callable[[], dict] = _system_context

# class -> (entity kind, watched attributes, market of the object given the session)
AUDITED: dict[type, tuple[str, tuple[str, ...], Callable]] = {}
SECRET = {"password_hash"}          # recorded as changed, never with its value


def audited(cls: type, kind: str, watched: tuple[str, ...],
            market: Callable[[Session, object], str | None] | None = None) -> None:
    """Put a class under audit: its creation and every change of a watched attribute."""
    AUDITED[cls] = (kind, watched, market or (lambda _s, obj: getattr(obj, "market_code", None)))


def entry(entity: str, action: str, before: dict | None, after: dict | None,
          market_code: str | None = None, context: dict | None = None) -> dict:
    ctx = context or context_provider()
    return {"at": datetime.now(timezone.utc), "actor_id": ctx.get("actor_id"),
            "actor_role": ctx.get("actor_role"), "market_code": market_code or ctx.get("market_code"),
            "request_id": ctx.get("request_id"), "client_address": ctx.get("client_address"),
            "entity": entity, "action": action,
            "before": audit.json_value(before), "after": audit.json_value(after)}


def _shown(name: str, value):
    return "***" if name in SECRET and value is not None else value


def _entry_of(session: Session, obj, is_new: bool) -> dict | None:
    kind, watched, market = AUDITED[type(obj)]
    state = inspect(obj)
    before, after = {}, {}
    for name in watched:
        hist = state.attrs[name].history
        if is_new:
            after[name] = _shown(name, getattr(obj, name, None))
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                before[name], after[name] = _shown(name, old), _shown(name, new)
    if not is_new and not after:
        return None
    if is_new:
        action = f"{kind}.created"
    elif "status" in after:
        action = f"{kind}.{after['status']}"
    else:
        action = f"{kind}.{'_'.join(sorted(after))}_changed"
    ident = inspect(obj).identity
    entity = f"{kind}:{ident[0] if ident else getattr(obj, 'id', None)}"
    return entry(entity, action, before or None, after, market(session, obj))


def _collect(session: Session, _flush_context) -> None:
    """after_flush: the flushed changes of audited objects become pending entries."""
    if not AUDITED:
        return
    pending = session.info.setdefault("audit_pending", [])
    for objs, is_new in ((session.new, True), (session.dirty, False)):
        for obj in objs:
            if type(obj) in AUDITED:
                made = _entry_of(session, obj, is_new)
                if made:
                    pending.append(made)


def _append_pending(session: Session) -> None:
    """before_commit: flush what is left, then chain the pending entries in this transaction."""
    session.flush()
    pending = session.info.pop("audit_pending", None)
    if pending:
        append(session.connection(), pending)


def _drop_pending(session: Session, *_args) -> None:
    session.info.pop("audit_pending", None)


def append(conn, entries: list[dict]) -> str:
    """Insert `entries` and seal every pending entry (theirs included); returns the new head hash.
    Call it just before COMMIT: the head's row lock is held from here to the end of the transaction."""
    if entries:
        conn.execute(insert(audit_log), [{k: v for k, v in e.items() if k not in ("seq", "hash")}
                                         for e in entries])
    return seal_pending(conn)


def seal_pending(conn, limit: int = 5000) -> str:
    """Give the pending entries (no seq yet), in insertion order, the next seqs and their hashes
    under the head's lock; returns the head hash. The caller commits."""
    head = conn.execute(select(audit_chain.c.seq, audit_chain.c.hash)
                        .where(audit_chain.c.id == 1).with_for_update()).first()
    if head is None:      # a database made before the chain's seed row existed
        conn.execute(insert(audit_chain).values(id=1, seq=0, hash=audit.GENESIS))
        head = (0, audit.GENESIS)
    pending = [dict(r) for r in conn.execute(
        select(audit_log).where(audit_log.c.seq.is_(None)).order_by(audit_log.c.id).limit(limit)).mappings()]
    if not pending:
        return head[1]
    new_hash = audit.seal(head[1], pending, head[0] + 1)
    conn.execute(update(audit_log).where(audit_log.c.id == bindparam("b_id"))
                 .values(seq=bindparam("b_seq"), hash=bindparam("b_hash")),
                 [{"b_id": e["id"], "b_seq": e["seq"], "b_hash": e["hash"]} for e in pending])
    conn.execute(update(audit_chain).where(audit_chain.c.id == 1)
                 .values(seq=head[0] + len(pending), hash=new_hash))
    return new_hash


def track_audit(factory) -> None:
    """Listen on the session factory once (not per session: that costs on the bid path)."""
    if getattr(factory, "_market_audits", False):
        return
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "before_commit", _append_pending)
    event.listen(factory, "after_rollback", _drop_pending)
    factory._market_audits = True


# ---- the bid path: the entry inserted by the write statement itself (PostgreSQL) ----------
AUDIT_COLUMNS = ("at", "actor_id", "actor_role", "market_code", "request_id", "client_address",
                 "entity", "action", "before", "after")


def bid_audit_sql(guarded: bool) -> tuple[list[str], dict]:
    """A CTE part inserting the bid's entry (params `a_*`, pending: sealed later, see the module's
    docstring), only if the guard found the lot as read; and the parameters' types."""
    cond = " WHERE EXISTS (SELECT FROM guard)" if guarded else ""
    parts = [f"new_audit AS (INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) "
             f"SELECT {', '.join(':a_' + c for c in AUDIT_COLUMNS)}{cond})"]
    return parts, {f"a_{c}": audit_log.c[c].type for c in AUDIT_COLUMNS}


def bid_entry(lot, read: dict, bids, market_code: str | None) -> dict:
    """A bid decision's entry (accepted or refused): what was bid and decided, the lot before
    and after. Proxy ceilings stay out: they are the bidders' secrets."""
    shown = ("current_price_fen", "leader_paddle_no", "bid_count", "ends_at", "status")
    return entry(
        f"lot:{lot.id}", "bid.accepted" if any(b.accepted for b in bids) else "bid.refused",
        {k: read[k] for k in shown},
        {**{k: getattr(lot, k) for k in shown},
         "bids": [{"paddle_no": b.paddle_no, "amount_fen": b.amount_fen, "kind": b.kind,
                   "accepted": b.accepted, "refusal": b.refusal} for b in bids]},
        market_code=market_code)


def bid_audit_params(made: dict) -> dict:
    return {f"a_{c}": made[c] for c in AUDIT_COLUMNS}


def _lot_market(session: Session, lot) -> str | None:
    from market.domain.auctions import AuctionSession
    auction = session.get(AuctionSession, lot.session_id)
    return auction.market_code if auction else None


def _deposit_market(session: Session, deposit) -> str | None:
    from market.domain.auctions import Lot, Registration
    registration = session.get(Registration, deposit.registration_id)
    lot = registration and session.get(Lot, registration.lot_id)
    return _lot_market(session, lot) if lot else None


def _offer_market(session: Session, offer) -> str | None:
    from market.domain.deals import Negotiation
    negotiation = offer.negotiation_id and session.get(Negotiation, offer.negotiation_id)
    return negotiation.market_code if negotiation else None


def start_audit() -> None:
    """What is audited (after the mappers): the state changes that matter, named by entity."""
    from market.domain.accounts import User
    from market.domain.achievements import Achievement
    from market.domain.auctions import Confirmation, Deposit, Lot
    from market.domain.contracts import Contract, ContractImportRun
    from market.domain.deals import Agreement, Offer
    from market.domain.demands import Demand
    from market.domain.feeds import ImportRun
    audited(Achievement, "achievement", ("status", "rejection_reason"))
    audited(Demand, "demand", ("status", "rejection_reason"))
    audited(Lot, "lot", ("status", "cancel_reason"), _lot_market)
    audited(Deposit, "deposit", ("status", "amount_fen"), _deposit_market)
    audited(Confirmation, "confirmation", ("status",))
    audited(Contract, "contract", ("status",))
    audited(User, "user", ("role", "market_code", "active", "password_hash"))
    audited(ImportRun, "import", ("status",))
    audited(ContractImportRun, "contract_import", ("market_code",))
    audited(Offer, "offer", ("status",), _offer_market)
    audited(Agreement, "agreement", ("status", "void_reason"))
