"""The payment outbox: the gateway commands a deposit's move implies, written in the transaction
of the move, then carried out once each outside any transaction.

Money must never be lost or moved twice, whatever Stripe or our own processes do:
- a deposit's state change (applied, released, forfeited, refunded) and the gateway command it
  implies are written in one transaction: the deposit records a `DepositMoved` event and the
  message bus hands it to `record_deposit_move` before the commit;
- `process_payment_outbox` makes each call outside any transaction, with an idempotency key made
  of our ids, and records the answer afterwards; a command whose worker died is taken again once
  its lease expires, and the gateway looks before it acts, so a repeated command never moves
  money a second time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from market.domain.deposits import DepositMoved
from market.domain.errors import Conflict, NotFound
from market.domain.labels import status_label
from market.domain.payments import (Command, OutboxCommand, PaymentError, PaymentGateway, backoff,
                                    commands_for_transition)

LEASE = timedelta(minutes=5)          # a claimed command older than this: its worker died
ONLINE_GATEWAYS = ("stripe",)          # gateways whose money moves through the outbox


def enqueue_transition(repo, *, deposit_id: int, gateway: str, reference: str | None,
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


def record_deposit_move(event: DepositMoved, uow) -> None:
    """The message bus's handler for a deposit's move (in the move's transaction): the gateway
    commands it implies, and a line in the deposit's payment history."""
    deposit, old, new, now = event.deposit, event.old, event.new, event.at
    capture_fen = uow.deposits.price_of_lot(deposit.registration_id) if new == "applied" else None
    enqueue_transition(uow.payments, deposit_id=deposit.id, gateway=deposit.gateway,
                       reference=deposit.reference, old=old, new=new, amount_fen=deposit.amount_fen,
                       now=now, capture_fen=capture_fen)
    uow.payments.add_history(deposit_id=deposit.id, kind=f"deposit_{new}", source="auction", now=now,
                             deposit_status=new, reference=deposit.reference, amount_fen=deposit.amount_fen,
                             detail={"from": old})


def ensure_release(repo, deposit, now: datetime) -> None:
    """A released deposit whose money is authorised after all: cancel it, unless a release
    command already exists (done or not, it cancels that same intent)."""
    if any(c.action == "release" for c in repo.commands_for(deposit.id)):
        return
    cmd = Command("release", "late_release", None)
    if repo.enqueue(deposit_id=deposit.id, action=cmd.action, reason=cmd.reason, gateway=deposit.gateway,
                    reference=deposit.reference, amount_fen=None, idempotency_key=cmd.key(deposit.id),
                    now=now):
        repo.add_history(deposit_id=deposit.id, kind="release_requested", source="outbox", now=now,
                         deposit_status=deposit.status, reference=deposit.reference,
                         detail={"reason": cmd.reason})


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
        ids = uow.payments.due_ids(now, lease, limit)
    for ident in ids:
        with uow_factory() as uow:
            repo = uow.payments
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
        repo = uow.payments
        if result is not None:
            if repo.finish(cmd.id, token, status="done", now=now, result_status=result.status,
                           result_amount_fen=result.amount_fen):
                repo.add_history(deposit_id=cmd.deposit_id, kind=result.status, source="outbox", now=now,
                                 reference=cmd.reference, amount_fen=result.amount_fen,
                                 detail={"reason": cmd.reason, "attempt": cmd.attempts})
        else:
            status = "pending" if retry else "failed"
            if repo.finish(cmd.id, token, status=status, now=now, error=(error or "")[:500],
                           retry_at=now + backoff(cmd.attempts)):
                repo.add_history(deposit_id=cmd.deposit_id, kind=f"{cmd.action}_error", source="outbox",
                                 now=now, reference=cmd.reference,
                                 detail={"error": (error or "")[:200], "will_retry": retry,
                                         "attempt": cmd.attempts})
        uow.commit()


def retry_failed_command(uow_factory, command_id: int, now: datetime) -> None:
    """An operator sends a failed command back to the queue (after fixing its cause)."""
    with uow_factory() as uow:
        repo = uow.payments
        cmd = repo.command(command_id)
        if cmd is None:
            raise NotFound(f"支付指令 {command_id} 不存在 (not found)")
        if cmd.status != "failed":
            raise Conflict(f"只有失败的指令可以重试，该指令{status_label('command', cmd.status)}"
                           f" (only failed commands are retried; command is {cmd.status})")
        repo.finish(command_id, None, status="pending", now=now, retry_at=now)
        uow.commit()

