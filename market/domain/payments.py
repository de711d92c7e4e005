"""The payment port and the plain records that cross it. Money crosses it as integer fen; gateway
adapters (market.adapters.payments) return these types, never a provider's objects, so services do
not depend on Stripe. The decisions of the payment feature are here too, as plain functions: which
gateway commands a deposit's move implies, what a provider's event means for a deposit, and what
reconciliation may repair."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    reference: str | None          # the PaymentIntent id
    deposit_id: int | None         # from the intent's metadata, when present
    state: str | None              # what the event says about the deposit; None: not ours to act on
    amount_fen: int = 0
    amount_captured_fen: int = 0
    amount_refunded_fen: int = 0
    raw_status: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def handled(self) -> bool:
        return self.state is not None


@dataclass
class OutboxCommand:
    """One gateway command in the outbox (capture | release | refund), and what became of it."""
    id: int
    deposit_id: int
    action: str
    reason: str
    gateway: str
    reference: str | None
    amount_fen: int | None
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    claim_token: str | None = None
    last_error: str | None = None
    result_status: str | None = None
    result_amount_fen: int | None = None
    created_at: datetime | None = None
    done_at: datetime | None = None


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


MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … up to an hour: Stripe outages are usually short."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


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


# ---------------------------------------------------------------------------- reconciliation

#: what the provider should say for each deposit state once its commands are done
EXPECTED = {"pending": ("pending", "failed"), "held": ("held",), "applied": ("captured",),
            "forfeited": ("captured",), "released": ("released",), "refunded": ("refunded",)}


def provider_state_of(cmd: OutboxCommand) -> str:
    return {"capture": "captured", "release": "released", "refund": "refunded"}[cmd.action]


def reconcile_action(status: str, remote: str, commands: list[OutboxCommand]) -> str:
    """none | hold | release | late_release | settle | pending (commands still running) | mismatch."""
    open_cmds = [c for c in commands if c.status != "done"]
    if any(provider_state_of(c) == remote for c in open_cmds):
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


def settlement(status: str, commands: list[OutboxCommand]) -> str:
    """One word for "where is the money": none | in_progress | failed | settled."""
    if any(c.status == "failed" for c in commands):
        return "failed"
    if any(c.status != "done" for c in commands):
        return "in_progress"
    return "settled" if commands else "none"

