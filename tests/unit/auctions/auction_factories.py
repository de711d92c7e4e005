"""Builders for the pure auction rules: a lot on a fixed time and registered bidders."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from market.domain.auctions import Bidder, Lot

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)   # Monday 10:00 in Shanghai
SELLER = 100


def make_lot(**overrides) -> Lot:
    fields = dict(achievement_id=1, seller_id=SELLER, title="一种固态电池电解质",
                  starting_price_fen=100_000_00, increment_fen=5_000_00,
                  reserve_price_fen=None, deposit_fen=20_000_00,
                  starts_at=T0, free_period_ends_at=T0 + timedelta(hours=1),
                  window_seconds=300, created_at=T0 - timedelta(days=3))
    fields.update(overrides)
    return Lot(**fields)


class Bidders:
    """Registers organisations for a lot and hands out Bidder values, deposits held."""

    def __init__(self, lot: Lot, now: datetime):
        self.lot = lot
        self.now = now
        self.registrations = {}

    def __call__(self, org_id: int, *, held: bool = True) -> Bidder:
        if org_id not in self.registrations:
            reg = self.lot.register(bidder_id=org_id, user_id=org_id * 10,
                                    paddle_no=len(self.registrations) + 1, now=self.now)
            if held:
                reg.deposit.hold(self.now)
            self.registrations[org_id] = reg
        return Bidder(org_id, org_id * 10, self.registrations[org_id])
