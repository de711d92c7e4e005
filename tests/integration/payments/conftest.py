"""localstripe fixtures: one server per test process, emptied before each test."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import stripe

from market.adapters.payments.stripe_gateway import StripeGateway

sys.path.append(str(Path(__file__).resolve().parent))   # after tests/ on the path: `conftest` stays the root one
from localstripe_proc import LocalStripe  # noqa: E402
from stripe_faults import FaultProxy  # noqa: E402

TEST_KEY = "sk_test_localstripe_only"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000002500003155"


@pytest.fixture(scope="session")
def localstripe_server():
    try:
        server = LocalStripe().start()
    except Exception as exc:  # pragma: no cover - environment problem, say so loudly
        pytest.skip(f"localstripe unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def localstripe(localstripe_server):
    localstripe_server.reset()
    return localstripe_server


@pytest.fixture
def gateway(localstripe):
    return StripeGateway(TEST_KEY, api_base=localstripe.url, timeout=5, max_network_retries=0)


@pytest.fixture
def fault_proxy(localstripe):
    proxy = FaultProxy(localstripe.url, slow_seconds=2.0).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def faulty_gateway(fault_proxy):
    """A gateway whose traffic goes through the fault proxy, with a short timeout."""
    return StripeGateway(TEST_KEY, api_base=fault_proxy.url, timeout=1.0, max_network_retries=0)


@pytest.fixture
def browser(localstripe):
    """What the bidder's browser does with Stripe.js: attach a card and confirm.

    localstripe refuses confirm(payment_method=...), so the method is set with an
    update first, which Stripe also accepts."""
    client = stripe.StripeClient(TEST_KEY, base_addresses={"api": localstripe.url})

    def pay(reference: str, card: str = CARD_OK) -> str:
        pm = client.v1.payment_methods.create({"type": "card", "card": {
            "number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
        client.v1.payment_intents.update(reference, {"payment_method": pm.id})
        try:
            return client.v1.payment_intents.confirm(reference).status
        except stripe.CardError:
            return "declined"

    pay.client = client
    return pay


@pytest.fixture
def pay_world(sqlite_url):
    from payments_world import build_world
    w = build_world(sqlite_url)
    yield w
    w.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pay_world_any(request, tmp_path):
    """The world on SQLite and on PostgreSQL (the foundation's fixtures make the databases)."""
    from payments_world import build_world
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    w = build_world(url)
    yield w
    w.engine.dispose()
