"""Faults while settling Stripe deposits: Stripe down, timeouts, our process killed before
or after the Stripe call, errors that need an operator. Money moves once, or not at all."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from market.adapters.orm_payments import PaymentRepository, payment_outbox
from market.services import auctions as auction_svc
from market.services import payments as pay_svc
from payments_world import DEPOSIT, INC, START, deliver, synthesised_event


def held_deposit(w, gateway, browser, lot_id, bidder):
    reg = w.register(lot_id, bidder, gateway)
    ref = reg["deposit"]["reference"]
    browser(ref)
    deliver(w, synthesised_event(gateway, ref, "payment_intent.amount_capturable_updated"))
    return reg["deposit"]["id"], ref


def sold_to_one(w, gateway, browser, bidders=1):
    """A lot with `bidders` held deposits, won by the last one, closed: commands pending."""
    lot_id = w.add_lot()
    deps = [held_deposit(w, gateway, browser, lot_id, i) for i in range(bidders)]
    w.clock.advance(minutes=2)
    for i in range(bidders):
        w.bid(lot_id, i, START + i * INC)
    assert w.close(lot_id)["status"] == "sold"
    return deps


def test_stripe_down_during_settlement_is_retried_until_done_once(pay_world, gateway, browser,
                                                                   fault_proxy, faulty_gateway):
    w = pay_world
    deps = sold_to_one(w, gateway, browser, bidders=3)
    fault_proxy.mode = "down"
    run = pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now)
    assert (run.done, run.retried, run.failed) == (0, 3, 0)
    assert [gateway.retrieve(ref).status for _, ref in deps] == ["held"] * 3
    assert w.count_outbox(status="pending") == 3
    # not due again before the back-off
    assert pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now).retried == 0
    w.clock.advance(seconds=6)
    run = pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now)
    assert run.retried == 3                      # still down: tries again
    fault_proxy.mode = "pass"
    w.clock.advance(minutes=1)
    run = pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now)
    assert run.done == 3
    assert [gateway.retrieve(ref).status for _, ref in deps] == ["released", "released", "captured"]
    assert fault_proxy.count("POST", "/capture") == 1 and fault_proxy.count("POST", "/cancel") == 2
    assert w.count_history(deps[2][0], "capture_error") == 2
    assert w.count_history(deps[2][0], "captured") == 1


def test_timeout_after_stripe_captured_is_retried_without_a_second_capture(pay_world, gateway, browser,
                                                                          fault_proxy, faulty_gateway):
    w = pay_world
    [(deposit_id, ref)] = sold_to_one(w, gateway, browser)
    # the look before the capture passes; the capture reaches Stripe; its answer and every
    # look after it time out
    fault_proxy.plan, fault_proxy.mode = ["pass", "pass"], "slow"
    run = pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now)
    assert run.retried == 1
    assert gateway.retrieve(ref).status == "captured"          # Stripe did it
    assert w.commands(deposit_id)[0].status == "pending"       # we do not know yet
    fault_proxy.mode = "pass"
    w.clock.advance(seconds=10)
    assert pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now).done == 1
    assert fault_proxy.count("POST", "/capture") == 1
    [cmd] = w.commands(deposit_id)
    assert (cmd.status, cmd.result_amount_fen, cmd.attempts) == ("done", DEPOSIT, 2)


def test_killed_between_our_commit_and_the_stripe_call_resumes_after_the_lease(pay_world, gateway,
                                                                             browser, fault_proxy,
                                                                             faulty_gateway):
    w = pay_world
    [(deposit_id, ref)] = sold_to_one(w, gateway, browser)
    [cmd] = w.commands(deposit_id)
    with w.uow() as uow:                         # a worker claims and commits, then dies
        assert PaymentRepository(uow.session).claim(cmd.id, w.now, pay_svc.LEASE)
        uow.commit()
    run = pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now)
    assert run.done == 0 and gateway.retrieve(ref).status == "held"   # someone holds the claim
    w.clock.advance(minutes=5, seconds=1)
    assert pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now).done == 1
    assert gateway.retrieve(ref).status == "captured"
    assert fault_proxy.count("POST", "/capture") == 1


class Killed(BaseException):
    """The process dies (not an error the worker could catch and record)."""


class DiesAfterCalling:
    """The real gateway, but the process is killed right after Stripe answered."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name

    def capture(self, **kw):
        self.inner.capture(**kw)
        raise Killed()

    def release(self, **kw):
        self.inner.release(**kw)
        raise Killed()


def test_killed_after_the_stripe_call_before_recording_does_not_capture_twice(pay_world, gateway, browser,
                                                                             fault_proxy, faulty_gateway):
    w = pay_world
    deps = sold_to_one(w, gateway, browser, bidders=2)
    with pytest.raises(Killed):
        pay_svc.process_payment_outbox(w.uow_factory, DiesAfterCalling(faulty_gateway), w.now)
    statuses = sorted(c.status for d, _ in deps for c in w.commands(d))
    assert statuses == ["in_flight", "pending"]
    w.clock.advance(minutes=6)
    assert pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now).done == 2
    assert [gateway.retrieve(ref).status for _, ref in deps] == ["released", "captured"]
    assert fault_proxy.count("POST", "/capture") == 1 and fault_proxy.count("POST", "/cancel") == 1


def test_close_rolled_back_writes_no_command_and_moves_no_money(pay_world, gateway, browser):
    w = pay_world
    lot_id = w.add_lot()
    deposit_id, ref = held_deposit(w, gateway, browser, lot_id, 0)
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    w.clock.advance(hours=2)
    with pytest.raises(RuntimeError):
        auction_svc.close_lot(crash_before_commit(w.uow()), lot_id, w.clock)
    assert w.count_outbox() == 0 and w.deposit(deposit_id).status == "held"
    assert auction_svc.close_lot(w.uow(), lot_id, w.clock)["status"] == "sold"
    assert w.count_outbox() == 1


def test_capture_refused_by_stripe_fails_for_the_operator_and_is_not_retried(pay_world, gateway, browser):
    w = pay_world
    [(deposit_id, ref)] = sold_to_one(w, gateway, browser)
    gateway._pi.cancel(ref)                       # someone cancelled it in the Stripe dashboard
    run = pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now)
    assert (run.done, run.failed) == (0, 1)
    w.clock.advance(hours=2)
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).failed == 0
    view = pay_svc.deposit_payment(w.uow(), actor_id=w.operator_id, deposit_id=deposit_id)
    assert view["settlement"] == "failed" and "released" in view["commands"][0]["last_error"]
    report = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                       deposit_id=deposit_id, now=w.now)
    assert not report["consistent"] and report["provider"]["status"] == "released"


def test_a_repeated_close_or_decision_is_enqueued_once(pay_world, gateway, browser):
    w = pay_world
    lot_id = w.add_lot()
    deposit_id, ref = held_deposit(w, gateway, browser, lot_id, 0)
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    assert w.close(lot_id)["status"] == "sold"
    assert auction_svc.close_lot(w.uow(), lot_id, w.clock) is None      # a second scheduler
    with w.uow() as uow:                                                # the same decision again
        pay_svc.enqueue_transition(PaymentRepository(uow.session), deposit_id=deposit_id,
                                   gateway="stripe", reference=ref, old="held", new="applied",
                                   amount_fen=DEPOSIT, now=w.now)
        uow.commit()
    assert len(w.commands(deposit_id)) == 1


def test_two_workers_at_once_run_each_command_once(pay_world_any, gateway, browser, fault_proxy,
                                                   faulty_gateway):
    import threading
    w = pay_world_any
    deps = sold_to_one(w, gateway, browser, bidders=3)
    barrier = threading.Barrier(3)
    runs = []

    def worker():
        barrier.wait()
        runs.append(pay_svc.process_payment_outbox(w.uow_factory, faulty_gateway, w.now))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.done for r in runs) == 3
    assert fault_proxy.count("POST", "/capture") == 1 and fault_proxy.count("POST", "/cancel") == 2
    with w.uow() as uow:
        attempts = uow.session.scalars(select(payment_outbox.c.attempts)).all()
    assert attempts == [1, 1, 1]


def crash_before_commit(uow):
    """The unit of work, made to crash where it would commit (a process killed mid-change)."""
    def crash():
        raise RuntimeError("simulated crash before commit")
    uow.commit = crash
    return uow
