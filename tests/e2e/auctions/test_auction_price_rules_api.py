"""The price rules through HTTP: the grid anchored on the starting price, the reserve hidden
while bidding and applied at the hammer, who reads the reserve, the leader's raise of its own
maximum, and the bounds on a lot's terms."""
from __future__ import annotations

from datetime import timedelta

from auction_http import INC, START, bid, create_auction, hold_deposits, lot_terms, publish_achievement, run_scheduler_sweep


def open_lot(client, cast, clock, day):
    hold_deposits(client, cast, day["lot_id"])
    clock.set(clock.now() + timedelta(hours=1, minutes=5))   # in the free period
    return day["lot_id"]


def test_first_bid_off_the_starting_price_grid_is_refused(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    off = bid(client, cast, "corp_member", lot_id, amount_fen=START + INC // 2)
    assert off.status_code == 409 and off.get_json()["refusal"] == "off_increment"
    assert bid(client, cast, "corp_member", lot_id, amount_fen=START + INC).status_code == 201
    on_grid = bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + 2 * INC)
    assert on_grid.status_code == 201 and on_grid.get_json()["price_fen"] == START + 2 * INC


def test_a_proxy_reaching_the_reserve_does_not_reveal_it_while_bidding(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    proxy = bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 10 * INC)
    assert proxy.status_code == 201 and proxy.get_json()["price_fen"] == START
    challenger = bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + INC)
    assert challenger.get_json()["price_fen"] == START + 2 * INC   # one increment above the runner-up
    for who in ("corp_member", "corp_zj_member", None):
        view = client.get(f"/api/v1/lots/{lot_id}", headers=cast[who] if who else {}).get_json()
        assert "reserve_price_fen" not in view and view["reserve_met"] is False
        assert view["current_price_fen"] == START + 2 * INC


def test_reserve_is_applied_at_the_hammer_when_the_leaders_maximum_reaches_it(app, client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 10 * INC)
    bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + INC)
    clock.set(clock.now() + timedelta(hours=1))
    run_scheduler_sweep(app)
    lot = client.get(f"/api/v1/lots/{lot_id}").get_json()
    assert (lot["status"], lot["current_price_fen"]) == ("sold", START + 3 * INC)   # the reserve
    mine = client.get(f"/api/v1/lots/{lot_id}", headers=cast["corp_member"]).get_json()
    assert mine["my_confirmation"]["hammer_price_fen"] == START + 3 * INC


def test_lot_whose_leaders_maximum_falls_short_of_the_reserve_closes_unsold(app, client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 2 * INC)
    clock.set(clock.now() + timedelta(hours=1))
    run_scheduler_sweep(app)
    assert client.get(f"/api/v1/lots/{lot_id}").get_json()["status"] == "unsold"


def test_reserve_below_the_starting_price_is_422_naming_the_field(client, cast, clock, day):
    achievement_id = publish_achievement(client, cast, title="另一项成果")
    r = client.post(f"/api/v1/auctions/{day['auction_id']}/lots", headers=cast["op_sh"],
                    json=lot_terms(clock, achievement_id, reserve_price_fen=START - 1))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["reserve_price_fen"]
    assert client.get(f"/api/v1/achievements/{achievement_id}").get_json()["status"] == "published"


def test_reoffer_with_a_starting_price_above_the_reserve_is_422_naming_the_reserve(client, cast, clock, day):
    clock.set(clock.now() + timedelta(hours=3))
    assert client.post(f"/api/v1/lots/{day['lot_id']}/close", headers=cast["op_sh"]).status_code == 200
    r = client.post(f"/api/v1/lots/{day['lot_id']}/reoffer", headers=cast["op_sh"],
                    json={**{k: v for k, v in lot_terms(clock, 0).items()
                             if k in ("starts_at", "free_period_ends_at")},
                          "starting_price_fen": START + 4 * INC})
    assert r.status_code == 422 and "reserve_price_fen" in r.get_json()["errors"]


def test_sellers_organisation_reads_its_lots_reserve_and_bidders_never(client, cast, clock, day):
    lot_id, auction_id = day["lot_id"], day["auction_id"]
    hold_deposits(client, cast, lot_id)
    seller = client.get(f"/api/v1/lots/{lot_id}", headers=cast["uni_member"]).get_json()
    assert seller["reserve_price_fen"] == START + 3 * INC
    in_session = client.get(f"/api/v1/auctions/{auction_id}", headers=cast["uni_member"]).get_json()
    assert in_session["lots"][0]["reserve_price_fen"] == START + 3 * INC
    for who in ("corp_member", "corp_zj_member"):
        for path in (f"/api/v1/lots/{lot_id}", f"/api/v1/auctions/{auction_id}"):
            assert str(START + 3 * INC) not in client.get(path, headers=cast[who]).get_data(as_text=True)


def test_leader_may_raise_its_own_proxy_maximum_without_moving_the_price(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 2 * INC)
    raised = bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 8 * INC)
    assert raised.status_code == 201, raised.get_json()
    answer = raised.get_json()
    assert (answer["accepted"], answer["leading"], answer["price_fen"]) == (True, True, START)
    lowered = bid(client, cast, "corp_member", lot_id, max_amount_fen=START + 4 * INC)
    assert lowered.status_code == 409 and lowered.get_json()["refusal"] == "maximum_not_raised"
    assert lowered.get_json()["errors"] == {"max_amount_fen": ["maximum_not_raised"]}
    # the raised maximum answers a challenger the old one could not have
    challenger = bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + 5 * INC)
    assert challenger.get_json()["price_fen"] == START + 6 * INC and not challenger.get_json()["leading"]
    operator = client.get(f"/api/v1/lots/{lot_id}/bids", headers=cast["op_sh"]).get_json()
    assert [(b["kind"], b["accepted"], b["refusal"]) for b in operator if b["kind"] == "raise"] == [
        ("raise", True, None), ("raise", False, "maximum_not_raised")]   # the raise is no refusal
    public = client.get(f"/api/v1/lots/{lot_id}/bids").get_json()
    assert [b["amount_fen"] for b in public] == [START, START + 5 * INC, START + 6 * INC]


def test_lot_starting_more_than_a_year_ahead_is_422_naming_starts_at(client, cast, clock, day):
    achievement_id = publish_achievement(client, cast, title="另一项成果")
    later = clock.now() + timedelta(days=400)
    r = client.post(f"/api/v1/auctions/{day['auction_id']}/lots", headers=cast["op_sh"], json=lot_terms(
        clock, achievement_id, starts_at=later.isoformat(),
        free_period_ends_at=(later + timedelta(hours=1)).isoformat()))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["starts_at"]


def test_an_operator_auctions_only_achievements_listed_on_its_own_market(client, cast, clock):
    sh_only = publish_achievement(client, cast, market="SH")
    js_auction = create_auction(client, cast, market="JS", operator="op_js")
    r = client.post(f"/api/v1/auctions/{js_auction}/lots", headers=cast["op_js"],
                    json=lot_terms(clock, sh_only))
    assert r.status_code == 403 and r.get_json()["errors"] == {"achievement_id": ["not_listed_on_market"]}
    history = client.get(f"/api/v1/achievements/{sh_only}/history", headers=cast["op_sh"]).get_json()
    assert history[-1]["to_status"] == "published"   # nothing written by the JS operator
