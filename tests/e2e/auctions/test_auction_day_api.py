"""A full auction day through the HTTP API: session and lot, registrations and deposits, bidding
with window restarts, the automatic close, the live feed, the confirmation and its signature."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from auction_http import INC, START, T0_LOCAL, bid, iso, run_scheduler_sweep


def local_now(clock):   # what `server_now` reads on the frozen clock
    return iso(clock.now())


def sse_events(client, lot_id, last_event_id=None):
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    response = client.get(f"/api/v1/lots/{lot_id}/events", headers=headers)
    if response.status_code == 204:
        return 204, []
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    text = response.get_data(as_text=True)
    events = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "id" in lines:
            events.append((int(lines["id"]), lines["event"]))
    return 200, events


def test_a_full_auction_day(app, client, cast, clock, day):
    lot_id, auction_id = day["lot_id"], day["auction_id"]
    lot = client.get(f"/api/v1/lots/{lot_id}").get_json()
    assert lot["status"] == "scheduled" and lot["server_now"] == T0_LOCAL
    assert "reserve_price_fen" not in lot and lot["reserve_met"] is False

    # registrations: enterprises only, never the seller; deposits pending until confirmed
    assert client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast["uni_member"]).status_code == 403
    regs = {}
    for who in ("corp_member", "corp_zj_member"):
        r = client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast[who])
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["deposit"]["status"] == "pending"
        regs[who] = r.get_json()
    assert regs["corp_member"]["paddle_no"] == 1 and regs["corp_zj_member"]["paddle_no"] == 2

    clock.set(clock.now() + timedelta(hours=1, minutes=5))
    refused = bid(client, cast, "corp_member", lot_id, amount_fen=START)
    assert refused.status_code == 409 and refused.get_json()["refusal"] == "deposit_not_held"
    assert bid(client, cast, "uni_member", lot_id, amount_fen=START).get_json()["refusal"] == "own_lot"
    assert client.post(f"/api/v1/lots/{lot_id}/bids", json={"amount_fen": START}).status_code == 401

    for who in regs:
        confirmed = client.post(f"/api/v1/deposits/{regs[who]['deposit']['id']}/confirm",
                                headers=cast["op_sh"], json={"reference": f"BANK-{who}"})
        assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "held"
    assert client.post(f"/api/v1/deposits/{regs['corp_member']['deposit']['id']}/confirm",
                       headers=cast["op_js"], json={}).status_code == 403

    # free period: bids and a proxy
    first = bid(client, cast, "corp_member", lot_id, key="corp-1", amount_fen=START)
    assert first.status_code == 201 and first.get_json()["leading"]
    again = bid(client, cast, "corp_member", lot_id, key="corp-1", amount_fen=START)
    assert again.status_code == 201 and again.get_json()["replayed"] is True
    assert bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + INC + 1).get_json()["refusal"] == "off_increment"
    proxy = bid(client, cast, "corp_zj_member", lot_id, max_amount_fen=START + 4 * INC)
    assert proxy.status_code == 201 and proxy.get_json()["price_fen"] == START + INC  # the reserve stays hidden
    assert bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + 5 * INC).get_json()["refusal"] == "already_leading"
    lot = client.get(f"/api/v1/lots/{lot_id}", headers=cast["corp_zj_member"]).get_json()
    assert lot["phase"] == "free_period" and lot["reserve_met"] is False and lot["leading"] is True
    ends_free = lot["ends_at"]

    # timed window: each valid bid restarts it
    clock.set(clock.now() + timedelta(minutes=58))       # 12:03 local: the free period ended at 12:00
    outbid = bid(client, cast, "corp_member", lot_id, amount_fen=START + 6 * INC)
    assert outbid.status_code == 201 and outbid.get_json()["window_restarted"]
    assert outbid.get_json()["ends_at"] == iso(clock.now() + timedelta(minutes=5)) != ends_free
    lot = client.get(f"/api/v1/lots/{lot_id}").get_json()
    assert lot["phase"] == "timed_window" and lot["ends_at"] == outbid.get_json()["ends_at"]
    assert lot["seconds_left"] == 300.0 and lot["server_now"] == iso(clock.now())

    # the window passes: bids refused at once, then the scheduler's sweep closes the lot
    clock.set(clock.now() + timedelta(minutes=5))
    late = bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + 7 * INC)
    assert late.status_code == 409 and late.get_json()["refusal"] == "after_close"
    run_scheduler_sweep(app)
    lot = client.get(f"/api/v1/lots/{lot_id}").get_json()
    assert (lot["status"], lot["current_price_fen"]) == ("sold", START + 6 * INC)

    live = client.get(f"/api/v1/auctions/{auction_id}", headers=cast["op_sh"]).get_json()
    view = live["lots"][0]
    assert live["status"] == "finished" and live["sold_total_fen"] == START + 6 * INC
    assert view["reserve_price_fen"] == START + 3 * INC
    deposits = {r["paddle_no"]: r["deposit"]["status"] for r in view["registrations"]}
    assert deposits == {1: "applied", 2: "released"}
    confirmation = view["confirmation"]
    assert confirmation["winner_id"] == cast.orgs["corp"] and confirmation["sign_by"] == "2025-03-10"
    public = client.get(f"/api/v1/auctions/{auction_id}").get_json()["lots"][0]
    assert "reserve_price_fen" not in public and "registrations" not in public

    # the live feed, then a reconnect that resumes after the last event seen
    app.config.update(SSE_MAX_SECONDS=0.3, SSE_HEARTBEAT_SECONDS=0.1)   # the day's stream ends by its length
    status, events = sse_events(client, lot_id)
    types = [t for _, t in events]
    assert types[0] == "lot_opened" and types[-1] == "lot_closed"
    assert types.index("timed_window_started") < types.index("window_restarted")
    assert [i for i, _ in events] == list(range(1, len(events) + 1))
    status, resumed = sse_events(client, lot_id, last_event_id=events[-3][0])
    assert resumed == events[-2:]
    assert sse_events(client, lot_id, last_event_id=events[-1][0])[0] == 204
    day_stream = client.get(f"/api/v1/auctions/{auction_id}/events").get_data(as_text=True)
    blocks = [dict(line.split(": ", 1) for line in b.splitlines()) for b in day_stream.split("\n\n") if "data: " in b]
    assert [b["event"] for b in blocks] == types and [int(b["id"]) for b in blocks] == sorted(int(b["id"]) for b in blocks)
    data = [json.loads(b["data"]) for b in blocks]
    assert all(d["server_now"] == local_now(clock) and d["at"].endswith("+08:00") for d in data)

    # signing: operator of the market only; the achievement is sold
    assert client.post(f"/api/v1/confirmations/{confirmation['id']}/sign", headers=cast["corp_member"]).status_code == 403
    signed = client.post(f"/api/v1/confirmations/{confirmation['id']}/sign", headers=cast["op_sh"])
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"
    contract = client.get(f"/api/v1/contracts/{signed.get_json()['contract_id']}", headers=cast["op_sh"])
    assert contract.status_code == 200, contract.get_json()
    assert contract.get_json()["contract_amount_fen"] == START + 6 * INC
    assert client.get(f"/api/v1/achievements/{day['achievement_id']}", headers=cast["uni_member"]).get_json()["status"] == "sold"
    assert client.post(f"/api/v1/confirmations/{confirmation['id']}/sign", headers=cast["op_sh"]).status_code == 409
    bids = client.get(f"/api/v1/lots/{lot_id}/bids").get_json()
    assert [b["amount_fen"] for b in bids] == [START, START + INC, START + 6 * INC]
    assert all("bidder_id" not in b for b in bids)


def test_bad_lot_terms_are_422(client, cast, day):
    r = client.post(f"/api/v1/auctions/{day['auction_id']}/lots", headers=cast["op_sh"], json={
        "achievement_id": day["achievement_id"], "starting_price_fen": 1.5, "increment_fen": 0,
        "deposit_fen": -1, "starts_at": T0_LOCAL, "free_period_ends_at": T0_LOCAL})
    assert r.status_code == 422
    assert {"starting_price_fen", "increment_fen", "deposit_fen"} <= set(r.get_json()["errors"])


@pytest.mark.parametrize("change, field", [
    ({"starts_at": "0001-01-01T00:00:00", "free_period_ends_at": "0001-01-01T01:00:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T22:00:00-12:00", "free_period_ends_at": "9999-12-31T23:00:00-12:00"}, "starts_at"),
    ({"achievement_id": 2**70}, "achievement_id"),
])
def test_lot_with_out_of_range_time_or_id_is_rejected_with_field_error(client, cast, day, uow_factory, change, field):
    from sqlalchemy import text

    def lot_count():
        with uow_factory() as uow:
            return uow.session.scalar(text("SELECT count(*) FROM auction_lots"))
    before = lot_count()
    r = client.post(f"/api/v1/auctions/{day['auction_id']}/lots", headers=cast["op_sh"], json={
        "achievement_id": day["achievement_id"], "starting_price_fen": START, "increment_fen": INC,
        "deposit_fen": 0, **change})
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]
    assert lot_count() == before


@pytest.mark.parametrize("huge", [2**31, 2**64])
def test_auction_ids_beyond_any_id_are_404_not_500(client, cast, huge):
    for path in (f"/api/v1/lots/{huge}", f"/api/v1/lots/{huge}/bids", f"/api/v1/lots/{huge}/events",
                 f"/api/v1/auctions/{huge}", f"/api/v1/auctions/{huge}/events", f"/api/v1/confirmations/{huge}"):
        assert client.get(path, headers=cast["op_sh"]).status_code == 404, path


@pytest.mark.parametrize("last_event_id", ["99999999999999999999999", "²", "2147483648"])
def test_live_feed_with_an_impossible_last_event_id_replays_from_the_start(app, client, cast, clock, day,
                                                                            last_event_id):
    app.config.update(SSE_MAX_SECONDS=0.05, SSE_HEARTBEAT_SECONDS=0.01)
    clock.set(clock.now() + timedelta(hours=1))
    assert client.post(f"/api/v1/lots/{day['lot_id']}/registrations", headers=cast["corp_member"]).status_code == 201
    status, events = sse_events(client, day["lot_id"], last_event_id)
    assert status == 200


def test_openapi_documents_what_the_auction_routes_answer(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"200", "204"} <= set(paths["/api/v1/lots/{lot_id}/events"]["get"]["responses"])
    bids = paths["/api/v1/lots/{lot_id}/bids"]["post"]["responses"]
    assert bids["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BidAnswerOut"}
    assert bids["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BidRefusedOut"}
    for path, method, status in [("/api/v1/auctions", "get", "200"), ("/api/v1/auctions", "post", "201"),
                                 ("/api/v1/auctions/{auction_id}", "get", "200"),
                                 ("/api/v1/lots/{lot_id}", "get", "200"),
                                 ("/api/v1/registrations/mine", "get", "200"),
                                 ("/api/v1/confirmations/{confirmation_id}/sign", "post", "200")]:
        assert "application/json" in paths[path][method]["responses"][status]["content"], (path, method)


def test_members_cannot_create_auctions_or_lots(client, cast, day):
    assert client.post("/api/v1/auctions", headers=cast["corp_member"],
                       json={"market_code": "SH", "title": "x"}).status_code == 403
    assert client.post("/api/v1/auctions", headers=cast["op_js"],
                       json={"market_code": "SH", "title": "x"}).status_code == 403


def test_unknown_lot_is_404(client):
    assert client.get("/api/v1/lots/999").status_code == 404
    assert client.get("/api/v1/lots/999/events").status_code == 404
    assert client.get("/api/v1/auctions/999/events").status_code == 404


def test_unsold_lot_can_be_reoffered_through_the_api(app, client, cast, clock, day):
    lot_id = day["lot_id"]
    clock.set(clock.now() + timedelta(hours=3))
    closed = client.post(f"/api/v1/lots/{lot_id}/close", headers=cast["op_sh"])
    assert closed.status_code == 200 and closed.get_json()["status"] == "unsold"
    assert client.post(f"/api/v1/lots/{lot_id}/close", headers=cast["op_sh"]).status_code == 409
    now = clock.now()
    again = client.post(f"/api/v1/lots/{lot_id}/reoffer", headers=cast["op_sh"], json={
        "starts_at": iso(now + timedelta(days=1)), "free_period_ends_at": iso(now + timedelta(days=1, hours=1)),
        "starting_price_fen": START - 5 * INC})
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["reoffer_of_id"] == lot_id and again.get_json()["starting_price_fen"] == START - 5 * INC
