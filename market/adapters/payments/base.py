"""The payment port. Money crosses it as integer fen; adapters return these
result types, never a provider's objects, so services do not depend on Stripe."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class PaymentError(Exception):
    """A gateway call failed. `retryable` says whether the outbox should try again."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class PaymentHold:
    """Answer to create_hold: where the bidder pays and whether it is held yet."""
    reference: str | None          # the provider's id (PaymentIntent id); None for manual transfers
    client_secret: str | None      # handed to the bidder's browser; never logged
    status: str                    # "pending" | "held" | "failed"


@dataclass(frozen=True)
class PaymentResult:
    reference: str | None
    status: str                    # "captured" | "released" | "refunded" | "held" | "pending" | "failed"
    amount_fen: int = 0


@dataclass(frozen=True)
class PaymentState:
    """The provider's view of one deposit, for reconciliation."""
    reference: str
    status: str                    # "pending" | "held" | "captured" | "released" | "failed" | "refunded"
    amount_fen: int
    amount_captured_fen: int = 0
    amount_refunded_fen: int = 0
    raw_status: str = ""
    extra: dict = field(default_factory=dict)


class PaymentGateway(Protocol):
    name: str

    def create_hold(self, *, deposit_id: int, amount_fen: int, metadata: dict,
                    idempotency_key: str, currency: str = "cny") -> PaymentHold: ...

    def capture(self, *, reference: str, amount_fen: int, idempotency_key: str) -> PaymentResult: ...

    def release(self, *, reference: str, idempotency_key: str) -> PaymentResult: ...

    def refund(self, *, reference: str, amount_fen: int | None, idempotency_key: str) -> PaymentResult: ...

    def retrieve(self, reference: str) -> PaymentState: ...
