"""The payments API over HTTP: the signed Stripe webhook, deposit state and history for the
bidder and the operator, reconciliation. Stripe is localstripe; events it never sends are
synthesised around its own objects and signed with the library's scheme."""
import json
import time

import pytest
from sqlalchemy import func, select

from market.adapters.orm_payments import stripe_events
from market.adapters.payments.webhooks import sign
from market.services import auctions as auction_svc
from market.services import payments as pay_svc
from payments_world import synthesised_event

from stripe_e2e_settings import TEST_KEY, WEBHOOK_SECRET

URL = "/api/v1/payments/stripe/webhook"
CAPTURABLE = "payment_intent.amount_capturable_updated"


def post_event(client, event, *, secret=WEBHOOK_SECRET, timestamp=None, body=None, header=None):
    payload = body if body is not None else json.dumps(event)
    headers = {"Content-Type": "application/json"}
    sig = header if header is not None else sign(json.dumps(event), secret, timestamp)
    if sig:
        headers["Stripe-Signature"] = sig
    return client.post(URL, data=payload, headers=headers)


def deposit_state(client, cast, deposit_id, who="op_sh"):
    return client.get(f"/api/v1/deposits/{deposit_id}/payment", headers=cast[who]).get_json()


def count_events(app) -> int:
    with app.extensions["market"].uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(stripe_events))


@pytest.fixture
def paid(lot, pay, stripe_gateway):
    reg = lot.register("corp_member")
    ref = reg["deposit"]["reference"]
    assert pay(ref) == "requires_capture"
    return reg["deposit"]["id"], ref, synthesised_event(stripe_gateway, ref, CAPTURABLE)


def test_signed_capturable_event_makes_the_deposit_held(client, cast, paid):
    deposit_id, _, event = paid
    r = post_event(client, event)
    assert r.status_code == 200 and r.get_json() == {"received": True, "outcome": "hold"}
    assert deposit_state(client, cast, deposit_id, "corp_member")["status"] == "held"


@pytest.mark.parametrize("case", ["missing", "tampered", "stale", "wrong_secret", "garbage"])
def test_bad_signature_is_400_and_changes_nothing(client, cast, app, paid, case):
    deposit_id, _, event = paid
    body = json.dumps(event)
    if case == "missing":
        r = post_event(client, event, header="")
    elif case == "tampered":
        r = post_event(client, event, body=body.replace(CAPTURABLE, "payment_intent.canceled"),
                       header=sign(body, WEBHOOK_SECRET))
    elif case == "stale":
        r = post_event(client, event, timestamp=int(time.time()) - 600)
    elif case == "wrong_secret":
        r = post_event(client, event, secret="whsec_not_ours")
    else:
        r = post_event(client, event, header="t=1,v1=deadbeef")
    assert r.status_code == 400
    assert r.get_json()["code"] == 400
    assert WEBHOOK_SECRET not in r.get_data(as_text=True)
    assert deposit_state(client, cast, deposit_id)["status"] == "pending"
    assert count_events(app) == 0


def test_webhook_replayed_three_times_counts_once(client, cast, app, paid):
    deposit_id, _, event = paid
    outcomes = [post_event(client, event).get_json()["outcome"] for _ in range(4)]
    assert outcomes == ["hold", "duplicate", "duplicate", "duplicate"]
    assert count_events(app) == 1
    history = client.get(f"/api/v1/deposits/{deposit_id}/payment/history", headers=cast["op_sh"]).get_json()
    assert [i["kind"] for i in history["items"]].count("stripe_held") == 1
    assert len(history["stripe_events"]) == 1


def test_unknown_event_type_is_acknowledged(client):
    event = {"id": "evt_e2e_unknown", "object": "event", "type": "invoice.created", "created": 1,
             "data": {"object": {"id": "in_1", "object": "invoice"}}}
    r = post_event(client, event)
    assert r.status_code == 200 and r.get_json()["outcome"] == "ignored"


def test_out_of_order_events_leave_the_deposit_right(client, cast, lot, pay, stripe_gateway):
    """canceled (the bidder's lot was cancelled) arrives before the older capture-ready event."""
    reg = lot.register("corp_member")
    deposit_id, ref = reg["deposit"]["id"], reg["deposit"]["reference"]
    pay(ref)
    capturable = synthesised_event(stripe_gateway, ref, CAPTURABLE)
    s = lot.services
    auction_svc.cancel_lot(s.uow_factory(), actor_id=cast.ids["op_sh"], lot_id=lot.id, reason="卖方撤回",
                           now=s.clock.now())
    assert pay_svc.process_payment_outbox(s.uow_factory, stripe_gateway, s.clock.now()).done == 1
    canceled = synthesised_event(stripe_gateway, ref, "payment_intent.canceled")
    assert post_event(client, canceled).get_json()["outcome"] == "settle"
    assert post_event(client, capturable).get_json()["outcome"] == "late_release"
    view = deposit_state(client, cast, deposit_id)
    assert (view["status"], view["settlement"]) == ("released", "settled")
    assert stripe_gateway.retrieve(ref).status == "released"


def test_bidder_sees_own_deposit_others_do_not(client, cast, paid):
    deposit_id, _, event = paid
    post_event(client, event)
    mine = client.get(f"/api/v1/deposits/{deposit_id}/payment", headers=cast["corp_member"])
    assert mine.status_code == 200
    body = mine.get_json()
    assert body["status"] == "held" and body["amount_fen"] == 5_000_00 and body["currency"] == "cny"
    assert client.get(f"/api/v1/deposits/{deposit_id}/payment",
                      headers=cast["corp_zj_member"]).status_code == 403
    assert client.get(f"/api/v1/deposits/{deposit_id}/payment", headers=cast["op_js"]).status_code == 403
    assert client.get(f"/api/v1/deposits/{deposit_id}/payment").status_code == 401


def test_history_shows_operators_the_details_and_bidders_the_steps(client, cast, paid):
    deposit_id, _, event = paid
    post_event(client, event)
    op = client.get(f"/api/v1/deposits/{deposit_id}/payment/history", headers=cast["op_sh"]).get_json()
    bidder = client.get(f"/api/v1/deposits/{deposit_id}/payment/history",
                        headers=cast["corp_member"]).get_json()
    assert [i["kind"] for i in op["items"]] == [i["kind"] for i in bidder["items"]]
    assert "detail" in op["items"][0] and "detail" not in bidder["items"][0]
    assert "stripe_events" in op and "stripe_events" not in bidder


def test_operator_reconciles_a_hold_whose_webhook_never_came(client, cast, paid):
    deposit_id, _, _ = paid
    assert client.post(f"/api/v1/deposits/{deposit_id}/payment/reconcile",
                       headers=cast["corp_member"]).status_code == 403
    r = client.post(f"/api/v1/deposits/{deposit_id}/payment/reconcile", headers=cast["op_sh"])
    assert r.status_code == 200
    report = r.get_json()
    assert (report["action"], report["status"], report["consistent"]) == ("hold", "held", True)
    assert report["provider"]["amount_fen"] == 5_000_00


def test_no_secret_appears_in_any_payment_response(client, cast, paid):
    deposit_id, _, event = paid
    bodies = [post_event(client, event).get_data(as_text=True)]
    for path in ("payment", "payment/history"):
        bodies.append(client.get(f"/api/v1/deposits/{deposit_id}/{path}", headers=cast["op_sh"]).get_data(as_text=True))
    bodies.append(client.post(f"/api/v1/deposits/{deposit_id}/payment/reconcile",
                              headers=cast["op_sh"]).get_data(as_text=True))
    for body in bodies:
        assert TEST_KEY not in body and WEBHOOK_SECRET not in body and "_secret_" not in body


def test_bidder_gets_the_client_secret_again_to_pay(client, cast, lot, pay, stripe_gateway):
    reg = lot.register("corp_member")
    deposit_id, ref = reg["deposit"]["id"], reg["deposit"]["reference"]
    r = client.post(f"/api/v1/deposits/{deposit_id}/payment/intent", headers=cast["corp_member"])
    assert r.status_code == 200
    body = r.get_json()
    assert body["reference"] == ref and body["client_secret"].startswith(ref + "_secret_")
    assert client.post(f"/api/v1/deposits/{deposit_id}/payment/intent",
                       headers=cast["op_sh"]).status_code == 403
    pay(ref)
    post_event(client, synthesised_event(stripe_gateway, ref, CAPTURABLE))
    assert client.post(f"/api/v1/deposits/{deposit_id}/payment/intent",
                       headers=cast["corp_member"]).status_code == 409


def test_registration_while_stripe_is_unreachable_stands_and_a_retry_gets_the_hold(client, cast, lot):
    from market.adapters.payments.stripe_gateway import StripeGateway
    down = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9", timeout=0.5, max_network_retries=0)
    real, lot.gateway = lot.gateway, down
    first = lot.register("corp_member")      # committed before Stripe is asked: no lock held on a dead call
    assert first["deposit"]["status"] == "pending"
    assert first["deposit"]["reference"] is None and first["deposit"]["client_secret"] is None
    lot.gateway = real
    again = lot.register("corp_member")
    assert again["id"] == first["id"] and again["deposit"]["id"] == first["deposit"]["id"]
    assert again["deposit"]["reference"].startswith("pi_") and again["deposit"]["client_secret"]


def test_deposit_without_an_intent_gets_one_when_the_bidder_pays(client, cast, lot, app, stripe_gateway):
    from sqlalchemy import update
    from market.adapters.orm_auctions import deposits
    reg = lot.register("corp_member")
    deposit_id = reg["deposit"]["id"]
    with app.extensions["market"].uow_factory() as uow:
        uow.session.execute(update(deposits).where(deposits.c.id == deposit_id).values(reference=None))
        uow.commit()
    r = client.post(f"/api/v1/deposits/{deposit_id}/payment/intent", headers=cast["corp_member"])
    assert r.status_code == 200
    ref = r.get_json()["reference"]
    assert ref.startswith("pi_") and ref != reg["deposit"]["reference"]
    assert deposit_state(client, cast, deposit_id)["reference"] == ref
    assert stripe_gateway.retrieve(ref).extra["metadata"]["deposit_id"] == str(deposit_id)


def test_no_secret_reaches_the_logs(client, cast, lot, pay, stripe_gateway, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    reg = lot.register("corp_member")
    deposit_id, ref = reg["deposit"]["id"], reg["deposit"]["reference"]
    pay(ref)
    event = synthesised_event(stripe_gateway, ref, CAPTURABLE)
    post_event(client, event)
    post_event(client, event, secret="whsec_not_ours")                  # a refused one is logged
    client.post(f"/api/v1/deposits/{deposit_id}/payment/reconcile", headers=cast["op_sh"])
    client.post(f"/api/v1/deposits/{deposit_id}/payment/intent", headers=cast["corp_member"])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "signature verification" in text or "refused" in text
    client_secret = reg["deposit"]["client_secret"]
    assert client_secret and "[redacted]" in text          # the stripe library logged bodies
    for secret in (TEST_KEY, WEBHOOK_SECRET, "whsec_not_ours", client_secret):
        assert secret not in text
