"""Demo deals for `make run`: so that the statistics and the auction results are not empty on
first start. Registered technology contracts across the four provinces and the last six
quarters, and a finished auction whose lot sold, was signed and is published beside the live
demo auction. Everything goes through the same services as the API (recorded, then registered
by the seller's market; registered, bid, closed and signed), so the demo shows the rules at work.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from market.domain import taxonomy

from . import auctions as svc
from .auction_common import FixedClock
from .common import local_today
from .contracts import contracts_repo, record_direct_contract, register_contract

DEMO_QUARTERS = 6
FINISHED_AUCTION_TITLE = "长三角科技成果专场拍卖会（已结束，演示）"
_OPERATOR = {code: f"op-{code.lower()}@yrd.example" for code in taxonomy.MARKET_CODES}


def seed_demo_deals(uow_factory, now: datetime) -> list[str]:
    return seed_demo_contracts(uow_factory, now) + seed_finished_auction(uow_factory, now)


def _quarter_start(day: date, back: int) -> date:
    index = day.year * 4 + (day.month - 1) // 3 - back
    return date(index // 4, index % 4 * 3 + 1, 1)


def seed_demo_contracts(uow_factory, now: datetime) -> list[str]:
    """Two to three contracts a quarter for each university and institute, sold to enterprises
    of every province, each registered by the seller's market: the statistics' outflow, inflow,
    flows and quarters all have figures. Does nothing when contracts exist already."""
    with uow_factory() as uow:
        if contracts_repo(uow).list(per_page=1)[1]:
            return ["demo contracts skipped: contracts exist"]
        orgs = uow.organisations.list(per_page=100_000).items
        sellers = [(o.id, o.province) for o in orgs if o.lists_achievements]
        buyers = [o.id for o in orgs if o.posts_demands]
        operators = {code: u.id for code, email in _OPERATOR.items() if (u := uow.users.by_email(email))}
    market_of = {province: code for code, _, province in taxonomy.MARKETS}
    if not sellers or not buyers or len(operators) < len(taxonomy.MARKETS):
        return ["demo contracts skipped: run `market seed-demo` first"]
    rng, today, count = random.Random(1987), local_today(now), 0
    for back in range(DEMO_QUARTERS - 1, -1, -1):      # this quarter (up to today) and the five before
        start = _quarter_start(today, back)
        last_day = min(85, (today - start).days)
        for seller_id, province in sellers:
            for _ in range(rng.randint(2, 3)):
                amount = rng.choice([30, 50, 80, 120, 200, 500, 1200]) * 10_000_00
                operator = operators[market_of[province]]
                contract = record_direct_contract(uow_factory(), actor_id=operator, now=now, data={
                    "title": f"{rng.choice(list(taxonomy.FIELDS))}技术合同（演示）",
                    "contract_type": rng.choice(taxonomy.CONTRACT_TYPES), "field": rng.choice(taxonomy.FIELDS),
                    "seller_org_id": seller_id, "buyer_org_id": rng.choice(buyers),
                    "contract_amount_fen": amount, "tech_amount_fen": amount * rng.choice([6, 8, 10]) // 10,
                    "signed_on": start + timedelta(days=rng.randint(0, last_day))})
                register_contract(uow_factory(), actor_id=operator, contract_id=contract["id"], now=now)
                count += 1
    return [f"demo contracts: {count} registered over {DEMO_QUARTERS} quarters in the four markets"]


def seed_finished_auction(uow_factory, now: datetime) -> list[str]:
    """A JS auction held three days ago: one lot, two bidders, sold at the hammer, the
    confirmation signed (the sale is a contract) and the result published beside the live demo."""
    with uow_factory() as uow:
        if any(a.title == FINISHED_AUCTION_TITLE for a in uow.auctions.auctions("JS")):
            return ["finished demo auction already there"]
        operator = uow.users.by_email(_OPERATOR["JS"])
        item = next(iter(uow.auctions.published_achievements("JS", limit=1, newest=True)), None)
        bidders = uow.auctions.enterprise_members(limit=2, newest=True, active_only=False)
        if operator is None or item is None or len(bidders) < 2:
            return ["finished demo auction skipped: needs the JS operator, a published JS achievement and 2 enterprises"]
        operator_id, achievement_id, bidder_ids = operator.id, item.id, [u.id for u in bidders]
    held = now - timedelta(days=3)
    minute = timedelta(minutes=1)
    auction = svc.create_auction(uow_factory(), actor_id=operator_id, market_code="JS", now=held - 60 * minute,
                                 title=FINISHED_AUCTION_TITLE, description="已结束的演示拍卖：成交结果已公示。")
    start, step = 800_000_00, 20_000_00
    lot = svc.add_lot(uow_factory(), actor_id=operator_id, auction_id=auction["id"], achievement_id=achievement_id,
                      starting_price_fen=start, increment_fen=step, deposit_fen=80_000_00,
                      reserve_price_fen=start + step, starts_at=held, free_period_ends_at=held + 60 * minute,
                      window_seconds=300, now=held - 60 * minute)
    for user_id in bidder_ids:
        reg = svc.register_for_lot(uow_factory(), actor_id=user_id, lot_id=lot["id"], now=held - 50 * minute)
        svc.confirm_deposit(uow_factory(), actor_id=operator_id, deposit_id=reg["deposit"]["id"],
                            now=held - 40 * minute, reference=f"DEMO-BANK-{reg['deposit']['id']}")
    for k, user_id in enumerate([bidder_ids[0], bidder_ids[1], bidder_ids[0]]):
        svc.place_bid(uow_factory(), actor_id=user_id, lot_id=lot["id"], amount_fen=start + k * step,
                      clock=FixedClock(held + (10 + 10 * k) * minute))
    result = svc.close_lot(uow_factory(), lot["id"], FixedClock(held + 66 * minute))
    signed = svc.sign_confirmation(uow_factory(), actor_id=operator_id, confirmation_id=result["confirmation_id"],
                                   now=held + timedelta(days=1))
    if signed.get("contract_id"):
        register_contract(uow_factory(), actor_id=operator_id, contract_id=signed["contract_id"],
                          now=held + timedelta(days=2))
    return [f"finished demo auction {auction['id']}: lot {lot['id']} sold at "
            f"{result['hammer_price_fen'] // 100:,} yuan, confirmation signed, result published"]
