"""The demo data `make run` shows: one live auction on top of the foundation's demo seed."""
from __future__ import annotations

from market.adapters.clock import FrozenClock
from market.services import auctions as svc

from auction_world import T0


def test_demo_auction_is_live_with_bids_and_is_seeded_once(sqlite_url):
    from market import create_app
    from market.services.seed import seed_demo
    app = create_app("testing", DATABASE_URL=sqlite_url, CLOCK=FrozenClock(T0))
    s = app.extensions["market"]
    seed_demo(s.uow_factory, s.hasher, T0, listings=40)
    lines = svc.seed_demo_auction(s.uow_factory(), T0)
    assert "demo auction" in lines[0]
    assert svc.seed_demo_auction(s.uow_factory(), T0) == ["demo auction already there"]
    auction = svc.list_auctions(s.uow_factory(), market_code="SH", now=T0)[0]
    view = svc.get_auction(s.uow_factory(), auction["id"], now=T0)
    phases = [lot["phase"] for lot in view["lots"]]
    assert view["status"] == "live" and phases == ["free_period", "free_period", "scheduled"]
    first = view["lots"][0]
    assert first["bid_count"] >= 3 and first["current_price_fen"] > first["starting_price_fen"]
    s.extra["engine"].dispose()
