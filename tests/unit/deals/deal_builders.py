"""Plain domain objects for the deal rules' unit tests (no database, a frozen `now`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from market.domain.accounts import Organisation, User
from market.domain.achievements import Achievement
from market.domain.deals import Agreement, Interest

# Monday 3 March 2025, 10:00 in Shanghai
NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def org(ident: int, kind: str, name: str = "机构", province: str = "上海", **kw) -> Organisation:
    o = Organisation(name=f"{name}{ident}", kind=kind, province=province, **kw)
    o.id = ident
    return o


def user(ident: int, role: str = "member", organisation: Organisation | None = None,
         market: str | None = None) -> User:
    u = User(email=f"u{ident}@example.cn", display_name=f"u{ident}", password_hash="x", role=role,
             organisation_id=organisation.id if organisation else None, market_code=market)
    u.id, u.organisation = ident, organisation
    return u


class World:
    """A university holding a published achievement on SH, two companies, an SH operator."""

    def __init__(self, seller_kind: str = "university", **seller_kw):
        self.uni = org(1, seller_kind, "沪东理工大学", **seller_kw)
        self.corp = org(2, "enterprise", "苏州精密传感", "江苏")
        self.corp2 = org(3, "enterprise", "杭州云栖", "浙江")
        self.holder = user(10, organisation=self.uni)
        self.buyer = user(11, organisation=self.corp)
        self.buyer2 = user(12, organisation=self.corp2)
        self.op_sh = user(20, "operator", market="SH")
        self.op_js = user(21, "operator", market="JS")
        self.admin = user(30, "admin")
        a = Achievement(title="一种石墨烯散热膜的制备方法", holder_id=self.uni.id, market_code="SH",
                        field="新材料", ip_type="发明专利", now=NOW, price_fen=5_000_000,
                        transfer_modes=["转让", "普通许可"])
        a.id = 100
        a.submit(10, NOW)
        a.approve(20, NOW)
        self.achievement = a

    def negotiation(self, buyer=None, org_=None, now=NOW):
        interest = Interest(achievement=self.achievement, buyer_org=org_ or self.corp, user=buyer or self.buyer,
                            message="希望洽谈转让", now=now)
        interest.id = 1
        negotiation = interest.accept(self.holder, now)
        negotiation.id = 1
        return negotiation

    def agreement(self, now=NOW, price_fen=4_500_000):
        n = self.negotiation(now=now)
        offer = n.propose(self.buyer, price_fen=price_fen, transfer_mode="转让", now=now)
        offer.id = 1
        n.accept(self.holder, offer, now + timedelta(hours=1))
        return Agreement(negotiation=n, offer=offer, publicly_funded=self.uni.publicly_funded,
                         now=now + timedelta(hours=1))
