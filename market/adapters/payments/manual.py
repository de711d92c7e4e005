"""ManualGateway: deposits paid by bank transfer and confirmed by an operator.

No money moves through this adapter; it answers the port so that the services (and the payment
outbox) treat a bank-transfer deposit exactly like a card deposit. The operator's confirmation of
the transfer is what makes a deposit held (`confirm_deposit` in the auction services); capture,
release and refund are bookkeeping here, carried out by the market's finance desk.

Every call is idempotent by its key, like a real provider: calling again with the same key returns
the first answer, and an action on a deposit already in the target state is a no-op.
"""
from __future__ import annotations

import threading

from market.adapters.payments.base import PaymentError, PaymentHold, PaymentResult, PaymentState


class ManualGateway:
    name = "manual"

    def __init__(self):
        self._lock = threading.Lock()
        self._answers: dict[str, PaymentResult] = {}
        self._states: dict[str, PaymentState] = {}

    @staticmethod
    def reference_for(deposit_id: int) -> str:
        return f"manual-{deposit_id}"

    def create_hold(self, *, deposit_id: int, amount_fen: int, metadata: dict,
                    idempotency_key: str, currency: str = "cny") -> PaymentHold:
        """A bank transfer: pending until the operator sees the money arrive."""
        if amount_fen < 0:
            raise PaymentError("negative deposit", retryable=False)
        reference = self.reference_for(deposit_id)
        with self._lock:
            self._states.setdefault(reference, PaymentState(reference, "pending", amount_fen,
                                                            raw_status="awaiting_transfer"))
        return PaymentHold(reference=reference, client_secret=None, status="pending")

    def capture(self, *, reference: str, amount_fen: int, idempotency_key: str) -> PaymentResult:
        return self._settle(reference, "captured", amount_fen, idempotency_key)

    def release(self, *, reference: str, idempotency_key: str) -> PaymentResult:
        return self._settle(reference, "released", 0, idempotency_key)

    def refund(self, *, reference: str, amount_fen: int | None, idempotency_key: str) -> PaymentResult:
        return self._settle(reference, "refunded", amount_fen or 0, idempotency_key)

    def retrieve(self, reference: str) -> PaymentState:
        with self._lock:
            state = self._states.get(reference)
        if state is None:   # this process did not see the hold: the operator's ledger is the truth
            return PaymentState(reference, "held", 0, raw_status="manual")
        return state

    def _settle(self, reference: str, status: str, amount_fen: int, key: str) -> PaymentResult:
        if not reference:
            raise PaymentError("missing deposit reference", retryable=False)
        with self._lock:
            if key in self._answers:
                return self._answers[key]
            previous = self._states.get(reference)
            total = previous.amount_fen if previous else amount_fen
            captured = amount_fen if status == "captured" else (
                previous.amount_captured_fen if previous else 0)
            refunded = amount_fen if status == "refunded" else 0
            self._states[reference] = PaymentState(reference, status, total, captured, refunded,
                                                   raw_status="manual")
            answer = PaymentResult(reference=reference, status=status, amount_fen=amount_fen)
            self._answers[key] = answer
            return answer
