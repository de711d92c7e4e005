"""`make run`'s demo data, seen through the API on first start: the statistics have registered
contracts in the four provinces over several quarters, and a finished auction shows its
published result beside the live one."""
from market.services.seed import DEMO_PASSWORD, seed_demo


def seed(services):
    return seed_demo(services.uow_factory, services.hasher, services.clock.now(), if_empty=True)


def test_demo_statistics_are_not_empty_on_first_start(client, services):
    lines = seed(services)
    assert any(line.startswith("demo contracts:") for line in lines), lines
    body = client.get("/api/v1/stats/contracts?from=2023Q4&to=2025Q1&group_by=quarter,province").get_json()
    provinces = {r["province"] for r in body["rows"] if r["count"]}
    quarters = {r["quarter"] for r in body["rows"] if r["count"]}
    assert provinces == {"上海", "江苏", "浙江", "安徽"}
    assert len(quarters) >= 5 and body["total"]["count"] >= 60
    this_year = client.get("/api/v1/stats/contracts").get_json()
    assert this_year["total"]["count"] > 0
    flows = client.get("/api/v1/stats/flows?from=2023Q4&to=2025Q1").get_json()
    assert flows["yrd_cross_province"]["total"]["count"] > 0


def test_demo_has_a_finished_lot_with_its_published_result_beside_the_live_one(client, services):
    seed(services)
    auctions = client.get("/api/v1/auctions").get_json()
    finished = [a for a in auctions if "已结束" in a["title"]]
    assert len(finished) == 1 and finished[0]["status"] == "finished"
    assert any(a["status"] != "finished" for a in auctions)       # the live demo auction
    lot = client.get(f"/api/v1/auctions/{finished[0]['id']}").get_json()["lots"][0]
    assert lot["status"] == "sold" and lot["current_price_fen"] >= lot["starting_price_fen"]
    assert "reserve_price_fen" not in lot
    token = client.post("/api/v1/auth/login", json={"email": "op-js@yrd.example", "password": DEMO_PASSWORD})
    staff = {"Authorization": f"Bearer {token.get_json()['token']}"}
    seen = client.get(f"/api/v1/auctions/{finished[0]['id']}", headers=staff).get_json()["lots"][0]
    assert seen["confirmation"]["status"] == "signed"
    assert seen["confirmation"]["hammer_price_fen"] == lot["current_price_fen"]
