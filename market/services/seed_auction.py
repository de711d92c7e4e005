"""The demo auction for `make run` (`market seed-demo-auction`): built through the use cases, so
it is what an operator and three bidders would have made by hand."""
from __future__ import annotations

from datetime import datetime, timedelta

from .auction_common import FixedClock
from .auctions import add_lot, confirm_deposit, create_auction, register_for_lot
from .bidding import place_bid

DEMO_AUCTION_TITLE = "G60 科创走廊科技成果拍卖会（演示）"


def seed_demo_auction(uow, now: datetime) -> list[str]:
    """One live auction for `make run`: a lot in its free period with bids (one by proxy), a lot
    about to enter its timed window, and a lot opening later; three enterprises registered, their
    deposits confirmed by the SH operator. Runs each step in its own transaction; does nothing
    when the demo auction exists or the demo accounts are missing."""
    with uow:
        repo = uow.auctions
        operator = repo.demo_operator("SH")
        if operator is None:
            return ["demo auction skipped: no SH operator (run `market seed-demo` first)"]
        if any(a.title == DEMO_AUCTION_TITLE for a in repo.auctions("SH")):
            return ["demo auction already there"]
        items = repo.published_achievements("SH", limit=3)
        bidders = repo.enterprise_members(limit=3)
        operator_id = operator.id
        plan = [(a.id, a.title, a.price_fen) for a in items]
        bidder_ids = [u.id for u in bidders]
    if len(plan) < 3 or len(bidder_ids) < 2:
        return ["demo auction skipped: needs 3 published achievements and 2 enterprise members"]

    auction = create_auction(uow, actor_id=operator_id, market_code="SH", title=DEMO_AUCTION_TITLE,
                             description="限时竞价：自由报价期后进入限时报价期，每次有效出价重新计时（演示数据）。",
                             now=now)
    minute = timedelta(minutes=1)
    timings = [(now - 20 * minute, now + 10 * minute, 300),     # free period, bids coming
               (now - 30 * minute, now + 2 * minute, 120),      # timed window soon
               (now + 30 * minute, now + 90 * minute, 300)]     # opens later today
    lots = []
    for (achievement_id, _title, price), (starts, free_end, window) in zip(plan, timings):
        start = max(price or 0, 500_000_00)
        lots.append(add_lot(uow, actor_id=operator_id, auction_id=auction["id"],
                            achievement_id=achievement_id, starting_price_fen=start,
                            increment_fen=max(start // 100, 1_000_00), deposit_fen=min(start // 10, 50_000_00),
                            reserve_price_fen=start + start // 10, starts_at=starts,
                            free_period_ends_at=free_end, window_seconds=window,
                            now=now - 40 * minute))
    for lot in lots:
        for user_id in bidder_ids:
            reg = register_for_lot(uow, actor_id=user_id, lot_id=lot["id"], now=now - 35 * minute)
            confirm_deposit(uow, actor_id=operator_id, deposit_id=reg["deposit"]["id"],
                            now=now - 30 * minute, reference=f"DEMO-BANK-{reg['deposit']['id']}")
    clock = FixedClock(now)
    first, second = lots[0], lots[1]
    place_bid(uow, actor_id=bidder_ids[0], lot_id=first["id"], clock=clock,
              amount_fen=first["starting_price_fen"])
    place_bid(uow, actor_id=bidder_ids[1], lot_id=first["id"], clock=clock,
              max_amount_fen=first["starting_price_fen"] + 5 * first["increment_fen"])
    place_bid(uow, actor_id=bidder_ids[0], lot_id=first["id"], clock=clock,
              amount_fen=first["starting_price_fen"] + 2 * first["increment_fen"])
    place_bid(uow, actor_id=bidder_ids[-1], lot_id=second["id"], clock=clock,
              amount_fen=second["starting_price_fen"])
    return [f"demo auction {auction['id']} 「{DEMO_AUCTION_TITLE}」: lots "
            + ", ".join(str(lot["id"]) for lot in lots)
            + f"; live view GET /api/v1/auctions/{auction['id']}, feeds GET /api/v1/lots/{first['id']}/events and GET /api/v1/auctions/{auction['id']}/events"]
