"""After the hammer, through HTTP: the published result of a sale (成交公示), the winner's own views
of its confirmation, and an unsold lot whose reserve is never shown."""
from __future__ import annotations

from datetime import timedelta

from auction_http import INC, START, bid, hold_deposits, run_scheduler_sweep


def close_with(app, client, cast, clock, day, **winning_bid):
    lot_id = day["lot_id"]
    hold_deposits(client, cast, lot_id)
    clock.set(clock.now() + timedelta(hours=1, minutes=5))
    assert bid(client, cast, "corp_member", lot_id, **winning_bid).status_code == 201
    clock.set(clock.now() + timedelta(hours=1))
    run_scheduler_sweep(app)
    return lot_id


def test_sold_achievement_stays_readable_by_everyone_with_its_result(app, client, cast, clock, day):
    close_with(app, client, cast, clock, day, amount_fen=START + 4 * INC)
    for who in (None, "corp_member", "corp_zj_member"):
        r = client.get(f"/api/v1/achievements/{day['achievement_id']}", headers=cast[who] if who else {})
        assert r.status_code == 200, (who, r.get_json())
        body = r.get_json()
        assert body["status"] == "sold" and "history" not in body
        sale = body["sale"]
        assert (sale["lot_id"], sale["hammer_price_fen"], sale["winner_name"]) == (
            day["lot_id"], START + 4 * INC, "苏州精密传感有限公司")
        assert sale["sold_on"] == "2025-03-03" and sale["sold_at"].endswith("+08:00")


def test_winner_finds_its_confirmation_in_the_lot_and_in_its_registrations(app, client, cast, clock, day):
    lot_id = close_with(app, client, cast, clock, day, amount_fen=START + 4 * INC)
    confirmation = client.get(f"/api/v1/auctions/{day['auction_id']}", headers=cast["op_sh"]).get_json()["lots"][0]["confirmation"]
    mine = client.get(f"/api/v1/lots/{lot_id}", headers=cast["corp_member"]).get_json()["my_confirmation"]
    assert (mine["id"], mine["status"], mine["sign_by"]) == (confirmation["id"], "pending", "2025-03-10")
    assert mine["deadline"] == "2025-03-11T00:00:00+08:00"
    registrations = client.get("/api/v1/registrations/mine", headers=cast["corp_member"]).get_json()
    assert [r["my_confirmation"]["id"] for r in registrations if r["lot_id"] == lot_id] == [confirmation["id"]]
    loser = client.get(f"/api/v1/lots/{lot_id}", headers=cast["corp_zj_member"]).get_json()
    assert "my_confirmation" not in loser
    assert [r["my_confirmation"] for r in client.get("/api/v1/registrations/mine",
                                                     headers=cast["corp_zj_member"]).get_json()] == [None]


def test_reserve_of_an_unsold_lot_is_never_shown(app, client, cast, clock, day):
    lot_id = close_with(app, client, cast, clock, day, amount_fen=START + INC)
    reserve = str(START + 3 * INC)
    for who in (None, "corp_member", "corp_zj_member"):
        headers = cast[who] if who else {}
        for path in (f"/api/v1/lots/{lot_id}", f"/api/v1/auctions/{day['auction_id']}",
                     f"/api/v1/lots/{lot_id}/bids", f"/api/v1/achievements/{day['achievement_id']}",
                     f"/api/v1/lots/{lot_id}/events"):
            r = client.get(path, headers=headers)
            assert r.status_code in (200, 204) and reserve not in r.get_data(as_text=True), (who, path)
    assert client.get(f"/api/v1/lots/{lot_id}").get_json()["status"] == "unsold"
