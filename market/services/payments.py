"""Deposit payments: the outbox of gateway commands, Stripe webhooks, reconciliation.

Money must never be lost or moved twice, whatever Stripe or our own processes do:
- a deposit's state change (applied, released, forfeited, refunded) and the gateway
  command it implies are written in one transaction (`commands_for_transition`,
  called from the mapper hook in `market.adapters.orm_payments_hooks`);
- `process_payment_outbox` makes each call outside any transaction, with an
  idempotency key made of our ids, and records the answer afterwards; a command
  whose worker died is taken again once its lease expires, and the gateway looks
  before it acts, so a repeated command never moves money a second time;
- webhooks are recorded by event id (replays are no-ops) and judged against the
  deposit's current state, so events arriving late or out of order change nothing
  they should not.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from market.adapters.orm_payments import OutboxCommand, PaymentRepository
from market.adapters.payments.base import PaymentError, PaymentGateway
from market.adapters.payments.webhooks import WebhookEvent
from market.domain.errors import Conflict, DomainError, Forbidden, NotFound

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)          # a claimed command older than this: its worker died
MAX_BACKOFF = timedelta(hours=1)
ONLINE_GATEWAYS = ("stripe",)          # gateways whose money moves through the outbox


# ---------------------------------------------------------------------------- decisions

@dataclass(frozen=True)
class Command:
    action: str            # capture | release | refund
    reason: str            # apply | forfeit | release | refund | late_release
    amount_fen: int | None

    def key(self, deposit_id: int) -> str:
        """Our ids make the idempotency key: one decision, one key, whoever retries it."""
        return f"deposit-{deposit_id}-{self.action}-{self.reason}"


def commands_for_transition(old: str, new: str, *, amount_fen: int,
                            capture_fen: int | None = None, has_hold: bool = True) -> list[Command]:
    """What the payment provider must do when a deposit moves from `old` to `new`.

    applied: capture the deposit (or `capture_fen`, when the price is less than the deposit);
    released: cancel the hold (also an unpaid intent, so it cannot be paid later);
    forfeited from held: capture it all; from applied it is already captured;
    refunded: give back what was captured."""
    if not has_hold or old == new:
        return []
    if new == "applied":
        amount = amount_fen if capture_fen is None else min(amount_fen, capture_fen)
        return [Command("capture", "apply", amount)] if amount > 0 else [Command("release", "release", None)]
    if new == "released":
        return [Command("release", "release", None)]
    if new == "forfeited":
        return [Command("capture", "forfeit", amount_fen)] if old == "held" else []
    if new == "refunded":
        return [Command("refund", "refund", None)]
    return []


def enqueue_transition(repo: PaymentRepository, *, deposit_id: int, gateway: str, reference: str | None,
                       old: str, new: str, amount_fen: int, now: datetime,
                       capture_fen: int | None = None) -> list[Command]:
    """Write the commands a transition implies, in the caller's transaction."""
    if gateway not in ONLINE_GATEWAYS:
        return []
    cmds = commands_for_transition(old, new, amount_fen=amount_fen, capture_fen=capture_fen,
                                   has_hold=reference is not None)
    for cmd in cmds:
        added = repo.enqueue(deposit_id=deposit_id, action=cmd.action, reason=cmd.reason,
                             gateway=gateway, reference=reference, amount_fen=cmd.amount_fen,
                             idempotency_key=cmd.key(deposit_id), now=now)
        if added:
            repo.add_history(deposit_id=deposit_id, kind=f"{cmd.action}_requested", source="outbox",
                             now=now, deposit_status=new, reference=reference, amount_fen=cmd.amount_fen,
                             detail={"reason": cmd.reason})
    return cmds


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … up to an hour: Stripe outages are usually short."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


# ---------------------------------------------------------------------------- the outbox

@dataclass
class OutboxRun:
    done: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def process_payment_outbox(uow_factory, gateway: PaymentGateway, now: datetime, *,
                           limit: int = 50, lease: timedelta = LEASE) -> OutboxRun:
    """Run the due commands once each: claim (commit), call the gateway (no transaction
    open), record the answer (commit). Run by the scheduler every few seconds."""
    run = OutboxRun()
    with uow_factory() as uow:
        ids = PaymentRepository(uow.session).due_ids(now, lease, limit)
    for ident in ids:
        with uow_factory() as uow:
            repo = PaymentRepository(uow.session)
            token = repo.claim(ident, now, lease)
            cmd = repo.command(ident)
            uow.commit()
        if token is None or cmd is None:
            run.skipped += 1
            continue
        if cmd.gateway != gateway.name:
            _record(uow_factory, cmd, token, now, error=f"gateway {cmd.gateway} not configured",
                    retry=True)
            run.skipped += 1
            continue
        try:
            result = _call(gateway, cmd)
        except PaymentError as exc:
            _record(uow_factory, cmd, token, now, error=str(exc), retry=exc.retryable)
            if exc.retryable:
                run.retried += 1
            else:
                run.failed += 1
            continue
        _record(uow_factory, cmd, token, now, result=result)
        run.done += 1
    return run


def _call(gateway: PaymentGateway, cmd: OutboxCommand):
    if not cmd.reference:
        raise PaymentError("no payment reference on the deposit", retryable=False)
    if cmd.action == "capture":
        return gateway.capture(reference=cmd.reference, amount_fen=cmd.amount_fen,
                               idempotency_key=cmd.idempotency_key)
    if cmd.action == "release":
        return gateway.release(reference=cmd.reference, idempotency_key=cmd.idempotency_key)
    if cmd.action == "refund":
        return gateway.refund(reference=cmd.reference, amount_fen=cmd.amount_fen,
                              idempotency_key=cmd.idempotency_key)
    raise PaymentError(f"unknown action {cmd.action}", retryable=False)


def _record(uow_factory, cmd: OutboxCommand, token: str, now: datetime, *, result=None,
            error: str | None = None, retry: bool = False) -> None:
    with uow_factory() as uow:
        repo = PaymentRepository(uow.session)
        if result is not None:
            if repo.finish(cmd.id, token, status="done", now=now, result_status=result.status,
                           result_amount_fen=result.amount_fen):
                repo.add_history(deposit_id=cmd.deposit_id, kind=result.status, source="outbox", now=now,
                                 reference=cmd.reference, amount_fen=result.amount_fen,
                                 detail={"reason": cmd.reason, "attempt": cmd.attempts + 1})
        else:
            status = "pending" if retry else "failed"
            if repo.finish(cmd.id, token, status=status, now=now, error=(error or "")[:500],
                           retry_at=now + backoff(cmd.attempts + 1)):
                repo.add_history(deposit_id=cmd.deposit_id, kind=f"{cmd.action}_error", source="outbox",
                                 now=now, reference=cmd.reference,
                                 detail={"error": (error or "")[:200], "will_retry": retry,
                                         "attempt": cmd.attempts + 1})
        uow.commit()


def retry_failed_command(uow_factory, command_id: int, now: datetime) -> None:
    """An operator sends a failed command back to the queue (after fixing its cause)."""
    with uow_factory() as uow:
        repo = PaymentRepository(uow.session)
        cmd = repo.command(command_id)
        if cmd is None:
            raise NotFound(f"支付指令 {command_id} 不存在 (not found)")
        if cmd.status != "failed":
            raise Conflict(f"指令状态为 {cmd.status} (command is {cmd.status})")
        repo.finish(command_id, None, status="pending", now=now, retry_at=now)
        uow.commit()


# ---------------------------------------------------------------------------- webhooks

def webhook_effect(deposit_status: str, observed: str) -> str:
    """What a Stripe event means for a deposit in `deposit_status`.

    hold: the bidder's money is authorised (pending → held);
    late_release: authorised after we had let the deposit go (lot closed or cancelled
      before the card went through): cancel the hold again;
    release: Stripe dropped the hold itself (authorisation expired, cancelled outside):
      the deposit no longer secures bids;
    settle: confirms a command we sent (capture, cancel, refund);
    note: nothing to change (a replay of a state we are past, or a failed card);
    mismatch: Stripe disagrees with our decisions; kept for the operator's reconciliation."""
    table = {
        "held": {"pending": "hold", "held": "note", "released": "late_release"},
        "captured": {"applied": "settle", "forfeited": "settle", "refunded": "note"},
        "released": {"pending": "release", "held": "release", "released": "settle"},
        "refunded": {"refunded": "settle"},
        "failed": {},
    }
    if observed == "failed":
        return "note"
    if observed == "held" and deposit_status in ("applied", "forfeited", "refunded"):
        return "note"   # a late capture-ready event: we are already past it
    return table.get(observed, {}).get(deposit_status, "mismatch")


_SETTLES = {"captured": "capture", "released": "release", "refunded": "refund"}


def handle_stripe_event(uow_factory, event: WebhookEvent, now: datetime) -> str:
    """Apply one verified event exactly once. Returns the outcome recorded for it."""
    with uow_factory() as uow:
        repo = PaymentRepository(uow.session)
        if repo.event_seen(event.id):
            return "duplicate"
        deposit = None
        if event.handled and event.reference:
            deposit = deposits.by_reference(uow, event.reference, lock=True)
        if not event.handled:
            outcome = "ignored"
        elif deposit is None:
            outcome = "unknown_deposit"
        else:
            outcome = webhook_effect(deposit.status, event.state)
        detail = {"state": event.state, "raw_status": event.raw_status, **event.detail}
        if not repo.record_event(event_id=event.id, type=event.type, created=event.created,
                                 reference=event.reference, deposit_id=getattr(deposit, "id", None),
                                 outcome=outcome, detail=detail, now=now):
            uow.rollback()
            return "duplicate"
        if deposit is not None:
            _apply_effect(uow, repo, deposit, event, outcome, now)
        uow.commit()
    log.info("stripe event %s %s -> %s", event.id, event.type, outcome)
    return outcome


def _apply_effect(uow, repo: PaymentRepository, deposit, event: WebhookEvent, outcome: str,
                  now: datetime) -> None:
    before = deposit.status
    if outcome == "hold":
        deposit.hold(now, reference=event.reference)
    elif outcome == "release":
        deposit.release(now)          # the mapper hook enqueues a (harmless) cancel
    elif outcome == "late_release":
        enqueue_transition(repo, deposit_id=deposit.id, gateway=deposit.gateway,
                           reference=deposit.reference, old="held", new="released",
                           amount_fen=deposit.amount_fen, now=now)
    elif outcome == "settle":
        action = _SETTLES[event.state]
        for cmd in repo.commands_for(deposit.id):
            if cmd.action == action and cmd.status != "done":
                repo.finish(cmd.id, None, status="done", now=now, result_status=event.state,
                            result_amount_fen=event.amount_captured_fen if action == "capture"
                            else event.amount_refunded_fen or None)
    uow.flush()
    repo.add_history(deposit_id=deposit.id, kind=f"stripe_{event.state}", source="webhook", now=now,
                     deposit_status=deposit.status, reference=event.reference,
                     amount_fen=_event_amount(event),
                     detail={"event": event.id, "type": event.type, "effect": outcome,
                             "from": before, **event.detail})


def _event_amount(event: WebhookEvent) -> int | None:
    if event.state == "captured":
        return event.amount_captured_fen
    if event.state == "refunded":
        return event.amount_refunded_fen
    return event.amount_fen or None
