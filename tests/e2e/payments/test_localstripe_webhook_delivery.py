"""Webhooks localstripe really sends (payment_intent.succeeded after a capture,
payment_intent.payment_failed after a decline), delivered over HTTP to our endpoint running
in a real server and verified with our secret: the library's scheme matches the server's."""
import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from market.adapters.orm_payments import stripe_events
from market.services import auctions as auction_svc
from market.services import payments as pay_svc
from payments_world import synthesised_event
from stripe_e2e_settings import WEBHOOK_SECRET

WANTED = ["payment_intent.succeeded", "payment_intent.payment_failed"]


@pytest.fixture
def live_endpoint(app, e2e_localstripe):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/payments/stripe/webhook"
    e2e_localstripe.register_webhook("market-e2e", url, WEBHOOK_SECRET, WANTED)
    yield url
    e2e_localstripe.register_webhook("market-e2e", url, WEBHOOK_SECRET, ["none.none"])   # switch off
    server.shutdown()


def wait_for_event(app, event_type: str, timeout: float = 15.0) -> dict:
    """localstripe delivers about a second after the change; poll the table, do not time it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.extensions["market"].uow_factory() as uow:
            row = uow.session.execute(select(stripe_events).where(stripe_events.c.type == event_type)).first()
        if row:
            return dict(row._mapping)
        time.sleep(0.1)
    pytest.fail(f"localstripe did not deliver {event_type} within {timeout}s")


def test_capture_and_decline_webhooks_from_localstripe_are_verified_and_recorded(
        app, cast, lot, pay, stripe_gateway, live_endpoint):
    s = lot.services
    winner = lot.register("corp_member")
    ref = winner["deposit"]["reference"]
    pay(ref)
    pay_svc.handle_stripe_event(s.uow_factory, _parsed(synthesised_event(stripe_gateway, ref,
                                "payment_intent.amount_capturable_updated")), s.clock.now())
    loser = lot.register("corp_zj_member")
    import stripe
    with pytest.raises(stripe.CardError):
        pay(loser["deposit"]["reference"], "4000000000000341")
    failed = wait_for_event(app, "payment_intent.payment_failed")
    assert failed["deposit_id"] == loser["deposit"]["id"] and failed["outcome"] == "note"

    s.clock.advance(minutes=2)
    auction_svc.place_bid(s.uow_factory(), actor_id=cast.ids["corp_member"], lot_id=lot.id, clock=s.clock,
                          amount_fen=50_000_00)
    s.clock.advance(hours=2)
    assert auction_svc.close_lot(s.uow_factory(), lot.id, s.clock)["status"] == "sold"
    assert pay_svc.process_payment_outbox(s.uow_factory, stripe_gateway, s.clock.now()).done == 2
    succeeded = wait_for_event(app, "payment_intent.succeeded")
    assert succeeded["deposit_id"] == winner["deposit"]["id"]
    assert succeeded["outcome"] == "settle"
    view = pay_svc.deposit_payment(s.uow_factory(), actor_id=cast.ids["op_sh"],
                                   deposit_id=winner["deposit"]["id"])
    assert (view["status"], view["settlement"], view["captured_fen"]) == ("applied", "settled", 5_000_00)


def _parsed(event):
    from market.adapters.payments.webhooks import parse_event
    return parse_event(event)
