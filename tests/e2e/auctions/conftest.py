"""Fixtures of the auction e2e tests."""
from __future__ import annotations

import pytest

from auction_http import create_auction, lot_terms, publish_achievement


@pytest.fixture
def day(app, client, cast, clock):
    """A published achievement of the university and an SH auction with one lot."""
    achievement_id = publish_achievement(client, cast)
    auction_id = create_auction(client, cast)
    lot = client.post(f"/api/v1/auctions/{auction_id}/lots", headers=cast["op_sh"],
                      json=lot_terms(clock, achievement_id))
    assert lot.status_code == 201, lot.get_json()
    return {"auction_id": auction_id, "lot_id": lot.get_json()["id"], "achievement_id": achievement_id}
