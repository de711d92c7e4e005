"""Signature checks use the stripe library's own scheme (t=<ts>,v1=<hmac>)."""
import json
import time
from pathlib import Path

import pytest

from market.adapters.payments.webhooks import InvalidWebhook, sign, verify_and_parse

SECRET = "whsec_test_unit_secret"
PAYLOADS = Path(__file__).parent / "payloads"


def body(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def test_valid_signature_is_accepted_and_parsed():
    payload = body("pi_amount_capturable_updated.json")
    event = verify_and_parse(payload.encode(), sign(payload, SECRET), SECRET)
    assert event.id == "evt_3Q0capturable0001"
    assert event.state == "held"
    assert event.reference == "pi_3Q0deposit0001"
    assert event.deposit_id == 41


def test_tampered_body_is_rejected():
    payload = body("pi_amount_capturable_updated.json")
    header = sign(payload, SECRET)
    tampered = payload.replace('"amount": 5000000', '"amount": 5')
    assert tampered != payload
    with pytest.raises(InvalidWebhook):
        verify_and_parse(tampered.encode(), header, SECRET)


def test_signature_made_with_another_secret_is_rejected():
    payload = body("pi_canceled.json")
    with pytest.raises(InvalidWebhook):
        verify_and_parse(payload, sign(payload, "whsec_someone_else"), SECRET)


def test_stale_timestamp_is_rejected():
    payload = body("pi_canceled.json")
    header = sign(payload, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook, match="tolerance"):
        verify_and_parse(payload, header, SECRET)


def test_recent_timestamp_within_tolerance_is_accepted():
    payload = body("pi_canceled.json")
    header = sign(payload, SECRET, timestamp=int(time.time()) - 200)
    assert verify_and_parse(payload, header, SECRET).state == "released"


@pytest.mark.parametrize("header", [None, "", "garbage", "t=123", "v1=abc"])
def test_missing_or_malformed_header_is_rejected(header):
    with pytest.raises(InvalidWebhook):
        verify_and_parse(body("pi_canceled.json"), header, SECRET)


def test_unconfigured_secret_rejects_everything():
    payload = body("pi_canceled.json")
    with pytest.raises(InvalidWebhook):
        verify_and_parse(payload, sign(payload, SECRET), "")


def test_signed_body_that_is_not_an_event_is_rejected():
    payload = json.dumps({"hello": "world"})
    with pytest.raises(InvalidWebhook):
        verify_and_parse(payload, sign(payload, SECRET), SECRET)


def test_error_message_does_not_echo_the_secret():
    payload = body("pi_canceled.json")
    with pytest.raises(InvalidWebhook) as info:
        verify_and_parse(payload + " ", sign(payload, SECRET), SECRET)
    assert SECRET not in str(info.value)


def test_stripe_log_records_have_client_secrets_and_keys_redacted():
    import logging
    from market.adapters.payments.stripe_gateway import RedactSecrets
    record = logging.LogRecord("stripe", logging.DEBUG, __file__, 1, "body=%s key=%s", (
        '{"client_secret": "pi_3Q0abc_secret_XyZ123"}', "sk_test_abcDEF123"), None)
    RedactSecrets().filter(record)
    text = record.getMessage()
    assert "XyZ123" not in text and "sk_test_abcDEF123" not in text
    assert "pi_3Q0abc_secret_[redacted]" in text


def test_body_that_is_not_utf8_is_rejected_not_a_server_error():
    with pytest.raises(InvalidWebhook):
        verify_and_parse(b"\xff\xfe{}", "t=1,v1=00", SECRET)


def test_signed_body_that_is_not_json_is_rejected():
    with pytest.raises(InvalidWebhook):
        verify_and_parse("not json", sign("not json", SECRET), SECRET)
