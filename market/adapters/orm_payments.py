"""Payment tables: the outbox of gateway commands, the Stripe events already
seen, and each deposit's payment history; with the repository the payment
services use.

The outbox is what makes money moves survive failures: a command is written in
the same transaction as the deposit's state change, then a worker claims it
(a conditional update, so two workers never run one command at once), calls the
gateway outside any transaction, and records the answer. The commands a deposit's move implies
are written by the message bus's handler (`market.services.payments.record_deposit_move`).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import (JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, and_, func,
                        insert, or_, select, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from market.domain.payments import OutboxCommand
from market.services.repositories import AbstractPaymentRepository

from .orm import metadata
from .types import UTCDateTime

OUTBOX_ACTIONS = ("capture", "release", "refund")
OUTBOX_STATUSES = ("pending", "in_flight", "done", "failed")

payment_outbox = Table(
    "payment_outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("deposit_id", ForeignKey("deposits.id"), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("reason", String(32), nullable=False),           # apply | forfeit | release | refund | ...
    Column("gateway", String(16), nullable=False),
    Column("reference", String(255)),
    Column("amount_fen", BigInteger),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("claim_token", String(32)),
    Column("last_error", String(500)),
    Column("result_status", String(16)),
    Column("result_amount_fen", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Index("ix_payment_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

stripe_events = Table(
    "stripe_events", metadata,
    Column("id", String(255), primary_key=True),            # Stripe's event id: seen once
    Column("type", String(100), nullable=False),
    Column("created", BigInteger),                          # Stripe's timestamp (s)
    Column("received_at", UTCDateTime, nullable=False),
    Column("reference", String(255), index=True),
    Column("deposit_id", ForeignKey("deposits.id"), index=True),
    Column("outcome", String(32), nullable=False),
    Column("detail", JSON),
)

deposit_payment_history = Table(
    "deposit_payment_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("deposit_id", ForeignKey("deposits.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("source", String(16), nullable=False),            # registration | outbox | webhook | operator
    Column("deposit_status", String(16)),
    Column("reference", String(255)),
    Column("amount_fen", BigInteger),
    Column("detail", JSON),
)


def _command(row) -> OutboxCommand:
    m = row._mapping
    return OutboxCommand(**{k: m[k] for k in OutboxCommand.__dataclass_fields__ if k in m})


class PaymentRepository(AbstractPaymentRepository):
    """All SQL of the payment feature; works inside the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    # ---- outbox ---------------------------------------------------------------------
    def enqueue(self, *, deposit_id: int, action: str, reason: str, gateway: str,
                reference: str | None, amount_fen: int | None, idempotency_key: str,
                now: datetime) -> bool:
        """Add a command unless one with this key exists (a re-run of the same decision).
        Returns whether it was added."""
        if action not in OUTBOX_ACTIONS:
            raise ValueError(f"unknown outbox action {action}")
        if self.command_by_key(idempotency_key) is not None:
            return False
        self.session.execute(insert(payment_outbox).values(
            deposit_id=deposit_id, action=action, reason=reason, gateway=gateway,
            reference=reference, amount_fen=amount_fen, idempotency_key=idempotency_key,
            status="pending", attempts=0, next_attempt_at=now, created_at=now, updated_at=now))
        return True

    def command_by_key(self, key: str) -> OutboxCommand | None:
        row = self.session.execute(
            select(payment_outbox).where(payment_outbox.c.idempotency_key == key)).first()
        return _command(row) if row else None

    def command(self, ident: int) -> OutboxCommand | None:
        row = self.session.execute(select(payment_outbox).where(payment_outbox.c.id == ident)).first()
        return _command(row) if row else None

    def commands_for(self, deposit_id: int) -> list[OutboxCommand]:
        rows = self.session.execute(select(payment_outbox).where(
            payment_outbox.c.deposit_id == deposit_id).order_by(payment_outbox.c.id))
        return [_command(r) for r in rows]

    def due_ids(self, now: datetime, lease: timedelta, limit: int) -> list[int]:
        c = payment_outbox.c
        rows = self.session.execute(
            select(c.id).where(self._due(now, lease)).order_by(c.next_attempt_at, c.id).limit(limit))
        return [r[0] for r in rows]

    def claim(self, ident: int, now: datetime, lease: timedelta) -> str | None:
        """Take the command for one attempt; None if someone else has it or it is done.
        A claim older than the lease belongs to a worker presumed dead."""
        token = secrets.token_hex(8)
        res = self.session.execute(
            update(payment_outbox)
            .where(payment_outbox.c.id == ident, self._due(now, lease))
            .values(status="in_flight", claim_token=token, claimed_at=now,
                    attempts=payment_outbox.c.attempts + 1, updated_at=now))
        return token if res.rowcount == 1 else None

    @staticmethod
    def _due(now: datetime, lease: timedelta):
        c = payment_outbox.c
        return or_(and_(c.status == "pending", c.next_attempt_at <= now),
                   and_(c.status == "in_flight", c.claimed_at <= now - lease))

    def finish(self, ident: int, token: str | None, *, status: str, now: datetime,
               error: str | None = None, retry_at: datetime | None = None,
               result_status: str | None = None, result_amount_fen: int | None = None) -> bool:
        """Record an attempt's answer; only the claim holder may (token), or anyone
        settling a command not yet done (token None: a webhook or the operator)."""
        c = payment_outbox.c
        cond = [c.id == ident]
        cond.append(c.claim_token == token if token else c.status.in_(("pending", "in_flight", "failed")))
        if token:
            cond.append(c.status == "in_flight")
        values = dict(status=status, updated_at=now, last_error=error)
        if status == "pending":
            values.update(next_attempt_at=retry_at or now, claim_token=None)
        if status == "done":
            values.update(done_at=now, result_status=result_status, result_amount_fen=result_amount_fen,
                          last_error=None)
        res = self.session.execute(update(payment_outbox).where(*cond).values(**values))
        return res.rowcount == 1

    def open_commands(self) -> list[OutboxCommand]:
        rows = self.session.execute(select(payment_outbox).where(
            payment_outbox.c.status != "done").order_by(payment_outbox.c.id))
        return [_command(r) for r in rows]

    # ---- stripe events --------------------------------------------------------------
    def event_seen(self, event_id: str) -> bool:
        return self.session.execute(select(func.count()).select_from(stripe_events).where(
            stripe_events.c.id == event_id)).scalar_one() > 0

    def record_event(self, *, event_id: str, type: str, created: int | None, reference: str | None,
                     deposit_id: int | None, outcome: str, detail: dict | None, now: datetime) -> bool:
        """Insert the event id; False when it is already there (a replay raced us)."""
        try:
            with self.session.begin_nested():
                self.session.execute(insert(stripe_events).values(
                    id=event_id, type=type, created=created, received_at=now, reference=reference,
                    deposit_id=deposit_id, outcome=outcome, detail=detail))
        except IntegrityError:
            return False
        return True

    def events_for(self, deposit_id: int) -> list[dict]:
        rows = self.session.execute(select(stripe_events).where(
            stripe_events.c.deposit_id == deposit_id).order_by(stripe_events.c.received_at))
        return [dict(r._mapping) for r in rows]

    # ---- history --------------------------------------------------------------------
    def add_history(self, *, deposit_id: int, kind: str, source: str, now: datetime,
                    deposit_status: str | None = None, reference: str | None = None,
                    amount_fen: int | None = None, detail: dict | None = None) -> None:
        self.session.execute(insert(deposit_payment_history).values(
            deposit_id=deposit_id, at=now, kind=kind, source=source, deposit_status=deposit_status,
            reference=reference, amount_fen=amount_fen, detail=detail))

    def history(self, deposit_id: int) -> list[dict]:
        rows = self.session.execute(select(deposit_payment_history).where(
            deposit_payment_history.c.deposit_id == deposit_id).order_by(deposit_payment_history.c.id))
        return [dict(r._mapping) for r in rows]
