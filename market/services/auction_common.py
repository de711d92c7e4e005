"""What the auction use cases share: the exchanges' deadlines (`AuctionRules`) and the small
lookups every one of them starts with (the operator, the lot or 404, the lot's market)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from market.domain.auctions import Lot
from market.domain.calendar import WorkingDayCalendar
from market.domain.errors import NotFound
from market.domain.statutory_calendar import StatutoryCalendar

from .common import load_actor

BIDDER_KINDS = ("enterprise",)   # 竞买人: enterprises register and bid


@dataclass(frozen=True)
class AuctionRules:
    """The exchanges' deadlines: the winner signs within `signing_working_days`, the other
    bidders' deposits are back within `deposit_release_working_days`, both counted on China's
    statutory working days (holidays and 调休 make-up days) plus the configured ones."""
    signing_working_days: int = 5
    deposit_release_working_days: int = 3
    calendar: WorkingDayCalendar = field(default_factory=StatutoryCalendar)


def rules_from_config(config: Mapping) -> AuctionRules:
    return AuctionRules(
        signing_working_days=int(config.get("SIGNING_DEADLINE_WORKING_DAYS", 5)),
        deposit_release_working_days=int(config.get("DEPOSIT_RELEASE_WORKING_DAYS", 3)),
        calendar=StatutoryCalendar(holidays=config.get("AUCTION_HOLIDAYS", ()),
                                   workdays=config.get("AUCTION_WORKDAYS", ())))


DEFAULT_RULES = AuctionRules()


def auctions_repo(uow):
    """Kept for callers written before `uow.auctions` existed: the unit of work's repository."""
    return uow.auctions


class FixedClock:
    """A clock stopped at `at`: the demo seeds place bids and close lots at chosen times."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


def now_of(clock) -> datetime:
    """A clock's time, or the time itself (callers pass either)."""
    return clock.now() if hasattr(clock, "now") else clock


def require_operator(uow, actor_id: int, market_code: str):
    user = load_actor(uow, actor_id)
    user.require_operator_of(market_code)
    return user


def lot_or_404(uow, lot_id: int, *, lock: bool = False) -> Lot:
    repo = uow.auctions
    lot = repo.lot_for_update(lot_id) if lock else repo.lot(lot_id)
    if lot is None:
        raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
    return lot


def market_of(uow, lot: Lot) -> str:
    return uow.auctions.auction(lot.session_id).market_code
