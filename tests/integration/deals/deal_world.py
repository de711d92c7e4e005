"""A deal world built through the services on a real database: a publicly funded university
with published achievements on SH, companies wanting them, the SH operator, an auction session."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from market.services import accounts, achievements
from market.services import auctions as auction_svc
from market.services import deals as svc

# Monday 3 March 2025, 10:00 in Shanghai
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


class PlainHasher:
    def hash(self, password):
        return "plain:" + password

    def verify(self, hashed, password):
        return hashed == "plain:" + password


@dataclass
class DealWorld:
    uow: object
    holder_id: int = 0
    operator_id: int = 0
    buyer_ids: list[int] = field(default_factory=list)
    achievement_ids: list[int] = field(default_factory=list)
    auction_ids: list[int] = field(default_factory=list)


def build_world(uow_factory, *, achievements_count: int, buyers: int, at: datetime = T0) -> DealWorld:
    w = DealWorld(uow=uow_factory)
    hasher = PlainHasher()

    def user(email, role, org_id=None, market=None):
        return accounts.create_user(uow_factory(), hasher, email=email, password="correct-horse-42",
                                    display_name=email, role=role, organisation_id=org_id, market_code=market,
                                    now=at)["id"]

    uni = accounts.create_organisation(uow_factory(), name="沪东理工大学", kind="university", province="上海", now=at)
    w.holder_id = user("holder@example.cn", "member", uni["id"])
    w.operator_id = user("op@example.cn", "operator", market="SH")
    for i in range(buyers):
        corp = accounts.create_organisation(uow_factory(), name=f"企业{i}", kind="enterprise", province="江苏", now=at)
        w.buyer_ids.append(user(f"buyer{i}@example.cn", "member", corp["id"]))
    for i in range(achievements_count):
        ident = achievements.create_achievement(uow_factory(), actor_id=w.holder_id, now=at, data={
            "title": f"一种高导热复合材料的制备方法 {i}", "ip_type": "发明专利", "field": "新材料",
            "transfer_modes": ["转让"], "price_fen": 10_000_000})["id"]
        achievements.submit_achievement(uow_factory(), actor_id=w.holder_id, achievement_id=ident, now=at)
        achievements.review_achievement(uow_factory(), actor_id=w.operator_id, achievement_id=ident,
                                        decision="approve", now=at)
        w.achievement_ids.append(ident)
        # a session per achievement: lots racing into one session collide on their lot number
        w.auction_ids.append(auction_svc.create_auction(uow_factory(), actor_id=w.operator_id, market_code="SH",
                                                        title=f"三月专场 {i}", now=at)["id"])
    return w


def open_offer(w: DealWorld, buyer_id: int, achievement_id: int, price_fen: int = 9_000_000,
               at: datetime = T0) -> int:
    """Interest, accepted by the holder, and the buyer's offer: returns the offer's id."""
    interest = svc.register_interest(w.uow(), actor_id=buyer_id, achievement_id=achievement_id,
                                     message="希望洽谈", now=at)
    negotiation = svc.accept_interest(w.uow(), actor_id=w.holder_id, interest_id=interest["id"], now=at)
    return svc.make_offer(w.uow(), actor_id=buyer_id, negotiation_id=negotiation["id"],
                          terms={"price_fen": price_fen, "transfer_mode": "转让"}, now=at)["id"]


def lot_terms(achievement_id: int) -> dict:
    return dict(achievement_id=achievement_id, starting_price_fen=1_000_000, increment_fen=100_000,
                deposit_fen=100_000, starts_at=T0 + timedelta(days=7),
                free_period_ends_at=T0 + timedelta(days=7, hours=1), window_seconds=300, now=T0)
