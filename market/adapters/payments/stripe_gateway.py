"""StripeGateway: deposits as PaymentIntents with manual capture.

A deposit is authorised on the bidder's card (held), then either captured (the
winner, or a forfeit) or cancelled (released). Every call carries an idempotency
key derived from our own ids, and every method is safe to call again after an
unknown outcome (a timeout, our process killed): before acting twice it looks at
the intent, because Stripe only remembers idempotency keys for 24 hours and
some Stripe-compatible servers (localstripe) ignore them altogether.

Only the port's own result types leave this module; Stripe errors become
`PaymentError(retryable=...)`. The secret key is never logged or repeated in an
error message.
"""
from __future__ import annotations

import logging
import re
from typing import Any

import stripe

from market.adapters.payments.base import (
    PaymentError,
    PaymentHold,
    PaymentResult,
    PaymentState,
)

log = logging.getLogger(__name__)

#: Refunds we create carry this metadata key, so they can be told apart from the
#: release of an uncaptured remainder (which some servers record as a refund).
REFUND_MARK = "market_refund_key"

_SECRETS = re.compile(r"(pi_[A-Za-z0-9]+_secret_|seti_[A-Za-z0-9]+_secret_)[A-Za-z0-9]+"
                      r"|\b(sk|rk)_(test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9_]+")


class RedactSecrets(logging.Filter):
    """The stripe library logs whole response bodies at DEBUG, client secrets included:
    redact client secrets and keys from its records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRETS.sub(lambda m: (m.group(1) or "") + "[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _install_redaction() -> None:
    logger = logging.getLogger("stripe")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())


_PENDING = {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}


def _as_dict(obj: Any) -> dict:
    """stripe 16 objects are not dicts (`.get()` raises); work on plain data."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return obj.to_dict()


def _map_error(exc: stripe.StripeError, action: str) -> PaymentError:
    """Decide whether the same call may succeed later without changing it."""
    code = getattr(exc, "code", None)
    status = getattr(exc, "http_status", None)
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        retryable = True
    elif isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        # configuration, not the request: the outbox keeps trying once it is fixed
        retryable = True
    elif isinstance(exc, (stripe.CardError, stripe.IdempotencyError, stripe.InvalidRequestError)):
        retryable = False
    else:
        retryable = status is None or status >= 500 or status == 409
    kind = type(exc).__name__
    detail = f"{code}" if code else f"HTTP {status}" if status else "no response"
    # user_message is Stripe's text for the payer; never include headers or keys
    return PaymentError(f"Stripe {action} failed: {kind} ({detail})", retryable=retryable)


class StripeGateway:
    """The PaymentGateway port on the official `stripe` library."""

    name = "stripe"

    def __init__(self, secret_key: str, *, api_base: str | None = None, timeout: float = 20.0,
                 max_network_retries: int = 1, payment_method_types: tuple[str, ...] = ("card",),
                 client: stripe.StripeClient | None = None):
        _install_redaction()
        if client is None:
            if not secret_key:
                raise ValueError("StripeGateway needs a secret key (STRIPE_SECRET_KEY)")
            base_addresses = {"api": api_base.rstrip("/")} if api_base else None
            client = stripe.StripeClient(
                secret_key,
                base_addresses=base_addresses,
                max_network_retries=max_network_retries,
                http_client=stripe.RequestsClient(timeout=timeout),
            )
        self._client = client
        self._pi = client.v1.payment_intents
        self._payment_method_types = list(payment_method_types)

    def __repr__(self) -> str:  # never show the key
        return "StripeGateway()"

    # ---- the port -------------------------------------------------------------------

    def create_hold(self, *, deposit_id: int, amount_fen: int, metadata: dict,
                    idempotency_key: str, currency: str = "cny") -> PaymentHold:
        """Open a PaymentIntent the bidder's browser confirms with the client secret."""
        _check_amount(amount_fen)
        meta = {str(k): str(v) for k, v in (metadata or {}).items() if v is not None}
        meta["deposit_id"] = str(deposit_id)
        params = {
            "amount": amount_fen,
            "currency": currency.lower(),
            "capture_method": "manual",
            "payment_method_types": self._payment_method_types,
            "metadata": meta,
        }
        pi = self._call("create_hold", lambda: self._pi.create(params, {"idempotency_key": idempotency_key}))
        state = intent_state(pi)
        return PaymentHold(reference=state.reference, client_secret=getattr(pi, "client_secret", None),
                           status="held" if state.status == "held" else
                           "failed" if state.status in ("failed", "released") else "pending")

    def resume_hold(self, reference: str) -> PaymentHold:
        """The client secret of an existing intent, for a bidder who reloads the payment page
        (not on the port: only providers paid from the browser have one)."""
        pi = self._call("retrieve", lambda: self._pi.retrieve(reference))
        status = intent_state(pi).status
        return PaymentHold(reference=reference, client_secret=getattr(pi, "client_secret", None),
                           status="held" if status == "held" else
                           "failed" if status in ("failed", "released") else "pending")

    def capture(self, *, reference: str, amount_fen: int, idempotency_key: str) -> PaymentResult:
        """Capture `amount_fen` (≤ the hold) once; a repeated call reports the first capture."""
        _check_amount(amount_fen)
        before = self.retrieve(reference)
        if before.status in ("captured", "refunded"):
            return PaymentResult(reference, "captured", before.amount_captured_fen)
        if before.status != "held":
            raise PaymentError(f"cannot capture a deposit that is {before.status}", retryable=False)
        if amount_fen > before.amount_fen:
            raise PaymentError("capture exceeds the held amount", retryable=False)
        try:
            self._call("capture", lambda: self._pi.capture(
                reference, {"amount_to_capture": amount_fen}, {"idempotency_key": idempotency_key}))
        except PaymentError:
            after = self._retrieve_quietly(reference)
            if after is not None and after.status in ("captured", "refunded"):
                return PaymentResult(reference, "captured", after.amount_captured_fen)
            raise
        after = self.retrieve(reference)
        return PaymentResult(reference, "captured", after.amount_captured_fen or amount_fen)

    def release(self, *, reference: str, idempotency_key: str) -> PaymentResult:
        """Cancel the intent so the bidder's bank drops the authorisation."""
        before = self.retrieve(reference)
        if before.status == "released":
            return PaymentResult(reference, "released", 0)
        if before.status in ("captured", "refunded"):
            raise PaymentError(f"cannot release a deposit that is {before.status}", retryable=False)
        try:
            self._call("release", lambda: self._pi.cancel(reference, None, {"idempotency_key": idempotency_key}))
        except PaymentError:
            after = self._retrieve_quietly(reference)
            if after is not None and after.status == "released":
                return PaymentResult(reference, "released", 0)
            raise
        return PaymentResult(reference, "released", 0)

    def refund(self, *, reference: str, amount_fen: int | None, idempotency_key: str) -> PaymentResult:
        """Give back captured money; a refund already made under this key is not made again."""
        if amount_fen is not None:
            _check_amount(amount_fen)
        existing = self._our_refunds(reference)
        if idempotency_key in existing:
            return PaymentResult(reference, "refunded", existing[idempotency_key])
        state = self.retrieve(reference)
        if state.status not in ("captured", "refunded"):
            raise PaymentError(f"cannot refund a deposit that is {state.status}", retryable=False)
        left = state.amount_captured_fen - state.amount_refunded_fen
        amount = left if amount_fen is None else amount_fen
        if amount <= 0 or amount > left:
            raise PaymentError("refund exceeds the captured amount", retryable=False)
        params = {"payment_intent": reference, "amount": amount, "metadata": {REFUND_MARK: idempotency_key}}
        try:
            refund = self._call("refund", lambda: self._client.v1.refunds.create(
                params, {"idempotency_key": idempotency_key}))
        except PaymentError:
            again = self._our_refunds_quietly(reference)
            if idempotency_key in again:
                return PaymentResult(reference, "refunded", again[idempotency_key])
            raise
        return PaymentResult(reference, "refunded", int(refund.amount))

    def retrieve(self, reference: str) -> PaymentState:
        pi = self._call("retrieve", lambda: self._pi.retrieve(
            reference, {"expand": ["latest_charge"]}))
        return intent_state(pi, self._refund_list(reference, pi))

    # ---- helpers --------------------------------------------------------------------

    def _call(self, action: str, fn):
        try:
            return fn()
        except stripe.StripeError as exc:
            err = _map_error(exc, action)
            log.warning("%s", err)
            raise err from None

    def _retrieve_quietly(self, reference: str) -> PaymentState | None:
        try:
            return self.retrieve(reference)
        except PaymentError:
            return None

    def _refund_list(self, reference: str, pi) -> list[dict]:
        """Refunds of the intent's charge; none before the bidder has paid."""
        if getattr(pi, "latest_charge", None) is None:
            return []
        refunds = self._call("list refunds", lambda: self._client.v1.refunds.list(
            {"payment_intent": reference, "limit": 100}))
        return [_as_dict(r) for r in refunds.data]

    def _our_refunds(self, reference: str) -> dict[str, int]:
        pi = self._call("retrieve", lambda: self._pi.retrieve(reference))
        out: dict[str, int] = {}
        for r in self._refund_list(reference, pi):
            key = (r.get("metadata") or {}).get(REFUND_MARK)
            if key and r.get("status") in ("succeeded", "pending", None):
                out[key] = int(r.get("amount") or 0)
        return out

    def _our_refunds_quietly(self, reference: str) -> dict[str, int]:
        try:
            return self._our_refunds(reference)
        except PaymentError:
            return {}


def _check_amount(amount_fen: int) -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise PaymentError("amount must be a positive whole number of fen", retryable=False)


def intent_state(pi, refunds: list[dict] | None = None) -> PaymentState:
    """Our view of a PaymentIntent (object or dict), tolerant of servers that omit
    amount_capturable / amount_received / amount_captured or inline latest_charge."""
    data = _as_dict(pi)
    raw = data.get("status") or ""
    amount = int(data.get("amount") or 0)
    charge = data.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    refunds = refunds if refunds is not None else _inline_refunds(charge)
    ours = sum(int(r.get("amount") or 0) for r in refunds
               if (r.get("metadata") or {}).get(REFUND_MARK))
    uncaptured = sum(int(r.get("amount") or 0) for r in refunds
                     if not (r.get("metadata") or {}).get(REFUND_MARK))
    captured = 0
    if raw == "succeeded":
        if data.get("amount_received") is not None:
            captured = int(data["amount_received"])
        elif charge.get("amount_captured") is not None:
            captured = int(charge["amount_captured"])
        else:
            captured = int(charge.get("amount") or amount) - uncaptured
    if raw == "requires_capture":
        status = "held"
    elif raw == "succeeded":
        status = "refunded" if captured and ours >= captured else "captured"
    elif raw == "canceled":
        status = "released"
    elif raw == "requires_payment_method" and data.get("last_payment_error"):
        status = "failed"
    elif raw in _PENDING:
        status = "pending"
    else:
        status = "pending"
    extra = {"currency": data.get("currency"), "metadata": dict(data.get("metadata") or {})}
    return PaymentState(reference=data.get("id") or "", status=status, amount_fen=amount,
                        amount_captured_fen=captured, amount_refunded_fen=ours,
                        raw_status=raw, extra=extra)


def _inline_refunds(charge: dict) -> list[dict]:
    refunds = charge.get("refunds")
    if isinstance(refunds, dict):
        return list(refunds.get("data") or [])
    return []


def build_payment_gateway(config) -> "StripeGateway | object":
    """The gateway `create_app` installs: Stripe when `STRIPE_SECRET_KEY` is set (in the app's
    config or the environment), else the manual bank-transfer gateway. `STRIPE_API_BASE`
    points the library at a Stripe-compatible server (localstripe) instead of api.stripe.com."""
    import os

    def setting(name):
        return (config.get(name) if config is not None else None) or os.environ.get(name)

    key = setting("STRIPE_SECRET_KEY")
    if not key:
        from market.adapters.payments.manual import ManualGateway
        return ManualGateway()
    timeout = float(setting("STRIPE_TIMEOUT_SECONDS") or 20)
    return StripeGateway(key, api_base=setting("STRIPE_API_BASE"), timeout=timeout)
