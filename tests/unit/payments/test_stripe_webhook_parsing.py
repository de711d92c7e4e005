"""Events become plain WebhookEvents; recorded-shape payloads (see payloads/README.md)
cover the fields localstripe leaves out."""
import json
from pathlib import Path

import pytest

from market.adapters.payments.webhooks import parse_event

PAYLOADS = Path(__file__).parent / "payloads"


def load(name):
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,state", [
    ("pi_amount_capturable_updated.json", "held"),
    ("pi_succeeded_partial.json", "captured"),
    ("pi_canceled.json", "released"),
    ("pi_payment_failed.json", "failed"),
    ("charge_refunded.json", "refunded"),
])
def test_each_handled_event_type_reports_the_deposit_state(name, state):
    event = parse_event(load(name))
    assert event.state == state
    assert event.reference == "pi_3Q0deposit0001"
    assert event.deposit_id == 41


def test_partial_capture_amount_comes_from_amount_received():
    event = parse_event(load("pi_succeeded_partial.json"))
    assert (event.amount_fen, event.amount_captured_fen) == (5000000, 3000000)


def test_refund_event_carries_the_refunded_amount():
    assert parse_event(load("charge_refunded.json")).amount_refunded_fen == 3000000


def test_failure_keeps_the_decline_code_without_card_details():
    event = parse_event(load("pi_payment_failed.json"))
    assert event.detail == {"code": "card_declined", "decline_code": "generic_decline"}


def test_unknown_event_type_is_parsed_but_not_handled():
    event = parse_event(load("customer_created.json"))
    assert event.id == "evt_3Q0customer0001"
    assert not event.handled and event.reference is None


def test_localstripe_style_inline_charge_is_understood():
    """localstripe inlines latest_charge and omits amount_received."""
    data = load("pi_succeeded_partial.json")
    obj = data["data"]["object"]
    del obj["amount_received"], obj["amount_capturable"]
    obj["latest_charge"] = {"id": "ch_x", "object": "charge", "amount": 5000000, "captured": True,
                            "refunds": {"object": "list", "data": [
                                {"id": "re_x", "amount": 2000000, "metadata": {}}]}}
    assert parse_event(data).amount_captured_fen == 3000000
