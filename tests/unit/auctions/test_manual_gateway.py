"""The manual (bank transfer) gateway answers the payment port idempotently."""
from __future__ import annotations

import pytest

from market.adapters.payments.base import PaymentError
from market.adapters.payments.manual import ManualGateway


def test_hold_is_pending_until_the_operator_confirms():
    gw = ManualGateway()
    hold = gw.create_hold(deposit_id=3, amount_fen=5_000_00, metadata={}, idempotency_key="deposit-3-hold")
    assert (hold.reference, hold.status, hold.client_secret) == ("manual-3", "pending", None)
    assert gw.retrieve("manual-3").status == "pending"


def test_capture_and_release_are_idempotent_by_key():
    gw = ManualGateway()
    gw.create_hold(deposit_id=3, amount_fen=5_000_00, metadata={}, idempotency_key="h")
    first = gw.capture(reference="manual-3", amount_fen=5_000_00, idempotency_key="deposit-3-capture-apply")
    again = gw.capture(reference="manual-3", amount_fen=1, idempotency_key="deposit-3-capture-apply")
    assert first == again and first.status == "captured" and first.amount_fen == 5_000_00
    state = gw.retrieve("manual-3")
    assert (state.status, state.amount_captured_fen) == ("captured", 5_000_00)
    assert gw.release(reference="manual-4", idempotency_key="k").status == "released"


def test_missing_reference_is_not_retryable():
    with pytest.raises(PaymentError) as err:
        ManualGateway().release(reference="", idempotency_key="k")
    assert err.value.retryable is False
