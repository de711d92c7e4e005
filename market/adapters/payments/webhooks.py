"""Stripe webhooks: verify the `Stripe-Signature` header with the library's own
scheme, then turn the event into a plain `WebhookEvent` so services never see
Stripe objects.

The signature covers "<timestamp>.<raw body>"; a body changed after signing, a
missing or foreign signature, or a timestamp older than the tolerance (300 s,
Stripe's default, against replays of captured requests) is rejected.
"""
from __future__ import annotations

import json
import stripe

from market.adapters.payments.stripe_gateway import intent_state, REFUND_MARK
from market.domain.payments import WebhookEvent

DEFAULT_TOLERANCE = 300

#: event type -> the deposit state it reports
OBSERVED_STATE = {
    "payment_intent.amount_capturable_updated": "held",
    "payment_intent.succeeded": "captured",
    "payment_intent.canceled": "released",
    "payment_intent.payment_failed": "failed",
    "charge.refunded": "refunded",
}


class InvalidWebhook(Exception):
    """The request is not a genuine, fresh Stripe event; answer 400 and change nothing."""


def verify_and_parse(payload: bytes | str, sig_header: str | None, secret: str | None,
                     tolerance: int = DEFAULT_TOLERANCE) -> WebhookEvent:
    """Check the signature (raises InvalidWebhook) and parse the event."""
    if not secret:
        raise InvalidWebhook("webhook secret not configured")
    try:
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidWebhook("body is not UTF-8") from None
    try:
        stripe.WebhookSignature.verify_header(text, sig_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(_first_sentence(str(exc))) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidWebhook("body is not JSON") from None
    return parse_event(data)


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send (the library's scheme); for tests and tools."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def parse_event(data: dict) -> WebhookEvent:
    if not isinstance(data, dict) or data.get("object") != "event" or not data.get("id"):
        raise InvalidWebhook("not a Stripe event")
    etype = str(data.get("type") or "")
    obj = (data.get("data") or {}).get("object") or {}
    state = OBSERVED_STATE.get(etype)
    base = dict(id=str(data["id"]), type=etype, created=int(data.get("created") or 0))
    if etype.startswith("payment_intent.") and obj.get("object", "payment_intent") == "payment_intent":
        ps = intent_state(obj)
        return WebhookEvent(**base, reference=obj.get("id"), deposit_id=_deposit_id(obj),
                            state=state, amount_fen=ps.amount_fen,
                            amount_captured_fen=ps.amount_captured_fen,
                            amount_refunded_fen=ps.amount_refunded_fen, raw_status=ps.raw_status,
                            detail=_failure(obj))
    if etype.startswith("charge.") and obj.get("object", "charge") == "charge":
        pi = obj.get("payment_intent")
        pi_id = pi.get("id") if isinstance(pi, dict) else pi
        return WebhookEvent(**base, reference=pi_id, deposit_id=_deposit_id(obj), state=state,
                            amount_fen=int(obj.get("amount") or 0),
                            amount_captured_fen=int(obj.get("amount_captured") or 0),
                            amount_refunded_fen=_charge_refunded(obj),
                            raw_status=str(obj.get("status") or ""))
    return WebhookEvent(**base, reference=None, deposit_id=None, state=None)


def _deposit_id(obj: dict) -> int | None:
    raw = (obj.get("metadata") or {}).get("deposit_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _charge_refunded(charge: dict) -> int:
    refunds = charge.get("refunds")
    if isinstance(refunds, dict) and refunds.get("data"):
        ours = [r for r in refunds["data"] if (r.get("metadata") or {}).get(REFUND_MARK)]
        if ours:
            return sum(int(r.get("amount") or 0) for r in ours)
    return int(charge.get("amount_refunded") or 0)


def _failure(obj: dict) -> dict:
    err = obj.get("last_payment_error")
    if isinstance(err, dict):
        return {"code": err.get("code"), "decline_code": err.get("decline_code")}
    return {}


def _first_sentence(text: str) -> str:
    return text.split(". ")[0][:200]
