"""The payment services on the in-memory unit of work, a frozen clock and a recording gateway: the
commands a deposit's move implies (written through the message bus), the outbox, webhooks."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "auctions"))   # auction_fakes
from auction_fakes import T0, AuctionWorld  # noqa: E402

from market.adapters.clock import FrozenClock  # noqa: E402
from market.domain.errors import Forbidden  # noqa: E402
from market.domain.payments import PaymentError, PaymentHold, PaymentResult, WebhookEvent  # noqa: E402
from market.services import auctions as auction_svc  # noqa: E402
from market.services import payments as svc  # noqa: E402

START, STEP, DEPOSIT = 1_000_000, 100_000, 200_000


class RecordingGateway:
    """Stripe as the services see it: holds and commands are recorded; `fail` makes calls fail."""
    name = "stripe"

    def __init__(self):
        self.calls: list[tuple] = []
        self.fail: PaymentError | None = None

    def create_hold(self, *, deposit_id, amount_fen, metadata, idempotency_key, currency="cny"):
        self.calls.append(("hold", deposit_id, amount_fen))
        return PaymentHold(reference=f"pi_{deposit_id}", client_secret=f"secret_{deposit_id}", status="pending")

    def resume_hold(self, reference):
        return PaymentHold(reference=reference, client_secret="secret", status="pending")

    def _answer(self, action, reference, amount_fen, status):
        if self.fail:
            raise self.fail
        self.calls.append((action, reference, amount_fen))
        return PaymentResult(reference=reference, status=status, amount_fen=amount_fen or 0)

    def capture(self, *, reference, amount_fen, idempotency_key):
        return self._answer("capture", reference, amount_fen, "captured")

    def release(self, *, reference, idempotency_key):
        return self._answer("release", reference, None, "released")

    def refund(self, *, reference, amount_fen, idempotency_key):
        return self._answer("refund", reference, amount_fen, "refunded")


def _event(ident, reference, state, **kw):
    return WebhookEvent(id=ident, type=f"payment_intent.{state}", created=0, reference=reference,
                        deposit_id=None, state=state, **kw)


@pytest.fixture
def w():
    w = AuctionWorld()
    w.gateway = RecordingGateway()
    auction = auction_svc.create_auction(w.uow, actor_id=w.operator.id, market_code="SH", title="拍卖会", now=T0)
    w.lot = auction_svc.add_lot(w.uow, actor_id=w.operator.id, auction_id=auction["id"],
                                achievement_id=w.achievement.id, starting_price_fen=START, increment_fen=STEP,
                                deposit_fen=DEPOSIT, starts_at=T0, free_period_ends_at=T0 + timedelta(hours=1),
                                window_seconds=300, now=T0)
    w.deposits = []
    for i, bidder in enumerate(w.bidders):
        reg = auction_svc.register_for_lot(w.uow, actor_id=bidder.id, lot_id=w.lot["id"], now=T0, gateway=w.gateway)
        ref = reg["deposit"]["reference"]
        assert svc.handle_stripe_event(w.uow, _event(f"evt_hold_{i}", ref, "held"), T0) == "hold"
        w.deposits.append(reg["deposit"]["id"])
    return w


def _commands(w, deposit_id):
    return [(c.action, c.reason, c.amount_fen, c.status) for c in w.uow.payments.commands_for(deposit_id)]


def test_an_online_registration_asks_the_gateway_for_a_hold_and_the_webhook_holds_the_deposit(w):
    assert [c[0] for c in w.gateway.calls] == ["hold", "hold"]
    assert {w.uow.deposits.get(d).status for d in w.deposits} == {"held"}


def test_closing_the_lot_writes_a_capture_at_the_hammer_price_and_a_release_in_the_same_commit(w):
    auction_svc.place_bid(w.uow, actor_id=w.bidders[0].id, lot_id=w.lot["id"], amount_fen=START,
                          clock=FrozenClock(T0 + timedelta(minutes=5)))
    commits = w.uow.committed
    auction_svc.close_lot(w.uow, w.lot["id"], FrozenClock(T0 + timedelta(hours=2)))
    assert w.uow.committed == commits + 1
    winner, other = w.deposits
    assert _commands(w, winner) == [("capture", "apply", DEPOSIT, "pending")]
    assert _commands(w, other) == [("release", "release", None, "pending")]
    assert [h["kind"] for h in w.uow.payments.history(winner)][-2:] == ["capture_requested", "deposit_applied"]


def test_the_outbox_carries_out_each_command_once(w):
    auction_svc.close_lot(w.uow, w.lot["id"], FrozenClock(T0 + timedelta(hours=2)))   # unsold: both released
    now = T0 + timedelta(hours=2, seconds=5)
    run = svc.process_payment_outbox(w.uow, w.gateway, now)
    assert (run.done, run.retried, run.failed) == (2, 0, 0)
    assert svc.process_payment_outbox(w.uow, w.gateway, now + timedelta(minutes=1)).done == 0
    assert [c[0] for c in w.gateway.calls].count("release") == 2


def test_a_gateway_outage_is_retried_later_and_a_refusal_fails_for_the_operator(w):
    auction_svc.close_lot(w.uow, w.lot["id"], FrozenClock(T0 + timedelta(hours=2)))
    now = T0 + timedelta(hours=3)
    w.gateway.fail = PaymentError("timeout", retryable=True)
    assert svc.process_payment_outbox(w.uow, w.gateway, now).retried == 2
    assert svc.process_payment_outbox(w.uow, w.gateway, now).done == 0      # backing off
    w.gateway.fail = PaymentError("card declined", retryable=False)
    assert svc.process_payment_outbox(w.uow, w.gateway, now + timedelta(seconds=5)).failed == 2
    assert {c[3] for d in w.deposits for c in _commands(w, d)} == {"failed"}


def test_a_replayed_webhook_changes_nothing(w):
    ref = w.uow.deposits.get(w.deposits[0]).reference
    assert svc.handle_stripe_event(w.uow, _event("evt_hold_0", ref, "held"), T0) == "duplicate"
    assert svc.handle_stripe_event(w.uow, _event("evt_unknown", "pi_nobody", "held"), T0) == "unknown_deposit"


def test_only_the_markets_operator_refunds_and_the_refund_is_queued(w):
    auction_svc.place_bid(w.uow, actor_id=w.bidders[0].id, lot_id=w.lot["id"], amount_fen=START,
                          clock=FrozenClock(T0 + timedelta(minutes=5)))
    auction_svc.close_lot(w.uow, w.lot["id"], FrozenClock(T0 + timedelta(hours=2)))
    winner = w.deposits[0]
    later = T0 + timedelta(days=1)
    with pytest.raises(Forbidden):
        svc.refund_deposit(w.uow, actor_id=w.bidders[0].id, deposit_id=winner, reason="撤销", now=later)
    view = svc.refund_deposit(w.uow, actor_id=w.operator.id, deposit_id=winner, reason="交易撤销", now=later)
    assert view["status"] == "refunded" and view["settlement"] == "in_progress"
    assert ("refund", "refund", None, "pending") in _commands(w, winner)
