"""E2E payment fixtures: the app with StripeGateway pointed at localstripe, a webhook secret,
and an SH auction lot that the cast's enterprises register for."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from market.adapters.payments.stripe_gateway import StripeGateway

sys.path.append(str(Path(__file__).resolve().parents[2] / "integration" / "payments"))
sys.path.append(str(Path(__file__).resolve().parent))
from localstripe_proc import LocalStripe  # noqa: E402
from stripe_e2e_settings import TEST_KEY, WEBHOOK_SECRET  # noqa: E402


@pytest.fixture(scope="session")
def e2e_localstripe():
    try:
        server = LocalStripe().start()
    except Exception as exc:  # pragma: no cover
        pytest.skip(f"localstripe unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def app_config(tmp_path, e2e_localstripe):
    e2e_localstripe.reset()
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "STRIPE_SECRET_KEY": TEST_KEY,
            "STRIPE_API_BASE": e2e_localstripe.url, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}


@pytest.fixture
def stripe_gateway(app, e2e_localstripe):
    """The app's gateway; installed here if create_app did not build one from the config."""
    svc = app.extensions["market"]
    if getattr(svc.payment_gateway, "name", None) != "stripe":
        svc.payment_gateway = StripeGateway(TEST_KEY, api_base=e2e_localstripe.url, timeout=5,
                                            max_network_retries=0)
    return svc.payment_gateway


@pytest.fixture
def pay(e2e_localstripe):
    """The bidder's browser confirming the intent with a card."""
    import stripe
    client = stripe.StripeClient(TEST_KEY, base_addresses={"api": e2e_localstripe.url})

    def confirm(reference: str, card: str = "4242424242424242") -> str:
        pm = client.v1.payment_methods.create({"type": "card", "card": {
            "number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
        client.v1.payment_intents.update(reference, {"payment_method": pm.id})
        return client.v1.payment_intents.confirm(reference).status
    return confirm


class Lot:
    def __init__(self, app, cast, gateway, lot_id):
        self.app, self.cast, self.gateway, self.id = app, cast, gateway, lot_id

    @property
    def services(self):
        return self.app.extensions["market"]

    def register(self, member: str) -> dict:
        from market.services import auctions as auction_svc
        s = self.services
        return auction_svc.register_for_lot(s.uow_factory(), actor_id=self.cast.ids[member], lot_id=self.id,
                                            now=s.clock.now(), gateway=self.gateway)


@pytest.fixture
def lot(app, cast, stripe_gateway):
    from market.domain.achievements import Achievement
    from market.services import auctions as auction_svc
    s = app.extensions["market"]
    now = s.clock.now()
    with s.uow_factory() as uow:
        a = Achievement(title="一种锂电池正极材料回收工艺", holder_id=cast.orgs["uni"], market_code="SH",
                        field="新能源与高效节能", ip_type="发明专利", now=now, province="上海")
        a.publish_imported(None, now)
        uow.session.add(a)
        uow.commit()
        achievement_id = a.id
    auction_id = auction_svc.create_auction(s.uow_factory(), actor_id=cast.ids["op_sh"], market_code="SH",
                                            title="上海专场", now=now)["id"]
    starts = now + timedelta(minutes=1)
    lot_id = auction_svc.add_lot(s.uow_factory(), actor_id=cast.ids["op_sh"], auction_id=auction_id,
                                 achievement_id=achievement_id, starting_price_fen=50_000_00,
                                 increment_fen=1_000_00, deposit_fen=5_000_00, starts_at=starts,
                                 free_period_ends_at=starts + timedelta(minutes=30), window_seconds=60,
                                 now=now)["id"]
    return Lot(app, cast, stripe_gateway, lot_id)
