"""The cast and the resources the role matrix calls operations on, and one recipe per operation.

Every cell gets fresh resources (built over HTTP by their owners), so what one cell changes never
decides another. A recipe returns a `Call`: the path parameters, body, and the market the resource
belongs to (which decides who "operator" and "other_operator" are)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import role_world_signup
from role_matrix import ADMIN, ANON, ENT, OP, OTHER_OP, UNI

from market.domain.auctions import SHANGHAI

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
PASSWORD = "correct-horse-42"
START, INC = 500_000_00, 10_000_00
ACHIEVEMENT = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": "导热系数提高百分之四十。",
               "ip_type": "发明专利", "field": "新材料", "market_code": "SH", "price_fen": START}
DEMAND = {"title": "寻求MEMS压力传感器晶圆级封装技术", "description": "提升封装良率。", "field": "电子信息",
          "budget_min_fen": 50_000_000, "budget_max_fen": 100_000_000, "deadline": "2025-12-31"}
CONTRACT = {"title": "柔性显示驱动芯片技术开发", "contract_type": "技术开发", "field": "电子信息",
            "contract_amount_fen": 2_000_000_00, "tech_amount_fen": 1_500_000_00, "signed_on": "2025-02-18"}
REGISTER_CSV = ("external_id,title,contract_type,field,seller_name,seller_province,buyer_name,buyer_province,"
                "contract_amount,tech_amount,signed_on,registration_number\n"
                "SH-{n},数控机床误差补偿技术转让,技术转让,先进制造,沪东装备有限公司,上海,皖北机械有限公司,安徽,"
                "30万元,30万元,2025-08-08,2025310500000{n:03d}\n")
OTHER_MARKET = {"SH": "ZJ", "JS": "AH", "ZJ": "SH", "AH": "JS"}
DEFAULT_OK = frozenset(range(200, 300)) | {409, 422}
DEALS, NOTICES = "/api/v1/deals", "/api/v1/publicity-notices"
WEBHOOK = {"url": "https://hooks.example.cn/yrd", "event_types": ["listing.published"], "market_code": "SH"}
OFFER = {"price_fen": 70_000_000, "transfer_mode": "转让", "payment_terms": "签约后30日内一次付清"}
IN_PUBLICITY = timedelta(days=1)          # the period opens at 00:00 of the next Shanghai day
PAST_PUBLICITY = timedelta(days=20)       # after the 15 days (tokens live longer: TOKEN_TTL_HOURS)


@dataclass
class Call:
    params: dict = field(default_factory=dict)
    market: str = "SH"
    json: object = None
    files: dict | None = None                # multipart: name -> (bytes, filename)
    query: dict | None = None
    fresh_user: bool = False                 # the role acts through a user of its own (the call ends sessions)
    ok: frozenset = DEFAULT_OK               # statuses that show the role got through
    refusals: frozenset = frozenset()        # 409 refusal codes that mean "not you" (the bid route's)
    stream: bool = False
    clock_offset: timedelta | None = None    # the call happens this much later (then the clock comes back)


def iso(dt):
    return dt.astimezone(SHANGHAI).isoformat()


class World:
    """Organisations and users of every role, logged in once; builders of fresh resources."""

    def __init__(self, app, client, clock):
        self.app, self.client, self.clock = app, client, clock
        self.headers: dict[str, dict] = {}
        self.orgs: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self._n = itertools.count(1)
        from market.services.accounts import create_organisation
        s = app.extensions["market"]
        for key, name, kind, province in (("uni", "沪东理工大学", "university", "上海"),
                                          ("corp", "苏州精密传感有限公司", "enterprise", "江苏")):
            self.orgs[key] = create_organisation(s.uow_factory(), name=name, kind=kind, province=province,
                                                 now=clock.now())["id"]
        self.user("uni_member", "member", organisation="uni")
        self.user("corp_member", "member", organisation="corp")
        for code in ("SH", "JS", "ZJ", "AH"):
            self.user(f"op_{code.lower()}", "operator", market=code)
        self.user("admin", "admin")

    # --- people ---------------------------------------------------------------------------
    def user(self, key, role, organisation=None, market=None) -> dict:
        from market.services.accounts import create_user
        s = self.app.extensions["market"]
        email = f"{key}@example.cn"
        view = create_user(s.uow_factory(), s.hasher, email=email, password=PASSWORD, display_name=key, role=role,
                           organisation_id=self.orgs.get(organisation), market_code=market, now=s.clock.now())
        self.ids[key] = view["id"]
        self.headers[key] = self.login(email)
        return view

    def login(self, email) -> dict:
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    @staticmethod
    def user_key(role: str, market: str) -> str | None:
        return {ANON: None, UNI: "uni_member", ENT: "corp_member", OP: f"op_{market.lower()}",
                OTHER_OP: f"op_{OTHER_MARKET[market].lower()}", ADMIN: "admin"}[role]

    def fresh(self, role: str, market: str) -> dict:
        """A new user standing in the same role (for calls that end the user's sessions)."""
        key = f"{role}_{next(self._n)}"
        kind = {UNI: ("member", "uni", None), ENT: ("member", "corp", None), OP: ("operator", None, market),
                OTHER_OP: ("operator", None, OTHER_MARKET[market]), ADMIN: ("admin", None, None)}[role]
        self.user(key, kind[0], organisation=kind[1], market=kind[2])
        return self.headers[key]

    def fresh_email(self) -> str:
        key = f"target_{next(self._n)}"
        self.user(key, "admin")
        return f"{key}@example.cn"

    # --- resources (built by their owners) ---------------------------------------------------
    def ok(self, method, path, who, **kw) -> dict:
        response = self.client.open(path, method=method, headers=self.headers[who], **kw)
        assert response.status_code in (200, 201), (method, path, response.status_code, response.get_json())
        return response.get_json()

    def achievement(self, status="draft") -> int:
        ident = self.ok("POST", "/api/v1/achievements", "uni_member", json=ACHIEVEMENT)["id"]
        if status != "draft":
            self.ok("POST", f"/api/v1/achievements/{ident}/submit", "uni_member")
        if status in ("published", "withdrawn"):
            self.ok("POST", f"/api/v1/achievements/{ident}/review", "op_sh", json={"decision": "approve"})
        if status == "withdrawn":
            self.ok("POST", f"/api/v1/achievements/{ident}/withdraw", "uni_member", json={"reason": "暂不转让"})
        return ident

    def notification(self) -> int:
        """A notification of the university member (its achievement was approved)."""
        self.achievement("published")
        return self.ok("GET", "/api/v1/notifications", "uni_member")["items"][0]["id"]

    def unsubscribe_token(self) -> str:
        from market.domain.notifications import unsubscribe_token
        return unsubscribe_token(self.app.config["UNSUBSCRIBE_SECRET"], self.ids["uni_member"], "outbid")

    def watch(self) -> int:
        body = {"target_type": "achievement", "target_id": self.achievement("published")}
        return self.ok("POST", "/api/v1/watches", "uni_member", json=body)["items"][-1]["id"]

    def saved_search(self) -> int:
        return self.ok("POST", "/api/v1/saved-searches", "uni_member", json={"query": "散热膜"})["id"]

    def demand(self, status="draft") -> int:
        ident = self.ok("POST", "/api/v1/demands", "corp_member", json=DEMAND)["id"]
        if status != "draft":
            self.ok("POST", f"/api/v1/demands/{ident}/submit", "corp_member")
        if status == "open":
            self.ok("POST", f"/api/v1/demands/{ident}/review", "op_js", json={"decision": "approve"})
        return ident

    def auction(self) -> int:
        return self.ok("POST", "/api/v1/auctions", "op_sh", json={"market_code": "SH", "title": "G60 科创走廊专场"})["id"]

    def lot_body(self, achievement_id=None) -> dict:
        t0 = self.clock.now()
        body = {"starting_price_fen": START, "increment_fen": INC, "deposit_fen": 50_000_00,
                "starts_at": iso(t0 + timedelta(hours=1)), "free_period_ends_at": iso(t0 + timedelta(hours=2)),
                "window_seconds": 300}
        if achievement_id is not None:
            body["achievement_id"] = achievement_id
        return body

    def lot(self) -> int:
        auction_id, achievement_id = self.auction(), self.achievement("published")
        return self.ok("POST", f"/api/v1/auctions/{auction_id}/lots", "op_sh", json=self.lot_body(achievement_id))["id"]

    def deposit(self, lot_id=None) -> int:
        lot_id = lot_id or self.lot()
        return self.ok("POST", f"/api/v1/lots/{lot_id}/registrations", "corp_member")["deposit"]["id"]

    def cancelled_lot(self) -> int:
        lot_id = self.lot()
        self.ok("POST", f"/api/v1/lots/{lot_id}/cancel", "op_sh", json={"reason": "卖方撤回"})
        return lot_id

    def confirmation(self) -> int:
        """A lot sold to the enterprise (the clock travels past its end and comes back)."""
        lot_id = self.lot()
        self.ok("POST", f"/api/v1/deposits/{self.deposit(lot_id)}/confirm", "op_sh", json={"reference": "BANK-1"})
        back = self.clock.now()
        try:
            self.clock.set(back + timedelta(hours=1, minutes=5))
            self.ok("POST", f"/api/v1/lots/{lot_id}/bids", "corp_member", json={"amount_fen": START})
            self.clock.set(back + timedelta(hours=3))
            self.ok("POST", f"/api/v1/lots/{lot_id}/close", "op_sh")
        finally:
            self.clock.set(back)
        auction = self.ok("GET", f"/api/v1/lots/{lot_id}", "op_sh")["auction_id"]
        lots = self.ok("GET", f"/api/v1/auctions/{auction}", "op_sh")["lots"]
        return next(v["confirmation"]["id"] for v in lots if v["id"] == lot_id)

    def contract(self, status="submitted") -> int:
        body = {**CONTRACT, "seller_org_id": self.orgs["uni"], "buyer_org_id": self.orgs["corp"]}
        ident = self.ok("POST", "/api/v1/contracts", "uni_member", json=body)["id"]
        if status == "registered":
            self.ok("POST", f"/api/v1/contracts/{ident}/register", "op_sh", json={})
        elif status == "refused":
            self.ok("POST", f"/api/v1/contracts/{ident}/refuse", "op_sh", json={"reason": "金额有误"})
        return ident

    def register_csv(self) -> dict:
        return {"file": (REGISTER_CSV.format(n=next(self._n)).encode(), "sh_register.csv")}

    def contract_import(self) -> int:
        return self.ok("POST", "/api/v1/contracts/imports/SH", "op_sh", content_type="multipart/form-data",
                       data=_multipart(self.register_csv()))["id"]

    def feed_file(self) -> dict:
        return {"file": ((FEEDS / "js_achievements.csv").read_bytes(), "js_achievements.csv")}

    def feed_import(self) -> int:
        return self.ok("POST", "/api/v1/markets/JS/imports", "op_js", content_type="multipart/form-data",
                       data=_multipart(self.feed_file()))["id"]

    # --- deals by agreement (the SH university holds, the JS enterprise buys; listed in SH) ----
    def interest(self) -> int:
        body = {"achievement_id": self.achievement("published"), "message": "希望洽谈独家转让"}
        return self.ok("POST", f"{DEALS}/interests", "corp_member", json=body)["id"]

    def negotiation(self) -> int:
        return self.ok("POST", f"{DEALS}/interests/{self.interest()}/accept", "uni_member")["id"]

    def offer(self) -> int:
        """An open offer of the enterprise's: the university is the side that answers it."""
        return self.ok("POST", f"{DEALS}/negotiations/{self.negotiation()}/offers", "corp_member", json=OFFER)["id"]

    def agreement(self) -> dict:
        """The university is publicly funded: the agreement opens a publicity notice."""
        return self.ok("POST", f"{DEALS}/offers/{self.offer()}/accept", "uni_member")

    def signable_agreement(self) -> int:
        """An agreement whose publicity ended with no objection (the scheduler's sweep, run later)."""
        from market.services.publicity import sweep_publicity
        agreement = self.agreement()
        back = self.clock.now()
        try:
            self.clock.set(back + PAST_PUBLICITY)
            for _ in range(2):                                   # opens, then ends the period
                sweep_publicity(self.app.extensions["market"].uow_factory, self.clock)
        finally:
            self.clock.set(back)
        assert self.ok("GET", f"{DEALS}/agreements/{agreement['id']}", "op_sh")["status"] == "signable"
        return agreement["id"]

    def subscription(self) -> int:
        """An SH webhook subscription (made by SH's operator)."""
        return self.ok("POST", "/api/v1/webhooks", "op_sh", json=WEBHOOK)["id"]

    def delivery(self) -> tuple[int, int]:
        """(subscription, delivery): a published listing fanned out to a fresh subscription."""
        from market.services.federation.webhooks import fan_out
        s = self.app.extensions["market"]
        subscription_id = self.subscription()
        self.achievement("published")
        fan_out(s.uow_factory(), s.clock.now(), s.extra["webhook_policy"])
        log = self.ok("GET", f"/api/v1/webhooks/{subscription_id}/deliveries", "op_sh")
        return subscription_id, log["items"][0]["id"]

    def objection(self) -> int:
        """An objection of another market's operator, filed on the period's first day."""
        notice_id = self.agreement()["publicity_notice_id"]
        back = self.clock.now()
        try:
            self.clock.set(back + IN_PUBLICITY)
            return self.ok("POST", f"{NOTICES}/{notice_id}/objections", "op_zj", json={"reason": "价格偏低"})["id"]
        finally:
            self.clock.set(back)


def _multipart(files: dict) -> dict:
    return {name: (BytesIO(content), filename) for name, (content, filename) in files.items()}


def _contract_body(w):
    return {**CONTRACT, "seller_org_id": w.orgs["uni"], "buyer_org_id": w.orgs["corp"]}


RECIPES = {
    "POST /api/v1/auth/login": lambda w: Call(json={"email": w.fresh_email(), "password": PASSWORD}),
    "POST /api/v1/auth/logout": lambda w: Call(fresh_user=True),
    "POST /api/v1/auth/logout-everywhere": lambda w: Call(fresh_user=True),
    "POST /api/v1/auth/password": lambda w: Call(fresh_user=True, json={
        "current_password": PASSWORD, "new_password": "new-river-stone-88"}),
    "GET /api/v1/auth/me": lambda w: Call(),
    "GET /api/v1/markets": lambda w: Call(),
    "GET /api/v1/organisations": lambda w: Call(),
    "POST /api/v1/organisations": lambda w: Call(json={"name": f"新机构{next(w._n)}", "kind": "enterprise",
                                                       "province": "浙江"}),
    "GET /api/v1/organisations/{org_id}": lambda w: Call(params={"org_id": w.orgs["uni"]}),
    "POST /api/v1/users": lambda w: Call(json={"email": f"new{next(w._n)}@example.cn", "password": PASSWORD,
                                               "display_name": "新人", "role": "admin"}),
    "POST /api/v1/users/{user_id}/password-reset": lambda w: Call(
        params={"user_id": w.ids[w.fresh_email().split("@")[0]]}),
    "GET /api/v1/achievements": lambda w: Call(),
    "POST /api/v1/achievements": lambda w: Call(json=ACHIEVEMENT),
    "GET /api/v1/achievements/mine": lambda w: Call(),
    "GET /api/v1/achievements/review-queue": lambda w: Call(),
    "GET /api/v1/achievements/{achievement_id}": lambda w: Call(params={"achievement_id": w.achievement("published")}),
    "PATCH /api/v1/achievements/{achievement_id}": lambda w: Call(params={"achievement_id": w.achievement()},
                                                                  json={"abstract": "补充了中试数据。"}),
    "GET /api/v1/achievements/{achievement_id}/history": lambda w: Call(params={"achievement_id": w.achievement("pending")}),
    "POST /api/v1/achievements/{achievement_id}/submit": lambda w: Call(params={"achievement_id": w.achievement()}),
    "POST /api/v1/achievements/{achievement_id}/review": lambda w: Call(
        params={"achievement_id": w.achievement("pending")}, json={"decision": "approve"}),
    "POST /api/v1/achievements/{achievement_id}/withdraw": lambda w: Call(
        params={"achievement_id": w.achievement("published")}, json={"reason": "暂不转让"}),
    "POST /api/v1/achievements/{achievement_id}/reopen": lambda w: Call(params={"achievement_id": w.achievement("withdrawn")}),
    "GET /api/v1/achievements/{achievement_id}/matches": lambda w: Call(params={"achievement_id": w.achievement("published")}),
    "GET /api/v1/demands": lambda w: Call(market="JS"),
    "POST /api/v1/demands": lambda w: Call(market="JS", json=DEMAND),
    "GET /api/v1/demands/mine": lambda w: Call(market="JS"),
    "GET /api/v1/demands/review-queue": lambda w: Call(market="JS"),
    "GET /api/v1/demands/{demand_id}": lambda w: Call(market="JS", params={"demand_id": w.demand("open")}),
    "PATCH /api/v1/demands/{demand_id}": lambda w: Call(market="JS", params={"demand_id": w.demand()},
                                                        json={"description": "补充了工艺要求。"}),
    "GET /api/v1/demands/{demand_id}/history": lambda w: Call(market="JS", params={"demand_id": w.demand("pending")}),
    "POST /api/v1/demands/{demand_id}/submit": lambda w: Call(market="JS", params={"demand_id": w.demand()}),
    "POST /api/v1/demands/{demand_id}/review": lambda w: Call(market="JS", params={"demand_id": w.demand("pending")},
                                                              json={"decision": "approve"}),
    "POST /api/v1/demands/{demand_id}/close": lambda w: Call(market="JS", params={"demand_id": w.demand("open")},
                                                             json={"reason": "已找到合作方"}),
    "GET /api/v1/demands/{demand_id}/matches": lambda w: Call(market="JS", params={"demand_id": w.demand("open")}),
    "GET /api/v1/contracts": lambda w: Call(),
    "POST /api/v1/contracts": lambda w: Call(json=_contract_body(w)),
    "POST /api/v1/contracts/demand-deals": lambda w: Call(market="JS", json={
        **CONTRACT, "demand_id": w.demand("open"), "seller_org_id": w.orgs["uni"]}),
    "GET /api/v1/contracts/{contract_id}": lambda w: Call(params={"contract_id": w.contract()}),
    "PATCH /api/v1/contracts/{contract_id}": lambda w: Call(params={"contract_id": w.contract()},
                                                            json={"tech_amount_fen": 1_400_000_00}),
    "POST /api/v1/contracts/{contract_id}/register": lambda w: Call(params={"contract_id": w.contract()}, json={}),
    "POST /api/v1/contracts/{contract_id}/refuse": lambda w: Call(params={"contract_id": w.contract()},
                                                                  json={"reason": "金额有误"}),
    "POST /api/v1/contracts/{contract_id}/revoke": lambda w: Call(params={"contract_id": w.contract("registered")},
                                                                  json={"reason": "合同解除"}),
    "POST /api/v1/contracts/{contract_id}/resubmit": lambda w: Call(params={"contract_id": w.contract("refused")}),
    "GET /api/v1/contracts/imports/{market_code}": lambda w: Call(params={"market_code": "SH"}),
    "POST /api/v1/contracts/imports/{market_code}": lambda w: Call(params={"market_code": "SH"}, files=w.register_csv()),
    "GET /api/v1/contracts/imports/{market_code}/{run_id}": lambda w: Call(
        params={"market_code": "SH", "run_id": w.contract_import()}),
    "GET /api/v1/stats/contracts": lambda w: Call(),
    "GET /api/v1/stats/flows": lambda w: Call(),
    "GET /api/v1/markets/{code}/imports": lambda w: Call(market="JS", params={"code": "JS"}),
    "POST /api/v1/markets/{code}/imports": lambda w: Call(market="JS", params={"code": "JS"}, files=w.feed_file()),
    "GET /api/v1/markets/{code}/imports/{run_id}": lambda w: Call(market="JS",
                                                                   params={"code": "JS", "run_id": w.feed_import()}),
    "GET /api/v1/auctions": lambda w: Call(),
    "POST /api/v1/auctions": lambda w: Call(json={"market_code": "SH", "title": "长三角专场"}),
    "GET /api/v1/auctions/{auction_id}": lambda w: Call(params={"auction_id": w.auction()}),
    "POST /api/v1/auctions/{auction_id}/lots": lambda w: Call(params={"auction_id": w.auction()},
                                                              json=w.lot_body(w.achievement("published"))),
    "GET /api/v1/lots/{lot_id}": lambda w: Call(params={"lot_id": w.lot()}),
    "GET /api/v1/lots/{lot_id}/bids": lambda w: Call(params={"lot_id": w.lot()}),
    "POST /api/v1/lots/{lot_id}/bids": lambda w: _bid(w),
    "POST /api/v1/lots/{lot_id}/registrations": lambda w: Call(params={"lot_id": w.lot()}),
    "POST /api/v1/lots/{lot_id}/cancel": lambda w: Call(params={"lot_id": w.lot()}, json={"reason": "卖方撤回"}),
    "POST /api/v1/lots/{lot_id}/close": lambda w: Call(params={"lot_id": w.lot()},      # due: past its end
                                                       clock_offset=timedelta(hours=3)),
    "POST /api/v1/lots/{lot_id}/reoffer": lambda w: Call(params={"lot_id": w.cancelled_lot()}, json={
        k: v for k, v in w.lot_body().items() if k in ("starts_at", "free_period_ends_at")}),
    "GET /api/v1/lots/{lot_id}/events": lambda w: Call(params={"lot_id": w.lot()}, stream=True),
    "POST /api/v1/deposits/{deposit_id}/confirm": lambda w: Call(params={"deposit_id": w.deposit()},
                                                                 json={"reference": "BANK-2"}),
    "GET /api/v1/confirmations/{confirmation_id}": lambda w: Call(params={"confirmation_id": w.confirmation()}),
    "POST /api/v1/confirmations/{confirmation_id}/sign": lambda w: Call(params={"confirmation_id": w.confirmation()}),
    "GET /api/v1/registrations/mine": lambda w: Call(),
    "POST /api/v1/payments/stripe/webhook": lambda w: Call(json={"id": "evt_1", "type": "payment_intent.succeeded"},
                                                           ok=frozenset({200, 400, 503})),
    "GET /api/v1/deposits/{deposit_id}/payment": lambda w: Call(params={"deposit_id": w.deposit()}),
    "POST /api/v1/deposits/{deposit_id}/payment/intent": lambda w: Call(params={"deposit_id": w.deposit()}),
    "GET /api/v1/deposits/{deposit_id}/payment/history": lambda w: Call(params={"deposit_id": w.deposit()}),
    "POST /api/v1/deposits/{deposit_id}/payment/reconcile": lambda w: Call(params={"deposit_id": w.deposit()}),
    "POST /api/v1/deposits/{deposit_id}/payment/refund": lambda w: Call(params={"deposit_id": w.deposit()},
                                                                        json={"reason": "成交撤销"}),
    "POST /api/v1/deposits/{deposit_id}/payment/retry": lambda w: Call(params={"deposit_id": w.deposit()}),
    "GET /api/v1/search": lambda w: Call(query={"q": "石墨烯"}),
    "POST /api/v1/achievements/{achievement_id}/listings": lambda w: Call(
        market="ZJ", params={"achievement_id": w.achievement("published")}, json={"market_code": "ZJ"}),
    "GET /api/v1/auctions/{auction_id}/events": lambda w: Call(params={"auction_id": w.auction()}, stream=True),
    # deals by agreement
    "GET /api/v1/deals/interests": lambda w: Call(),
    "POST /api/v1/deals/interests": lambda w: Call(json={"achievement_id": w.achievement("published"),
                                                         "message": "希望洽谈"}),
    "GET /api/v1/deals/interests/{interest_id}": lambda w: Call(params={"interest_id": w.interest()}),
    "POST /api/v1/deals/interests/{interest_id}/accept": lambda w: Call(params={"interest_id": w.interest()}),
    "POST /api/v1/deals/interests/{interest_id}/decline": lambda w: Call(params={"interest_id": w.interest()},
                                                                         json={"reason": "暂不转让"}),
    "GET /api/v1/deals/negotiations": lambda w: Call(),
    "GET /api/v1/deals/negotiations/{negotiation_id}": lambda w: Call(params={"negotiation_id": w.negotiation()}),
    "POST /api/v1/deals/negotiations/{negotiation_id}/offers": lambda w: Call(
        params={"negotiation_id": w.negotiation()}, json=OFFER),
    "POST /api/v1/deals/offers/{offer_id}/accept": lambda w: Call(params={"offer_id": w.offer()}),
    "POST /api/v1/deals/offers/{offer_id}/decline": lambda w: Call(params={"offer_id": w.offer()},
                                                                   json={"reason": "价格过低"}),
    "POST /api/v1/deals/offers/{offer_id}/counter": lambda w: Call(params={"offer_id": w.offer()},
                                                                   json={**OFFER, "price_fen": 90_000_000}),
    "GET /api/v1/deals/agreements/{agreement_id}": lambda w: Call(params={"agreement_id": w.agreement()["id"]}),
    "POST /api/v1/deals/agreements/{agreement_id}/sign": lambda w: Call(
        params={"agreement_id": w.signable_agreement()}, json={}, clock_offset=PAST_PUBLICITY),
    "GET /api/v1/publicity-notices": lambda w: Call(query={"market": "SH"}),
    "GET /api/v1/publicity-notices/{notice_id}": lambda w: Call(
        params={"notice_id": w.agreement()["publicity_notice_id"]}),
    "POST /api/v1/publicity-notices/{notice_id}/objections": lambda w: Call(
        params={"notice_id": w.agreement()["publicity_notice_id"]}, json={"reason": "程序不全"},
        clock_offset=IN_PUBLICITY),
    "POST /api/v1/publicity-notices/objections/{objection_id}/ruling": lambda w: Call(
        params={"objection_id": w.objection()}, json={"decision": "dismissed", "reason": "无依据"},
        clock_offset=IN_PUBLICITY),
    "GET /api/v1/audit": lambda w: Call(query={"entity": f"lot:{w.lot()}"}),
    "GET /api/v1/notifications": lambda w: Call(),
    "GET /api/v1/notifications/unread-count": lambda w: Call(),
    "POST /api/v1/notifications/read-all": lambda w: Call(),
    "POST /api/v1/notifications/{notification_id}/read": lambda w: Call(
        params={"notification_id": w.notification()}),
    "GET /api/v1/notifications/preferences": lambda w: Call(),
    "PUT /api/v1/notifications/preferences": lambda w: Call(json={"kinds": [{"kind": "outbid", "mode": "digest"}]}),
    "GET /api/v1/notifications/unsubscribe": lambda w: Call(query={"token": w.unsubscribe_token()}),
    "POST /api/v1/notifications/unsubscribe": lambda w: Call(query={"token": w.unsubscribe_token()}),
    "GET /api/v1/watches": lambda w: Call(),
    "POST /api/v1/watches": lambda w: Call(json={"target_type": "achievement", "target_id": w.achievement("published")}),
    "DELETE /api/v1/watches/{watch_id}": lambda w: Call(params={"watch_id": w.watch()}),
    "GET /api/v1/saved-searches": lambda w: Call(),
    "POST /api/v1/saved-searches": lambda w: Call(json={"query": "石墨烯 散热膜", "filters": {"field": "新材料"}}),
    "DELETE /api/v1/saved-searches/{search_id}": lambda w: Call(params={"search_id": w.saved_search()}),
    # federation out
    "GET /api/v1/changes": lambda w: Call(query={"types": "achievement"}),
    "GET /api/v1/webhooks": lambda w: Call(),
    "POST /api/v1/webhooks": lambda w: Call(json=WEBHOOK),
    "GET /api/v1/webhooks/{subscription_id}": lambda w: Call(params={"subscription_id": w.subscription()}),
    "PATCH /api/v1/webhooks/{subscription_id}": lambda w: Call(params={"subscription_id": w.subscription()},
                                                                json={"active": False}),
    "DELETE /api/v1/webhooks/{subscription_id}": lambda w: Call(params={"subscription_id": w.subscription()}),
    "POST /api/v1/webhooks/{subscription_id}/rotate-secret": lambda w: Call(
        params={"subscription_id": w.subscription()}),
    "GET /api/v1/webhooks/{subscription_id}/deliveries": lambda w: Call(params={"subscription_id": w.subscription()}),
    "POST /api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/resend": lambda w: Call(
        params=dict(zip(("subscription_id", "delivery_id"), w.delivery()))),
}


RECIPES.update(role_world_signup.recipes(Call))   # joining the platform (issue 20)


def _bid(w) -> Call:
    """A lot in its free period with the enterprise registered and its deposit held."""
    lot_id = w.lot()
    w.ok("POST", f"/api/v1/deposits/{w.deposit(lot_id)}/confirm", "op_sh", json={"reference": "BANK-3"})
    return Call(params={"lot_id": lot_id}, json={"amount_fen": START}, refusals=frozenset({"own_lot", "not_registered"}),
                clock_offset=timedelta(hours=1, minutes=5))
