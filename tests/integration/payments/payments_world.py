"""An auction with Stripe deposits on a real database: a seller university, three bidding
enterprises, an SH operator, one lot; the auction services drive it, StripeGateway pays."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from market.adapters import orm
from market.adapters.clock import FrozenClock
from market.adapters.db import make_engine
from market.adapters.orm_payments import deposit_payment_history, payment_outbox
from market.adapters.payments import webhooks
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
from market.domain.accounts import Organisation, User
from market.domain.achievements import Achievement
from market.services import auctions as auction_svc
from market.services import payments as pay_svc

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)   # Monday 10:00 in Shanghai
START = 100_000_00
INC = 1_000_00
DEPOSIT = 10_000_00
WEBHOOK_SECRET = "whsec_test_payments_world"


@dataclass
class PayWorld:
    uow_factory: object
    engine: object
    clock: FrozenClock
    operator_id: int = 0
    bidders: list[int] = field(default_factory=list)        # user ids
    bidder_orgs: list[int] = field(default_factory=list)
    achievement_ids: list[int] = field(default_factory=list)
    auction_id: int = 0

    def uow(self):
        return self.uow_factory()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    # ---- auction steps --------------------------------------------------------------
    def add_lot(self, achievement: int = 0, deposit: int = DEPOSIT, free_minutes: int = 30) -> int:
        starts = self.now + timedelta(minutes=1)
        return auction_svc.add_lot(
            self.uow(), actor_id=self.operator_id, auction_id=self.auction_id,
            achievement_id=self.achievement_ids[achievement], starting_price_fen=START,
            increment_fen=INC, deposit_fen=deposit, starts_at=starts,
            free_period_ends_at=starts + timedelta(minutes=free_minutes), window_seconds=60,
            now=self.now)["id"]

    def register(self, lot_id: int, bidder: int, gateway) -> dict:
        return auction_svc.register_for_lot(self.uow(), actor_id=self.bidders[bidder], lot_id=lot_id,
                                            now=self.now, gateway=gateway)

    def bid(self, lot_id: int, bidder: int, amount: int) -> dict:
        return auction_svc.place_bid(self.uow(), actor_id=self.bidders[bidder], lot_id=lot_id,
                                     clock=self.clock, amount_fen=amount)

    def close(self, lot_id: int) -> dict | None:
        self.clock.advance(hours=2)
        return auction_svc.close_lot(self.uow(), lot_id, self.clock)

    def deposit(self, deposit_id: int):
        """A snapshot of the deposit row (the session closes with the unit of work)."""
        from types import SimpleNamespace
        with self.uow() as uow:
            d = uow.deposits.get(deposit_id)
            return SimpleNamespace(id=d.id, status=d.status, reference=d.reference,
                                   amount_fen=d.amount_fen, gateway=d.gateway)

    def commands(self, deposit_id: int):
        with self.uow() as uow:
            return uow.payments.commands_for(deposit_id)

    def history_kinds(self, deposit_id: int) -> list[str]:
        with self.uow() as uow:
            return [h["kind"] for h in uow.payments.history(deposit_id)]

    def count_outbox(self, **where) -> int:
        with self.uow() as uow:
            stmt = select(func.count()).select_from(payment_outbox)
            for k, v in where.items():
                stmt = stmt.where(payment_outbox.c[k] == v)
            return uow.session.scalar(stmt)

    def count_history(self, deposit_id: int, kind: str) -> int:
        with self.uow() as uow:
            c = deposit_payment_history.c
            return uow.session.scalar(select(func.count()).select_from(deposit_payment_history)
                                      .where(c.deposit_id == deposit_id, c.kind == kind))


def build_world(url: str, *, bidders: int = 3, achievements: int = 1) -> PayWorld:
    orm.start_mappers()
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    w = PayWorld(lambda: SqlAlchemyUnitOfWork(factory), engine, FrozenClock(T0))
    now = w.now
    with w.uow() as uow:
        s = uow.session
        seller = Organisation(name="沪东理工大学", kind="university", province="上海", city="上海",
                              created_at=now)
        orgs = [Organisation(name=f"保证金测试企业{i}有限公司", kind="enterprise", province="江苏",
                             city="苏州", created_at=now) for i in range(bidders)]
        s.add_all([seller, *orgs])
        s.flush()
        op = User(email="op-pay@sh.example", display_name="op", password_hash="x", role="operator",
                  market_code="SH", created_at=now)
        users = [User(email=f"pay{i}@corp.example", display_name=f"pay{i}", password_hash="x",
                      role="member", organisation_id=o.id, created_at=now) for i, o in enumerate(orgs)]
        s.add_all([op, *users])
        items = []
        for i in range(achievements):
            a = Achievement(title=f"一种固态电池隔膜制备方法 {i}", holder_id=seller.id, market_code="SH",
                            field="新能源与高效节能", ip_type="发明专利", now=now, province="上海")
            a.publish_imported(None, now)
            items.append(a)
        s.add_all(items)
        uow.commit()
        w.operator_id = op.id
        w.bidders = [u.id for u in users]
        w.bidder_orgs = [o.id for o in orgs]
        w.achievement_ids = [a.id for a in items]
    w.auction_id = auction_svc.create_auction(w.uow(), actor_id=w.operator_id, market_code="SH",
                                              title="长三角专场（Stripe 保证金）", now=now)["id"]
    return w


# ---- events localstripe never sends ----------------------------------------------------------

_counter = iter(range(1, 10**9))


def synthesised_event(gateway, reference: str, event_type: str, *, created: int | None = None) -> dict:
    """An event built around localstripe's own object for `reference`, in Stripe's envelope.
    Named as such: localstripe never sends capture-ready, cancel or refund events."""
    pi = gateway._pi.retrieve(reference).to_dict()
    obj = pi
    if event_type.startswith("charge."):
        charge = pi.get("latest_charge") or {}
        obj = {**charge, "payment_intent": reference,
               "metadata": {**(charge.get("metadata") or {}), **pi.get("metadata", {})}}
        obj["refunds"] = {"object": "list", "data": [
            r.to_dict() for r in gateway._client.v1.refunds.list({"payment_intent": reference}).data]}
    return {"id": f"evt_synth_{next(_counter):06d}_{reference[-6:]}", "object": "event",
            "api_version": "2024-06-20", "created": created or int(time.time()), "type": event_type,
            "livemode": False, "data": {"object": obj}}


def signed(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(event)
    return body.encode(), webhooks.sign(body, secret, timestamp)


def deliver(w: PayWorld, event: dict) -> str:
    """Verify like the endpoint does, then handle."""
    body, header = signed(event)
    parsed = webhooks.verify_and_parse(body, header, WEBHOOK_SECRET)
    return pay_svc.handle_stripe_event(w.uow_factory, parsed, w.now)
