"""Closing a lot by hand (POST /lots/{id}/close): an act of the lot's market's operators (or the
regional admin); the scheduler closes lots on its own. Authorised here on who the caller is, not on
what the caller may read: the seller reads its own lot's reserve, yet may not close the lot."""
from __future__ import annotations

from market.domain.errors import NotFound

from .auctions import DEFAULT_RULES, AuctionRules, auctions_repo, close_lot
from .common import load_actor


def close_lot_by_hand(uow_factory, *, actor_id: int, lot_id: int, clock, rules: AuctionRules = DEFAULT_RULES,
                      bus=None) -> dict | None:
    """close_lot for an operator of the lot's market; None when the lot is not due or already closed."""
    with uow_factory() as uow:
        repo = auctions_repo(uow)
        lot = repo.lot(lot_id)
        if lot is None:
            raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
        load_actor(uow, actor_id).require_operator_of(repo.auction(lot.session_id).market_code)
    return close_lot(uow_factory(), lot_id, clock, rules, bus)
