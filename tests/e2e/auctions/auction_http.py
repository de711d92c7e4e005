"""HTTP steps of an auction day, shared by the auction e2e tests: publish an achievement, offer
it in a lot, register and hold deposits, bid, run the scheduler's sweep."""
from __future__ import annotations

from datetime import timedelta

from market.domain.auctions import SHANGHAI
from market.scheduler import Runtime, set_runtime, sweep_job

START = 500_000_00      # 50万
INC = 10_000_00         # 1万
T0_LOCAL = "2025-03-03T10:00:00+08:00"


def iso(dt):
    return dt.astimezone(SHANGHAI).isoformat()


def publish_achievement(client, cast, *, market="SH", title="一种高镍三元正极材料的包覆改性方法",
                        application_numbers=()) -> int:
    created = client.post("/api/v1/achievements", headers=cast["uni_member"], json={
        "title": title, "ip_type": "发明专利", "field": "新材料", "market_code": market,
        "price_fen": START, "application_numbers": list(application_numbers)})
    assert created.status_code == 201, created.get_json()
    achievement_id = created.get_json()["id"]
    assert client.post(f"/api/v1/achievements/{achievement_id}/submit", headers=cast["uni_member"]).status_code == 200
    reviewer = {"SH": "op_sh", "JS": "op_js"}[market]
    reviewed = client.post(f"/api/v1/achievements/{achievement_id}/review", headers=cast[reviewer],
                           json={"decision": "approve"})
    assert reviewed.status_code == 200, reviewed.get_json()
    return achievement_id


def create_auction(client, cast, *, market="SH", operator="op_sh") -> int:
    auction = client.post("/api/v1/auctions", headers=cast[operator],
                          json={"market_code": market, "title": "G60 科创走廊专场"})
    assert auction.status_code == 201, auction.get_json()
    return auction.get_json()["id"]


def lot_terms(clock, achievement_id: int, **overrides) -> dict:
    """Opens in an hour, free period until two hours, 5-minute windows."""
    t0 = clock.now()
    return {"achievement_id": achievement_id, "starting_price_fen": START, "increment_fen": INC,
            "reserve_price_fen": START + 3 * INC, "deposit_fen": 50_000_00,
            "starts_at": iso(t0 + timedelta(hours=1)), "free_period_ends_at": iso(t0 + timedelta(hours=2)),
            "window_seconds": 300, **overrides}


def hold_deposits(client, cast, lot_id: int, bidders=("corp_member", "corp_zj_member"),
                  operator="op_sh") -> dict:
    """Register each bidder and have the operator confirm its bank-transfer deposit."""
    regs = {}
    for who in bidders:
        r = client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast[who])
        assert r.status_code == 201, r.get_json()
        confirmed = client.post(f"/api/v1/deposits/{r.get_json()['deposit']['id']}/confirm",
                                headers=cast[operator], json={})
        assert confirmed.status_code == 200, confirmed.get_json()
        regs[who] = r.get_json()
    return regs


def bid(client, cast, who, lot_id, key=None, **body):
    headers = dict(cast[who])
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, json=body)


def run_scheduler_sweep(app):
    """What the scheduler process does every few seconds, here on the app's frozen clock."""
    s = app.extensions["market"]
    set_runtime(Runtime(uow_factory=s.uow_factory, clock=s.clock, bus=s.events))
    try:
        sweep_job()
    finally:
        set_runtime(None)
