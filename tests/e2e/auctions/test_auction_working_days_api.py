"""Through HTTP: a lot sold on the eve of National Day 2026 gets its signing deadline and the
losers' deposit release day on China's statutory working days (1-7 October off, Saturday
10 October a make-up working day); one sold at the end of 2026 counts 2027, a year the package
does not know yet, on weekends plus the configured holidays, and says so in the log."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from market.adapters.clock import FrozenClock
from market.domain.auctions import SHANGHAI

START, INC = 100_000_00, 5_000_00


EVE_OF_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc)     # Wed 30 Sep, 10:00 local
END_OF_2026 = datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc)             # Wed 30 Dec, 10:00 local


@pytest.fixture
def clock(request):
    return FrozenClock(getattr(request, "param", EVE_OF_NATIONAL_DAY))


@pytest.fixture
def app_config(tmp_path):
    """The market configures New Year's Day 2027 (the package does not know 2027 yet)."""
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "AUCTION_HOLIDAYS": ["2027-01-01"]}


def iso(dt):
    return dt.astimezone(SHANGHAI).isoformat()


@pytest.fixture
def sold_lot(client, cast, clock):
    """A lot of the university, bid on by two enterprises, closed at 12:05 local on 30 Sep."""
    made = client.post("/api/v1/achievements", headers=cast["uni_member"], json={
        "title": "一种锂电池快速充电的均衡控制方法", "ip_type": "发明专利", "field": "新材料",
        "market_code": "SH", "price_fen": START})
    achievement_id = made.get_json()["id"]
    client.post(f"/api/v1/achievements/{achievement_id}/submit", headers=cast["uni_member"])
    client.post(f"/api/v1/achievements/{achievement_id}/review", headers=cast["op_sh"], json={"decision": "approve"})
    auction = client.post("/api/v1/auctions", headers=cast["op_sh"], json={"market_code": "SH", "title": "国庆前专场"})
    t0 = clock.now()
    lot = client.post(f"/api/v1/auctions/{auction.get_json()['id']}/lots", headers=cast["op_sh"], json={
        "achievement_id": achievement_id, "starting_price_fen": START, "increment_fen": INC,
        "deposit_fen": 10_000_00, "starts_at": iso(t0 + timedelta(hours=1)),
        "free_period_ends_at": iso(t0 + timedelta(hours=2)), "window_seconds": 300})
    assert lot.status_code == 201, lot.get_json()
    lot_id = lot.get_json()["id"]
    for who in ("corp_member", "corp_zj_member"):
        deposit = client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast[who]).get_json()["deposit"]
        client.post(f"/api/v1/deposits/{deposit['id']}/confirm", headers=cast["op_sh"], json={"reference": who})
    clock.set(t0 + timedelta(hours=1, minutes=5))
    for who, amount in (("corp_member", START), ("corp_zj_member", START + INC)):
        assert client.post(f"/api/v1/lots/{lot_id}/bids", headers=cast[who], json={"amount_fen": amount}).status_code == 201
    clock.set(t0 + timedelta(hours=2, minutes=5))
    closed = client.post(f"/api/v1/lots/{lot_id}/close", headers=cast["op_sh"])
    assert closed.status_code == 200 and closed.get_json()["status"] == "sold", closed.get_json()
    return {"lot_id": lot_id, "auction_id": auction.get_json()["id"]}


def test_signing_deadline_counts_statutory_working_days(client, cast, sold_lot):
    view = client.get(f"/api/v1/auctions/{sold_lot['auction_id']}", headers=cast["op_sh"]).get_json()["lots"][0]
    assert view["confirmation"]["sign_by"] == "2026-10-13"        # not 7 Oct (weekdays only)
    assert view["confirmation"]["deadline"] == "2026-10-14T00:00:00+08:00"


def test_deposit_release_is_due_three_statutory_working_days_after_the_close(client, cast, sold_lot):
    view = client.get(f"/api/v1/auctions/{sold_lot['auction_id']}", headers=cast["op_sh"]).get_json()["lots"][0]
    deposits = {r["paddle_no"]: r["deposit"] for r in view["registrations"]}
    assert deposits[1]["status"] == "released" and deposits[1]["release_by"] == "2026-10-10"   # 调休 Saturday
    assert deposits[2]["status"] == "applied" and deposits[2]["release_by"] is None
    mine = client.get("/api/v1/registrations/mine", headers=cast["corp_member"]).get_json()
    assert [r["deposit"]["release_by"] for r in mine] == ["2026-10-10"]


def test_signing_a_signed_confirmation_names_its_status_in_chinese(client, cast, sold_lot):
    view = client.get(f"/api/v1/auctions/{sold_lot['auction_id']}", headers=cast["op_sh"]).get_json()["lots"][0]
    path = f"/api/v1/confirmations/{view['confirmation']['id']}/sign"
    assert client.post(path, headers=cast["op_sh"]).status_code == 200
    again = client.post(path, headers=cast["op_sh"])
    assert again.status_code == 409 and again.get_json()["message"].startswith("确认书已签约 (")


@pytest.mark.parametrize("clock", [END_OF_2026], indirect=True)
def test_a_year_the_calendar_does_not_know_counts_weekends_and_configured_holidays_with_a_warning(
        client, cast, clock, caplog, request):
    with caplog.at_level(logging.WARNING, logger="market.domain.statutory_calendar"):
        sold = request.getfixturevalue("sold_lot")
    assert any("2027" in r.getMessage() for r in caplog.records)
    view = client.get(f"/api/v1/auctions/{sold['auction_id']}", headers=cast["op_sh"]).get_json()["lots"][0]
    # Thu 31 Dec, (Fri 1 Jan configured off, weekend), Mon 4, Tue 5, Wed 6, Thu 7 Jan
    assert view["confirmation"]["sign_by"] == "2027-01-07"
    deposits = {r["paddle_no"]: r["deposit"] for r in view["registrations"]}
    assert deposits[1]["release_by"] == "2027-01-05"
