"""A small auction world on a real database: a seller university, enterprises with members, an
operator of SH, a published achievement and a lot in an SH session."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from market.adapters import orm
from market.adapters.db import make_engine
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
from market.domain.accounts import Organisation, User
from market.domain.achievements import Achievement
from market.services import auctions as svc

from datetime import timezone

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)   # Monday 10:00 in Shanghai
START = 100_000_00
INC = 1_000_00


@dataclass
class World:
    uow_factory: object
    engine: object
    operator_id: int = 0
    seller_org: int = 0
    seller_user: int = 0
    bidders: list[int] = field(default_factory=list)       # user ids of enterprise members
    bidder_orgs: list[int] = field(default_factory=list)
    auction_id: int = 0
    lot_id: int = 0
    achievement_ids: list[int] = field(default_factory=list)

    def uow(self):
        return self.uow_factory()


def make_uow_factory(url: str, **engine_kwargs):
    orm.start_mappers()
    engine = make_engine(url, **engine_kwargs)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    return engine, (lambda: SqlAlchemyUnitOfWork(factory))


def build_world(url: str, now: datetime, *, bidders: int = 3, achievements: int = 1,
                engine_kwargs: dict | None = None) -> World:
    engine, uow_factory = make_uow_factory(url, **(engine_kwargs or {}))
    w = World(uow_factory, engine)
    with uow_factory() as uow:
        s = uow.session
        seller = Organisation(name="沪东理工大学", kind="university", province="上海", city="上海",
                              created_at=now)
        s.add(seller)
        orgs = [Organisation(name=f"竞买企业{i}有限公司", kind="enterprise", province="江苏",
                             city="苏州", created_at=now) for i in range(bidders)]
        s.add_all(orgs)
        s.flush()
        op = User(email="op@sh.example", display_name="op", password_hash="x", role="operator",
                  market_code="SH", created_at=now)
        su = User(email="seller@uni.example", display_name="seller", password_hash="x",
                  role="member", organisation_id=seller.id, created_at=now)
        users = [User(email=f"b{i}@corp.example", display_name=f"b{i}", password_hash="x",
                      role="member", organisation_id=o.id, created_at=now) for i, o in enumerate(orgs)]
        s.add_all([op, su, *users])
        items = []
        for i in range(achievements):
            a = Achievement(title=f"一种高效钙钛矿电池封装方法 {i}", holder_id=seller.id, market_code="SH",
                            field="新能源与高效节能", ip_type="发明专利", now=now, province="上海")
            a.publish_imported(None, now)
            items.append(a)
        s.add_all(items)
        uow.commit()
        w.operator_id, w.seller_org, w.seller_user = op.id, seller.id, su.id
        w.bidders = [u.id for u in users]
        w.bidder_orgs = [o.id for o in orgs]
        w.achievement_ids = [a.id for a in items]
    w.auction_id = svc.create_auction(uow_factory(), actor_id=w.operator_id, market_code="SH",
                                      title="G60 科创走廊专场", now=now)["id"]
    return w


def add_lot(w: World, now: datetime, *, achievement: int = 0, starts_in=timedelta(minutes=1),
            free_minutes: float = 30, window_seconds: int = 60, reserve: int | None = None,
            deposit: int = 10_000_00) -> int:
    starts = now + starts_in
    return svc.add_lot(w.uow(), actor_id=w.operator_id, auction_id=w.auction_id,
                       achievement_id=w.achievement_ids[achievement], starting_price_fen=START,
                       increment_fen=INC, deposit_fen=deposit, reserve_price_fen=reserve,
                       starts_at=starts, free_period_ends_at=starts + timedelta(minutes=free_minutes),
                       window_seconds=window_seconds, now=now)["id"]


def register_all(w: World, lot_id: int, now: datetime, *, confirm: bool = True) -> list[dict]:
    regs = []
    for user_id in w.bidders:
        reg = svc.register_for_lot(w.uow(), actor_id=user_id, lot_id=lot_id, now=now)
        if confirm:
            svc.confirm_deposit(w.uow(), actor_id=w.operator_id, deposit_id=reg["deposit"]["id"],
                                now=now, reference=f"BANK-{reg['id']}")
        regs.append(reg)
    return regs


def wait_for(predicate, timeout: float, what: str):
    """Poll until `predicate()` is truthy (returned); the bound keeps a broken process from
    hanging the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def run_at_once(count: int, work) -> list[BaseException]:
    """`work(i)` in `count` threads released together by a barrier; the exceptions they raised."""
    import threading
    barrier, errors = threading.Barrier(count), []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:   # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
