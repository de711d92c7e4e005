"""StripeGateway against localstripe: a real HTTP Stripe-compatible server."""
import pytest

from market.adapters.payments.base import PaymentError, PaymentHold, PaymentResult, PaymentState

CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000002500003155"


def hold(gateway, deposit_id=1, amount=5_000_000):
    return gateway.create_hold(deposit_id=deposit_id, amount_fen=amount,
                               metadata={"lot_id": 7, "bidder_id": 12},
                               idempotency_key=f"deposit-{deposit_id}-hold")


def test_hold_is_a_manual_capture_intent_in_cny_with_our_ids(gateway):
    h = hold(gateway, deposit_id=41)
    assert isinstance(h, PaymentHold)
    assert h.status == "pending" and h.reference.startswith("pi_")
    assert h.client_secret.startswith(h.reference)
    state = gateway.retrieve(h.reference)
    assert isinstance(state, PaymentState)
    assert state.amount_fen == 5_000_000 and state.extra["currency"] == "cny"
    assert state.extra["metadata"] == {"lot_id": "7", "bidder_id": "12", "deposit_id": "41"}


def test_confirmed_card_makes_the_deposit_held(gateway, browser):
    h = hold(gateway)
    assert browser(h.reference) == "requires_capture"
    assert gateway.retrieve(h.reference).status == "held"


def test_declined_card_leaves_the_deposit_failed_not_held(gateway, browser):
    h = hold(gateway)
    assert browser(h.reference, CARD_DECLINED) == "declined"
    assert gateway.retrieve(h.reference).status == "failed"


def test_card_needing_3d_secure_stays_pending(gateway, browser):
    h = hold(gateway)
    assert browser(h.reference, CARD_3DS) == "requires_action"
    assert gateway.retrieve(h.reference).status == "pending"


def test_full_capture_of_a_held_deposit(gateway, browser):
    h = hold(gateway)
    browser(h.reference)
    result = gateway.capture(reference=h.reference, amount_fen=5_000_000, idempotency_key="c1")
    assert result == PaymentResult(h.reference, "captured", 5_000_000)
    state = gateway.retrieve(h.reference)
    assert (state.status, state.amount_captured_fen) == ("captured", 5_000_000)


def test_partial_capture_takes_only_that_amount(gateway, browser):
    h = hold(gateway)
    browser(h.reference)
    gateway.capture(reference=h.reference, amount_fen=3_000_000, idempotency_key="c1")
    state = gateway.retrieve(h.reference)
    assert (state.status, state.amount_captured_fen, state.amount_refunded_fen) == ("captured", 3_000_000, 0)


def test_capturing_twice_reports_the_first_capture_and_moves_no_more_money(gateway, browser, fault_proxy,
                                                                           faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    first = faulty_gateway.capture(reference=h.reference, amount_fen=2_000_000, idempotency_key="c1")
    second = faulty_gateway.capture(reference=h.reference, amount_fen=2_000_000, idempotency_key="c1")
    assert first == second
    assert fault_proxy.count("POST", "/capture") == 1
    assert gateway.retrieve(h.reference).amount_captured_fen == 2_000_000


def test_capture_more_than_held_is_refused_without_retry(gateway, browser):
    h = hold(gateway, amount=100)
    browser(h.reference)
    with pytest.raises(PaymentError) as info:
        gateway.capture(reference=h.reference, amount_fen=101, idempotency_key="c1")
    assert info.value.retryable is False


def test_capture_of_an_unpaid_deposit_is_refused_without_retry(gateway):
    h = hold(gateway)
    with pytest.raises(PaymentError) as info:
        gateway.capture(reference=h.reference, amount_fen=1, idempotency_key="c1")
    assert info.value.retryable is False


def test_release_cancels_the_hold_once(gateway, browser, fault_proxy, faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    assert faulty_gateway.release(reference=h.reference, idempotency_key="r1").status == "released"
    assert faulty_gateway.release(reference=h.reference, idempotency_key="r1").status == "released"
    assert fault_proxy.count("POST", "/cancel") == 1
    assert gateway.retrieve(h.reference).status == "released"


def test_release_of_an_unpaid_intent_cancels_it(gateway):
    h = hold(gateway)
    assert gateway.release(reference=h.reference, idempotency_key="r1").status == "released"


def test_release_after_capture_is_refused(gateway, browser):
    h = hold(gateway)
    browser(h.reference)
    gateway.capture(reference=h.reference, amount_fen=5_000_000, idempotency_key="c1")
    with pytest.raises(PaymentError) as info:
        gateway.release(reference=h.reference, idempotency_key="r1")
    assert info.value.retryable is False


def test_full_refund_of_a_captured_deposit(gateway, browser):
    h = hold(gateway)
    browser(h.reference)
    gateway.capture(reference=h.reference, amount_fen=3_000_000, idempotency_key="c1")
    result = gateway.refund(reference=h.reference, amount_fen=None, idempotency_key="f1")
    assert result == PaymentResult(h.reference, "refunded", 3_000_000)
    state = gateway.retrieve(h.reference)
    assert (state.status, state.amount_refunded_fen) == ("refunded", 3_000_000)


def test_partial_refunds_add_up_and_cannot_exceed_the_capture(gateway, browser):
    h = hold(gateway)
    browser(h.reference)
    gateway.capture(reference=h.reference, amount_fen=3_000_000, idempotency_key="c1")
    gateway.refund(reference=h.reference, amount_fen=1_000_000, idempotency_key="f1")
    gateway.refund(reference=h.reference, amount_fen=1_500_000, idempotency_key="f2")
    state = gateway.retrieve(h.reference)
    assert (state.status, state.amount_refunded_fen) == ("captured", 2_500_000)
    with pytest.raises(PaymentError):
        gateway.refund(reference=h.reference, amount_fen=600_000, idempotency_key="f3")


def test_refund_repeated_with_the_same_key_refunds_once(gateway, browser, fault_proxy, faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    gateway.capture(reference=h.reference, amount_fen=3_000_000, idempotency_key="c1")
    for _ in range(3):
        faulty_gateway.refund(reference=h.reference, amount_fen=1_000_000, idempotency_key="f1")
    assert fault_proxy.count("POST", "/v1/refunds") == 1
    assert gateway.retrieve(h.reference).amount_refunded_fen == 1_000_000


def test_unknown_intent_is_a_non_retryable_error(gateway):
    with pytest.raises(PaymentError) as info:
        gateway.retrieve("pi_doesnotexist")
    assert info.value.retryable is False


def test_lost_answer_with_stripe_then_unreachable_is_retryable(gateway, browser, fault_proxy, faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    fault_proxy.mode, fault_proxy.only = "lose_response", None
    with pytest.raises(PaymentError) as info:
        faulty_gateway.release(reference=h.reference, idempotency_key="r1")
    assert info.value.retryable is True


def test_stripe_down_is_a_retryable_error_and_nothing_moves(gateway, browser, fault_proxy, faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    fault_proxy.mode = "down"
    with pytest.raises(PaymentError) as info:
        faulty_gateway.capture(reference=h.reference, amount_fen=5_000_000, idempotency_key="c1")
    assert info.value.retryable is True
    assert gateway.retrieve(h.reference).status == "held"


def test_capture_whose_answer_is_lost_is_confirmed_by_looking_not_repeated(gateway, browser, fault_proxy,
                                                                          faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    fault_proxy.mode, fault_proxy.only = "lose_response", "/capture"
    first = faulty_gateway.capture(reference=h.reference, amount_fen=5_000_000, idempotency_key="c1")
    assert first.status == "captured"
    # a retry (the outbox not knowing the first answer) must see it and not capture again
    result = faulty_gateway.capture(reference=h.reference, amount_fen=5_000_000, idempotency_key="c1")
    assert (result.status, result.amount_fen) == ("captured", 5_000_000)
    assert fault_proxy.count("POST", "/capture") == 1


def test_timeout_is_retryable_and_the_retry_does_not_capture_twice(gateway, browser, fault_proxy, faulty_gateway):
    h = hold(gateway)
    browser(h.reference)
    # the first look (intent + refunds) passes; the capture reaches Stripe, then every answer is late
    fault_proxy.plan, fault_proxy.mode = ["pass", "pass"], "slow"
    with pytest.raises(PaymentError) as info:
        faulty_gateway.capture(reference=h.reference, amount_fen=4_000_000, idempotency_key="c1")
    assert info.value.retryable is True
    assert fault_proxy.count("POST", "/capture") == 1
    fault_proxy.mode = "pass"
    result = faulty_gateway.capture(reference=h.reference, amount_fen=4_000_000, idempotency_key="c1")
    assert (result.status, result.amount_fen) == ("captured", 4_000_000)
    assert fault_proxy.count("POST", "/capture") == 1


def test_secret_key_is_not_in_errors_or_repr(gateway):
    from market.adapters.payments.stripe_gateway import StripeGateway
    gw = StripeGateway("sk_test_do_not_leak", api_base="http://127.0.0.1:9", timeout=0.5,
                       max_network_retries=0)
    with pytest.raises(PaymentError) as info:
        gw.retrieve("pi_x")
    assert "sk_test_do_not_leak" not in str(info.value) + repr(gw)
