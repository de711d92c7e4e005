"""Stripe webhooks, applied exactly once: events are recorded by event id (replays are no-ops)
and judged against the deposit's current state, so events arriving late or out of order change
nothing they should not."""
from __future__ import annotations

import logging
from datetime import datetime

from market.domain.payments import WebhookEvent, webhook_effect

from .notifications import auctions as notify
from .payment_outbox import ensure_release

log = logging.getLogger(__name__)

_SETTLES = {"captured": "capture", "released": "release", "refunded": "refund"}


def handle_stripe_event(uow_factory, event: WebhookEvent, now: datetime) -> str:
    """Apply one verified event exactly once. Returns the outcome recorded for it."""
    with uow_factory() as uow:
        repo = uow.payments
        if repo.event_seen(event.id):
            return "duplicate"
        deposit = None
        if event.handled and event.reference:
            deposit = uow.deposits.by_reference(event.reference, lock=True)
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


def _apply_effect(uow, repo, deposit, event: WebhookEvent, outcome: str,
                  now: datetime) -> None:
    before = deposit.status
    if outcome == "hold":
        deposit.hold(now, reference=event.reference)
    elif outcome == "release":
        deposit.release(now)          # the message bus enqueues a (harmless) cancel
    elif outcome == "late_release":
        ensure_release(repo, deposit, now)
    elif outcome == "settle":
        action = _SETTLES[event.state]
        for cmd in repo.commands_for(deposit.id):
            if cmd.action == action and cmd.status != "done":
                repo.finish(cmd.id, None, status="done", now=now, result_status=event.state,
                            result_amount_fen=event.amount_captured_fen if action == "capture"
                            else event.amount_refunded_fen or None)
    uow.flush()
    if deposit.status != before:
        notify.on_deposit_changed(uow, deposit_id=deposit.id, status=deposit.status, now=now)
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

