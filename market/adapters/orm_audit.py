"""The audit trail's tables and the one hook that fills them.

Entries are collected from every ORM flush (the audited classes' watched columns, with their
values before and after) and appended, chained and hashed, just before the session commits: so
an entry is in the same transaction as its change, and no service records one by hand. The bid
path, which writes with Core statements, appends its entry inside its own write statement (see
`bid_chain_sql`).

One chain, no forks: the single row of `audit_chain` holds the head (seq, hash). A writer locks it
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) only
after its change is flushed, right before COMMIT, so the lock is held for one round trip and the
commit."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (DDL, JSON, BigInteger, Column, Index, Integer, String, Table, event,
                        insert, inspect, select, update)
from sqlalchemy.orm import Session

from market.domain import audit

from .orm import metadata
from .types import UTCDateTime

audit_log = Table(
    "audit_log", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
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
    Column("hash", String(64), nullable=False),
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
    """Chain `entries` after the head and insert them; returns the new head hash. Call it just
    before COMMIT: the head's row lock is held from here to the end of the transaction."""
    head = conn.execute(select(audit_chain.c.seq, audit_chain.c.hash)
                        .where(audit_chain.c.id == 1).with_for_update()).first()
    if head is None:      # a database made before the chain's seed row existed
        conn.execute(insert(audit_chain).values(id=1, seq=0, hash=audit.GENESIS))
        head = (0, audit.GENESIS)
    new_hash = audit.seal(head[1], entries, head[0] + 1)
    conn.execute(insert(audit_log), entries)
    conn.execute(update(audit_chain).where(audit_chain.c.id == 1)
                 .values(seq=head[0] + len(entries), hash=new_hash))
    return new_hash


def track_audit(factory) -> None:
    """Listen on the session factory once (not per session: that costs on the bid path)."""
    if getattr(factory, "_market_audits", False):
        return
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "before_commit", _append_pending)
    event.listen(factory, "after_rollback", _drop_pending)
    factory._market_audits = True


# ---- the bid path: the entry appended by the write statement itself (PostgreSQL) ----------
SEQ_MARK = -918273645      # stands for the seq while the entry's canonical text is built


def split_canonical(made: dict) -> tuple[str, str]:
    """The entry's canonical JSON, cut where its seq goes (the statement puts the seq there)."""
    text = audit.canonical_json({**made, "seq": SEQ_MARK})
    head, mark, tail = text.partition(f'"seq":{SEQ_MARK}')
    assert mark, "seq missing from the canonical form"
    return head + '"seq":', tail


AUDIT_COLUMNS = ("at", "actor_id", "actor_role", "market_code", "request_id", "client_address",
                 "entity", "action", "before", "after")


def bid_chain_sql(guarded: bool) -> tuple[list[str], dict]:
    """CTE parts that move the head on and insert the entry (params `a_*`), and their types.
    The hash is computed by PostgreSQL from the locked head, exactly as `audit.chain_hash`."""
    cond = " AND EXISTS (SELECT FROM guard)" if guarded else ""
    parts = [
        "chain AS (UPDATE audit_chain SET seq = seq + 1, hash = encode(sha256(convert_to("
        "hash || :a_head || (seq + 1)::text || :a_tail, 'UTF8')), 'hex') "
        f"WHERE id = 1{cond} RETURNING seq, hash)",
        f"new_audit AS (INSERT INTO audit_log (seq, {', '.join(AUDIT_COLUMNS)}, hash) "
        f"SELECT seq, {', '.join(':a_' + c for c in AUDIT_COLUMNS)}, hash FROM chain)",
    ]
    types = {f"a_{c}": audit_log.c[c].type for c in AUDIT_COLUMNS}
    types.update(a_head=String(), a_tail=String())
    return parts, types


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


def bid_chain_params(made: dict) -> dict:
    head, tail = split_canonical(made)
    return {"a_head": head, "a_tail": tail, **{f"a_{c}": made[c] for c in AUDIT_COLUMNS}}


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
