"""The pages' world, shared by tests/e2e/web and tests/browser: a published achievement and an
open lot with a bid."""
from __future__ import annotations


import pytest

from tests.e2e.auctions.auction_http import (bid, create_auction, hold_deposits, lot_terms, publish_achievement,
                                             run_scheduler_sweep)


@pytest.fixture
def market_day(app, client, cast, clock):
    """An SH achievement, published; an SH auction whose lot is open with one bid."""
    achievement_id = publish_achievement(client, cast, title="一种高镍三元正极材料的包覆改性方法")
    other_id = publish_achievement(client, cast, title="基于深度学习的钢材表面缺陷检测系统")
    auction_id = create_auction(client, cast)
    lot = client.post(f"/api/v1/auctions/{auction_id}/lots", headers=cast["op_sh"],
                      json=lot_terms(clock, achievement_id))
    assert lot.status_code == 201, lot.get_json()
    lot_id = lot.get_json()["id"]
    hold_deposits(client, cast, lot_id)
    clock.advance(hours=1, seconds=1)
    run_scheduler_sweep(app)
    first = bid(client, cast, "corp_member", lot_id, amount_fen=lot.get_json()["starting_price_fen"])
    assert first.status_code == 201, first.get_json()
    return {"achievement_id": achievement_id, "other_id": other_id, "auction_id": auction_id, "lot_id": lot_id}
