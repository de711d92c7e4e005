"""`make run`'s demo data: loads once, in Chinese, with every role able to log in."""
from market.services.seed import DEMO_PASSWORD, seed_demo


def test_demo_data_loads_once_and_its_accounts_work(app, client, services):
    lines = seed_demo(services.uow_factory, services.hasher, services.clock.now(), if_empty=True)
    assert any("demo auction" in line for line in lines)
    again = seed_demo(services.uow_factory, services.hasher, services.clock.now(), if_empty=True)
    assert again == ["demo data already loaded"]
    public = client.get("/api/v1/achievements?per_page=1").get_json()
    demands = client.get("/api/v1/demands?per_page=1").get_json()
    assert public["total"] >= 100 and demands["total"] >= 30
    assert public["total"] + demands["total"] <= 200
    for email in ("admin@yrd.example", "op-sh@yrd.example", "member1@yrd.example", "member8@yrd.example"):
        response = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 201, email
    auction = client.get("/api/v1/auctions/1").get_json()
    assert len(auction["lots"]) == 3
