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
from market.domain.errors import Conflict, Forbidden, NotFound
from market.domain.labels import status_label

from .notifications import auctions as notify

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
        repo = PaymentRepository(uow.session)
        cmd = repo.command(command_id)
        if cmd is None:
            raise NotFound(f"支付指令 {command_id} 不存在 (not found)")
        if cmd.status != "failed":
            raise Conflict(f"只有失败的指令可以重试，该指令{status_label('command', cmd.status)}"
                           f" (only failed commands are retried; command is {cmd.status})")
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
        _ensure_release(repo, deposit, now)
    elif outcome == "settle":
        action = _SETTLES[event.state]
        for cmd in repo.commands_for(deposit.id):
            if cmd.action == action and cmd.status != "done":
                repo.finish(cmd.id, None, status="done", now=now, result_status=event.state,
                            result_amount_fen=event.amount_captured_fen if action == "capture"
                            else event.amount_refunded_fen or None)
    uow.flush()
    notify.on_deposit_changed(uow, deposit_id=deposit.id, status=deposit.status, now=now) if deposit.status != before else None
    repo.add_history(deposit_id=deposit.id, kind=f"stripe_{event.state}", source="webhook", now=now,
                     deposit_status=deposit.status, reference=event.reference,
                     amount_fen=_event_amount(event),
                     detail={"event": event.id, "type": event.type, "effect": outcome,
                             "from": before, **event.detail})


def _ensure_release(repo: PaymentRepository, deposit, now: datetime) -> None:
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


def _event_amount(event: WebhookEvent) -> int | None:
    if event.state == "captured":
        return event.amount_captured_fen
    if event.state == "refunded":
        return event.amount_refunded_fen
    return event.amount_fen or None


# ---------------------------------------------------------------------------- deposits

class deposits:
    """Reads of the auction feature's deposits that payments needs (one place to adapt)."""

    @staticmethod
    def repo(uow):
        from market.services.auctions import auctions_repo
        return auctions_repo(uow)

    @staticmethod
    def by_reference(uow, reference: str, *, lock: bool = False):
        from sqlalchemy import select

        from market.adapters.orm_auctions import deposits as table
        from market.domain.auctions import Deposit
        stmt = select(Deposit).where(table.c.reference == reference)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return uow.session.scalars(stmt).first()

    @staticmethod
    def get(uow, deposit_id: int, *, lock: bool = False):
        repo = deposits.repo(uow)
        deposit = repo.deposit_for_update(deposit_id) if lock else repo.deposit(deposit_id)
        if deposit is None:
            raise NotFound(f"保证金 {deposit_id} 不存在 (deposit not found)")
        return deposit

    @staticmethod
    def market_and_lot(uow, deposit) -> tuple[str, int]:
        repo = deposits.repo(uow)
        lot_id = repo.lot_id_of_deposit(deposit.id)
        lot = repo.lot(lot_id)
        return repo.auction(lot.session_id).market_code, lot_id


def _viewer(uow, actor_id: int | None, deposit) -> tuple[object, bool, str, int]:
    """The user, whether they act as operator, the deposit's market and lot. Bidders see
    their own deposits; operators those of their market."""
    from market.services.common import load_actor
    user = load_actor(uow, actor_id)
    market, lot_id = deposits.market_and_lot(uow, deposit)
    if user.operates(market):
        return user, True, market, lot_id
    if user.organisation_id is not None and user.organisation_id == deposit.bidder_id:
        return user, False, market, lot_id
    raise Forbidden("只能查看本单位的保证金 (only your organisation's deposits)")


def _command_view(cmd: OutboxCommand, operator: bool) -> dict:
    view = {"action": cmd.action, "reason": cmd.reason, "amount_fen": cmd.amount_fen,
            "status": cmd.status, "attempts": cmd.attempts, "created_at": cmd.created_at,
            "done_at": cmd.done_at, "result_status": cmd.result_status,
            "result_amount_fen": cmd.result_amount_fen}
    if operator:
        view.update(id=cmd.id, idempotency_key=cmd.idempotency_key, last_error=cmd.last_error,
                    next_attempt_at=cmd.next_attempt_at)
    return view


def _settlement(status: str, commands: list[OutboxCommand]) -> str:
    """One word for "where is the money": none | in_progress | failed | settled."""
    if any(c.status == "failed" for c in commands):
        return "failed"
    if any(c.status != "done" for c in commands):
        return "in_progress"
    return "settled" if commands else "none"


def deposit_payment(uow, *, actor_id: int, deposit_id: int) -> dict:
    """The deposit's state and where its money is, for its bidder or the market's operator."""
    with uow:
        deposit = deposits.get(uow, deposit_id)
        _, operator, market, lot_id = _viewer(uow, actor_id, deposit)
        commands = PaymentRepository(uow.session).commands_for(deposit.id)
        return {
            "id": deposit.id, "lot_id": lot_id, "market_code": market, "bidder_id": deposit.bidder_id,
            "amount_fen": deposit.amount_fen, "currency": "cny", "gateway": deposit.gateway,
            "reference": deposit.reference, "status": deposit.status,
            "held_at": deposit.held_at, "settled_at": deposit.settled_at,
            "settlement": _settlement(deposit.status, commands),
            "captured_fen": sum(c.result_amount_fen or 0 for c in commands
                                if c.action == "capture" and c.status == "done"),
            "refunded_fen": sum(c.result_amount_fen or 0 for c in commands
                                if c.action == "refund" and c.status == "done"),
            "commands": [_command_view(c, operator) for c in commands],
        }


def deposit_payment_history(uow, *, actor_id: int, deposit_id: int) -> dict:
    with uow:
        deposit = deposits.get(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        repo = PaymentRepository(uow.session)
        items = []
        for row in repo.history(deposit.id):
            item = {"at": row["at"], "kind": row["kind"], "source": row["source"],
                    "deposit_status": row["deposit_status"], "amount_fen": row["amount_fen"]}
            if operator:
                item["detail"] = row["detail"]
                item["reference"] = row["reference"]
            items.append(item)
        view = {"deposit_id": deposit.id, "status": deposit.status, "items": items}
        if operator:
            view["stripe_events"] = [{"id": e["id"], "type": e["type"], "outcome": e["outcome"],
                                      "received_at": e["received_at"]} for e in repo.events_for(deposit.id)]
        return view


def start_deposit_payment(uow_factory, gateway: PaymentGateway, *, actor_id: int, deposit_id: int,
                          now: datetime) -> dict:
    """What the bidder's browser needs to pay a pending deposit: the intent's client secret.
    Creates the intent when the deposit has none yet (registration could not reach Stripe),
    outside any transaction and under the deposit's own idempotency key."""
    with uow_factory() as uow:
        deposit = deposits.get(uow, deposit_id)
        user, _, market, lot_id = _viewer(uow, actor_id, deposit)
        if user.organisation_id != deposit.bidder_id:
            raise Forbidden("只有竞买人本人可以支付保证金 (only the bidder pays its deposit)")
        if deposit.gateway != gateway.name or not hasattr(gateway, "resume_hold"):
            raise Conflict("该保证金不通过在线支付 (deposit is not paid online)")
        if deposit.status != "pending":
            raise Conflict(f"保证金{status_label('deposit', deposit.status)} (deposit is {deposit.status})")
        reference, amount, bidder_id = deposit.reference, deposit.amount_fen, deposit.bidder_id
    if reference:
        hold = gateway.resume_hold(reference)
    else:
        hold = gateway.create_hold(deposit_id=deposit_id, amount_fen=amount,
                                   metadata={"lot_id": lot_id, "bidder_id": bidder_id},
                                   idempotency_key=f"deposit-{deposit_id}-hold")
        with uow_factory() as uow:
            deposit = deposits.get(uow, deposit_id, lock=True)
            if deposit.reference is None:
                deposit.reference = hold.reference
                PaymentRepository(uow.session).add_history(
                    deposit_id=deposit_id, kind="hold_created", source="registration",
                    now=now, deposit_status=deposit.status, reference=hold.reference, amount_fen=amount)
                uow.commit()
    return {"deposit_id": deposit_id, "reference": hold.reference, "client_secret": hold.client_secret,
            "status": hold.status, "amount_fen": amount, "currency": "cny"}


def refund_deposit(uow, *, actor_id: int, deposit_id: int, reason: str, now: datetime) -> dict:
    """An operator gives back a captured deposit (e.g. the sale was annulled): the domain says
    refunded, the outbox returns the money."""
    from market.services.auctions import settle_deposit
    if not (reason or "").strip():
        from market.domain.errors import ValidationFailed
        raise ValidationFailed.on("reason", "请说明退款原因 (reason required)")
    with uow:
        deposit = deposits.get(uow, deposit_id, lock=True)
        user, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以退还保证金 (operators only)")
        settle_deposit(uow, deposit, "refund", now)
        uow.flush()
        PaymentRepository(uow.session).add_history(
            deposit_id=deposit.id, kind="refund_ordered", source="operator", now=now,
            deposit_status=deposit.status, detail={"by": user.id, "reason": reason.strip()})
        uow.commit()
    return deposit_payment(uow, actor_id=actor_id, deposit_id=deposit_id)


def retry_deposit_commands(uow, *, actor_id: int, deposit_id: int, now: datetime) -> dict:
    """An operator sends the deposit's failed commands back to the queue."""
    with uow:
        deposit = deposits.get(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以重试 (operators only)")
        repo = PaymentRepository(uow.session)
        for cmd in repo.commands_for(deposit.id):
            if cmd.status == "failed":
                repo.finish(cmd.id, None, status="pending", now=now, retry_at=now)
        uow.commit()
    return deposit_payment(uow, actor_id=actor_id, deposit_id=deposit_id)


# ---------------------------------------------------------------------------- reconciliation

#: what the provider should say for each deposit state once its commands are done
EXPECTED = {"pending": ("pending", "failed"), "held": ("held",), "applied": ("captured",),
            "forfeited": ("captured",), "released": ("released",), "refunded": ("refunded",)}


def reconcile_deposit(uow_factory, gateway: PaymentGateway, *, actor_id: int, deposit_id: int,
                      now: datetime) -> dict:
    """Compare a deposit with the provider's view and repair what is safe to repair: a hold
    the webhook never reported, a hold Stripe dropped, a command done but not recorded. Money
    is never moved from here: what cannot be explained is reported for the operator."""
    with uow_factory() as uow:
        deposit = deposits.get(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以对账 (operators only)")
        reference, gateway_name = deposit.reference, deposit.gateway
    if gateway_name != gateway.name or not reference:
        raise Conflict("该保证金不经此支付渠道 (deposit not paid through this gateway)")
    try:
        remote = gateway.retrieve(reference)          # outside any transaction
    except PaymentError as exc:
        from market.domain.errors import ServiceUnavailable
        raise ServiceUnavailable(f"支付渠道暂不可用 (gateway unavailable): {exc}") from None
    with uow_factory() as uow:
        repo = PaymentRepository(uow.session)
        deposit = deposits.get(uow, deposit_id, lock=True)
        before = deposit.status
        commands = repo.commands_for(deposit.id)
        action = _reconcile_action(before, remote.status, commands)
        if action == "hold":
            deposit.hold(now, reference=reference)
            notify.on_deposit_changed(uow, deposit_id=deposit.id, status=deposit.status, now=now)
        elif action == "release":
            deposit.release(now)
        elif action == "late_release":
            _ensure_release(repo, deposit, now)
        elif action == "settle":
            for cmd in commands:
                if cmd.status != "done" and _provider_state_of(cmd) == remote.status:
                    repo.finish(cmd.id, None, status="done", now=now, result_status=remote.status,
                                result_amount_fen=remote.amount_captured_fen if cmd.action == "capture"
                                else remote.amount_refunded_fen or None)
        uow.flush()
        commands = repo.commands_for(deposit.id)
        captured = sum(c.result_amount_fen or 0 for c in commands if c.action == "capture" and c.status == "done")
        refunded = sum(c.result_amount_fen or 0 for c in commands if c.action == "refund" and c.status == "done")
        amounts_match = (remote.amount_captured_fen == captured and remote.amount_refunded_fen == refunded
                         and remote.amount_fen == deposit.amount_fen)
        consistent = remote.status in EXPECTED.get(deposit.status, ()) and amounts_match and all(
            c.status == "done" for c in commands)
        report = {
            "deposit_id": deposit.id, "reference": reference, "status_before": before,
            "status": deposit.status, "action": action, "consistent": consistent,
            "provider": {"status": remote.status, "raw_status": remote.raw_status,
                         "amount_fen": remote.amount_fen, "captured_fen": remote.amount_captured_fen,
                         "refunded_fen": remote.amount_refunded_fen},
            "ours": {"amount_fen": deposit.amount_fen, "captured_fen": captured, "refunded_fen": refunded},
            "open_commands": [_command_view(c, True) for c in commands if c.status != "done"],
        }
        repo.add_history(deposit_id=deposit.id, kind="reconciled", source="operator", now=now,
                         deposit_status=deposit.status, reference=reference,
                         detail={"by": actor_id, "action": action, "consistent": consistent,
                                 "provider_status": remote.status})
        uow.commit()
        return report


def _provider_state_of(cmd: OutboxCommand) -> str:
    return {"capture": "captured", "release": "released", "refund": "refunded"}[cmd.action]


def _reconcile_action(status: str, remote: str, commands: list[OutboxCommand]) -> str:
    """none | hold | release | late_release | settle | pending (commands still running) | mismatch."""
    open_cmds = [c for c in commands if c.status != "done"]
    if any(_provider_state_of(c) == remote for c in open_cmds):
        return "settle"
    if remote in EXPECTED.get(status, ()):
        return "none"
    if open_cmds:
        return "pending"
    if status == "pending" and remote == "held":
        return "hold"
    if status in ("pending", "held") and remote == "released":
        return "release"
    if status == "released" and remote in ("held", "pending"):
        return "late_release"
    return "mismatch"
