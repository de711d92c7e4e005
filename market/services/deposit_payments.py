"""A deposit's payment as its bidder and the market's operator see and steer it: where the money
is, paying a pending deposit online, refunding, retrying failed commands, and reconciling with the
provider (which repairs only what is safe and reports the rest)."""
from __future__ import annotations

from datetime import datetime

from market.domain.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from market.domain.labels import status_label
from market.domain.payments import (EXPECTED, OutboxCommand, PaymentError, PaymentGateway,
                                    provider_state_of, reconcile_action, settlement)

from .common import load_actor
from .lot_close import settle_deposit
from .notifications import auctions as notify
from .payment_outbox import ensure_release


def _deposit(uow, deposit_id: int, *, lock: bool = False):
    deposit = uow.deposits.get(deposit_id, lock=lock)
    if deposit is None:
        raise NotFound(f"保证金 {deposit_id} 不存在 (deposit not found)")
    return deposit


def _viewer(uow, actor_id: int | None, deposit) -> tuple[object, bool, str, int]:
    """The user, whether they act as operator, the deposit's market and lot. Bidders see
    their own deposits; operators those of their market."""
    user = load_actor(uow, actor_id)
    lot_id = uow.deposits.lot_id_of(deposit.id)
    market = uow.deposits.market_of_lot(lot_id)
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


def deposit_payment(uow, *, actor_id: int, deposit_id: int) -> dict:
    """The deposit's state and where its money is, for its bidder or the market's operator."""
    with uow:
        deposit = _deposit(uow, deposit_id)
        _, operator, market, lot_id = _viewer(uow, actor_id, deposit)
        commands = uow.payments.commands_for(deposit.id)
        return {
            "id": deposit.id, "lot_id": lot_id, "market_code": market, "bidder_id": deposit.bidder_id,
            "amount_fen": deposit.amount_fen, "currency": "cny", "gateway": deposit.gateway,
            "reference": deposit.reference, "status": deposit.status,
            "held_at": deposit.held_at, "settled_at": deposit.settled_at,
            "settlement": settlement(deposit.status, commands),
            "captured_fen": sum(c.result_amount_fen or 0 for c in commands
                                if c.action == "capture" and c.status == "done"),
            "refunded_fen": sum(c.result_amount_fen or 0 for c in commands
                                if c.action == "refund" and c.status == "done"),
            "commands": [_command_view(c, operator) for c in commands],
        }


def deposit_payment_history(uow, *, actor_id: int, deposit_id: int) -> dict:
    with uow:
        deposit = _deposit(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        repo = uow.payments
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
        deposit = _deposit(uow, deposit_id)
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
            deposit = _deposit(uow, deposit_id, lock=True)
            if deposit.reference is None:
                deposit.reference = hold.reference
                uow.payments.add_history(
                    deposit_id=deposit_id, kind="hold_created", source="registration",
                    now=now, deposit_status=deposit.status, reference=hold.reference, amount_fen=amount)
                uow.commit()
    return {"deposit_id": deposit_id, "reference": hold.reference, "client_secret": hold.client_secret,
            "status": hold.status, "amount_fen": amount, "currency": "cny"}


def refund_deposit(uow, *, actor_id: int, deposit_id: int, reason: str, now: datetime) -> dict:
    """An operator gives back a captured deposit (e.g. the sale was annulled): the domain says
    refunded, the outbox returns the money."""
    if not (reason or "").strip():
        raise ValidationFailed.on("reason", "请说明退款原因 (reason required)")
    with uow:
        deposit = _deposit(uow, deposit_id, lock=True)
        user, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以退还保证金 (operators only)")
        settle_deposit(uow, deposit, "refund", now)
        uow.flush()
        uow.payments.add_history(
            deposit_id=deposit.id, kind="refund_ordered", source="operator", now=now,
            deposit_status=deposit.status, detail={"by": user.id, "reason": reason.strip()})
        uow.commit()
    return deposit_payment(uow, actor_id=actor_id, deposit_id=deposit_id)


def retry_deposit_commands(uow, *, actor_id: int, deposit_id: int, now: datetime) -> dict:
    """An operator sends the deposit's failed commands back to the queue."""
    with uow:
        deposit = _deposit(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以重试 (operators only)")
        repo = uow.payments
        for cmd in repo.commands_for(deposit.id):
            if cmd.status == "failed":
                repo.finish(cmd.id, None, status="pending", now=now, retry_at=now)
        uow.commit()
    return deposit_payment(uow, actor_id=actor_id, deposit_id=deposit_id)


# ---------------------------------------------------------------------------- reconciliation

def reconcile_deposit(uow_factory, gateway: PaymentGateway, *, actor_id: int, deposit_id: int,
                      now: datetime) -> dict:
    """Compare a deposit with the provider's view and repair what is safe to repair: a hold
    the webhook never reported, a hold Stripe dropped, a command done but not recorded. Money
    is never moved from here: what cannot be explained is reported for the operator."""
    with uow_factory() as uow:
        deposit = _deposit(uow, deposit_id)
        _, operator, _, _ = _viewer(uow, actor_id, deposit)
        if not operator:
            raise Forbidden("只有运营方可以对账 (operators only)")
        reference, gateway_name = deposit.reference, deposit.gateway
    if gateway_name != gateway.name or not reference:
        raise Conflict("该保证金不经此支付渠道 (deposit not paid through this gateway)")
    try:
        remote = gateway.retrieve(reference)          # outside any transaction
    except PaymentError as exc:
        raise ServiceUnavailable(f"支付渠道暂不可用 (gateway unavailable): {exc}") from None
    with uow_factory() as uow:
        repo = uow.payments
        deposit = _deposit(uow, deposit_id, lock=True)
        before = deposit.status
        commands = repo.commands_for(deposit.id)
        action = reconcile_action(before, remote.status, commands)
        if action == "hold":
            deposit.hold(now, reference=reference)
            notify.on_deposit_changed(uow, deposit_id=deposit.id, status=deposit.status, now=now)
        elif action == "release":
            deposit.release(now)
        elif action == "late_release":
            ensure_release(repo, deposit, now)
        elif action == "settle":
            for cmd in commands:
                if cmd.status != "done" and provider_state_of(cmd) == remote.status:
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

