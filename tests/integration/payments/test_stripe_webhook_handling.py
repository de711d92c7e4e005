"""Stripe events against deposits on a real database: each event id counts once, events
arriving late or out of order change nothing they should not, unknown types are acknowledged.
Events localstripe never sends are synthesised around its own objects (see payments_world)."""
import time

from sqlalchemy import func, select

from market.adapters.orm_payments import stripe_events
from market.services import auctions as auction_svc
from market.services import payments as pay_svc
from payments_world import DEPOSIT, START, deliver, synthesised_event

CAPTURABLE = "payment_intent.amount_capturable_updated"


def registered(w, gateway, bidder=0):
    lot_id = w.add_lot()
    reg = w.register(lot_id, bidder, gateway)
    return lot_id, reg["deposit"]["id"], reg["deposit"]["reference"]


def events_recorded(w) -> int:
    with w.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(stripe_events))


def test_capturable_event_makes_the_deposit_held(pay_world, gateway, browser):
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    browser(ref)
    assert deliver(w, synthesised_event(gateway, ref, CAPTURABLE)) == "hold"
    assert w.deposit(deposit_id).status == "held"
    assert "stripe_held" in w.history_kinds(deposit_id)


def test_event_replayed_three_times_is_applied_once(pay_world, gateway, browser):
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    browser(ref)
    event = synthesised_event(gateway, ref, CAPTURABLE)
    outcomes = [deliver(w, event) for _ in range(4)]
    assert outcomes == ["hold", "duplicate", "duplicate", "duplicate"]
    assert w.count_history(deposit_id, "stripe_held") == 1
    assert w.count_history(deposit_id, "deposit_held") == 1
    assert events_recorded(w) == 1


def test_late_capturable_event_after_capture_changes_nothing(pay_world, gateway, browser):
    w = pay_world
    lot_id, deposit_id, ref = registered(w, gateway)
    browser(ref)
    early = synthesised_event(gateway, ref, CAPTURABLE, created=int(time.time()) - 60)
    deliver(w, synthesised_event(gateway, ref, CAPTURABLE))
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    w.close(lot_id)
    pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now)
    assert deliver(w, synthesised_event(gateway, ref, "payment_intent.succeeded")) == "settle"
    assert deliver(w, early) == "note"                 # a retry of an older event, delivered last
    assert w.deposit(deposit_id).status == "applied"
    assert gateway.retrieve(ref).amount_captured_fen == DEPOSIT


def test_succeeded_before_our_outbox_records_settles_the_command(pay_world, gateway, browser):
    """The capture went through but our worker died before writing it down: the webhook says so."""
    w = pay_world
    lot_id, deposit_id, ref = registered(w, gateway)
    browser(ref)
    deliver(w, synthesised_event(gateway, ref, CAPTURABLE))
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    w.close(lot_id)
    [cmd] = w.commands(deposit_id)
    gateway.capture(reference=ref, amount_fen=cmd.amount_fen, idempotency_key=cmd.idempotency_key)
    assert deliver(w, synthesised_event(gateway, ref, "payment_intent.succeeded")) == "settle"
    [cmd] = w.commands(deposit_id)
    assert (cmd.status, cmd.result_amount_fen) == ("done", DEPOSIT)
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 0


def test_canceled_then_late_capturable_for_a_released_deposit_cancels_again(pay_world, gateway, browser):
    """The lot is cancelled while the bidder is paying: the money authorised afterwards is let go."""
    w = pay_world
    lot_id, deposit_id, ref = registered(w, gateway)
    auction_svc.cancel_lot(w.uow(), actor_id=w.operator_id, lot_id=lot_id, reason="权属争议", now=w.now)
    assert w.deposit(deposit_id).status == "released"
    browser(ref)                                        # the card goes through before our cancel
    capturable = synthesised_event(gateway, ref, CAPTURABLE)
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 1
    assert deliver(w, synthesised_event(gateway, ref, "payment_intent.canceled")) == "settle"
    assert deliver(w, capturable) == "late_release"     # arrives last: our cancel already covers it
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 0
    assert gateway.retrieve(ref).status == "released"
    assert w.deposit(deposit_id).status == "released"


def test_money_authorised_for_a_deposit_released_without_a_command_is_cancelled(pay_world, gateway,
                                                                               browser):
    """A deposit let go with no cancel on record (e.g. released before its intent existed)."""
    from sqlalchemy import update
    from market.adapters.orm_auctions import deposits
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    with w.uow() as uow:
        uow.session.execute(update(deposits).where(deposits.c.id == deposit_id).values(status="released"))
        uow.commit()
    browser(ref)
    assert deliver(w, synthesised_event(gateway, ref, CAPTURABLE)) == "late_release"
    assert [c.reason for c in w.commands(deposit_id)] == ["late_release"]
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 1
    assert gateway.retrieve(ref).status == "released"


def test_hold_dropped_by_stripe_releases_the_deposit(pay_world, gateway, browser):
    """An authorisation that expired (or was cancelled outside) no longer secures bids."""
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    browser(ref)
    deliver(w, synthesised_event(gateway, ref, CAPTURABLE))
    gateway._pi.cancel(ref)
    assert deliver(w, synthesised_event(gateway, ref, "payment_intent.canceled")) == "release"
    assert w.deposit(deposit_id).status == "released"


def test_declined_card_keeps_the_deposit_pending_with_the_reason(pay_world, gateway, browser):
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    assert browser(ref, "4000000000000341") == "declined"
    assert deliver(w, synthesised_event(gateway, ref, "payment_intent.payment_failed")) == "note"
    assert w.deposit(deposit_id).status == "pending"
    assert "stripe_failed" in w.history_kinds(deposit_id)


def test_refund_of_a_captured_deposit_is_confirmed_by_charge_refunded(pay_world, gateway, browser):
    w = pay_world
    lot_id, deposit_id, ref = registered(w, gateway)
    browser(ref)
    deliver(w, synthesised_event(gateway, ref, CAPTURABLE))
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    w.close(lot_id)
    pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now)
    pay_svc.refund_deposit(w.uow(), actor_id=w.operator_id, deposit_id=deposit_id,
                           reason="成交被撤销 (sale annulled)", now=w.now)
    assert w.deposit(deposit_id).status == "refunded"
    gateway_state = gateway.retrieve(ref)
    assert gateway_state.amount_refunded_fen == 0         # nothing moves before the outbox runs
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 1
    assert deliver(w, synthesised_event(gateway, ref, "charge.refunded")) == "settle"
    state = gateway.retrieve(ref)
    assert (state.status, state.amount_refunded_fen) == ("refunded", DEPOSIT)
    report = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                       deposit_id=deposit_id, now=w.now)
    assert report["consistent"], report


def test_unknown_event_type_is_acknowledged_and_recorded(pay_world):
    w = pay_world
    event = {"id": "evt_unknown_1", "object": "event", "type": "customer.created", "created": 1,
             "data": {"object": {"id": "cus_1", "object": "customer"}}}
    assert deliver(w, event) == "ignored"
    assert deliver(w, event) == "duplicate"


def test_event_for_an_intent_we_do_not_know_is_acknowledged(pay_world, gateway):
    w = pay_world
    h = gateway.create_hold(deposit_id=999, amount_fen=100, metadata={}, idempotency_key="x")
    assert deliver(w, synthesised_event(gateway, h.reference, "payment_intent.canceled")) == "unknown_deposit"


def test_reconcile_repairs_a_hold_whose_webhook_was_lost(pay_world, gateway, browser):
    w = pay_world
    _, deposit_id, ref = registered(w, gateway)
    browser(ref)                                        # no webhook arrives
    report = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                       deposit_id=deposit_id, now=w.now)
    assert report["action"] == "hold" and report["consistent"]
    assert w.deposit(deposit_id).status == "held"
