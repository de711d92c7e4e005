"""Which market may offer what, through HTTP: one application number is published once; another
market lists the existing achievement instead, and only then may auction or re-offer it."""
from __future__ import annotations

from datetime import timedelta

from auction_http import create_auction, iso, lot_terms, publish_achievement

NUMBER = "202310123456.6"


def draft(client, cast, number, title="同一专利的第二次申报") -> int:
    created = client.post("/api/v1/achievements", headers=cast["uni_member"], json={
        "title": title, "ip_type": "发明专利", "field": "新材料", "market_code": "SH",
        "application_numbers": [number]})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_submitting_a_published_application_number_again_is_409_naming_the_achievement(client, cast):
    first = publish_achievement(client, cast, application_numbers=["ZL" + NUMBER])
    second = draft(client, cast, "CN" + NUMBER)
    r = client.post(f"/api/v1/achievements/{second}/submit", headers=cast["uni_member"])
    assert r.status_code == 409, r.get_json()
    assert f"achievement {first}" in r.get_json()["message"]
    assert r.get_json()["errors"] == {"application_numbers": [f"{NUMBER}: achievement {first}"]}
    assert client.get(f"/api/v1/achievements/{second}", headers=cast["uni_member"]).get_json()["status"] == "draft"


def test_approving_a_published_application_number_again_is_409_naming_the_achievement(client, cast):
    first, second = draft(client, cast, NUMBER, "第一次申报"), draft(client, cast, "CN" + NUMBER)
    for ident in (first, second):
        assert client.post(f"/api/v1/achievements/{ident}/submit", headers=cast["uni_member"]).status_code == 200
    approve = {"decision": "approve"}
    assert client.post(f"/api/v1/achievements/{first}/review", headers=cast["op_sh"], json=approve).status_code == 200
    r = client.post(f"/api/v1/achievements/{second}/review", headers=cast["op_sh"], json=approve)
    assert r.status_code == 409 and f"achievement {first}" in r.get_json()["message"]


def test_operator_adds_a_listing_to_the_existing_achievement_and_may_then_auction_it(client, cast, clock):
    sh = publish_achievement(client, cast, application_numbers=[NUMBER])
    js_auction = create_auction(client, cast, market="JS", operator="op_js")
    assert client.post(f"/api/v1/auctions/{js_auction}/lots", headers=cast["op_js"],
                       json=lot_terms(clock, sh)).status_code == 403
    assert client.post(f"/api/v1/achievements/{sh}/listings", headers=cast["op_js"],
                       json={"market_code": "SH"}).status_code == 403          # not its market
    listed = client.post(f"/api/v1/achievements/{sh}/listings", headers=cast["op_js"],
                         json={"market_code": "JS", "external_id": "JS-2025-001"})
    assert listed.status_code == 201, listed.get_json()
    assert listed.get_json()["markets"] == ["JS", "SH"]
    assert client.post(f"/api/v1/achievements/{sh}/listings", headers=cast["op_js"],
                       json={"market_code": "JS"}).status_code == 409         # listed already
    lot = client.post(f"/api/v1/auctions/{js_auction}/lots", headers=cast["op_js"], json=lot_terms(clock, sh))
    assert lot.status_code == 201, lot.get_json()


def test_an_operator_reoffers_only_achievements_listed_on_its_own_market(client, cast, clock, day):
    clock.set(clock.now() + timedelta(hours=3))
    assert client.post(f"/api/v1/lots/{day['lot_id']}/close", headers=cast["op_sh"]).status_code == 200
    js_auction = create_auction(client, cast, market="JS", operator="op_js")
    history_path = f"/api/v1/achievements/{day['achievement_id']}/history"
    before = client.get(history_path, headers=cast["op_sh"]).get_json()
    now = clock.now()
    r = client.post(f"/api/v1/lots/{day['lot_id']}/reoffer", headers=cast["op_js"], json={
        "auction_id": js_auction, "starts_at": iso(now + timedelta(days=1)),
        "free_period_ends_at": iso(now + timedelta(days=1, hours=1))})
    assert r.status_code == 403 and r.get_json()["errors"] == {"achievement_id": ["not_listed_on_market"]}
    assert client.get(history_path, headers=cast["op_sh"]).get_json() == before   # no line by op-JS
    assert client.get(f"/api/v1/achievements/{day['achievement_id']}").get_json()["status"] == "published"
