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


def test_the_demo_shows_sh_operators_one_organisation_awaiting_verification(app, client, services):
    seed_demo(services.uow_factory, services.hasher, services.clock.now(), if_empty=True)
    login = client.post("/api/v1/auth/login", json={"email": "op-sh@yrd.example", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    queue = client.get("/api/v1/organisations/verification-queue", headers=headers).get_json()
    assert [o["name"] for o in queue] == ["浦东智能传感研究院"]
    verified = client.get("/api/v1/organisations?per_page=100").get_json()["items"]
    assert sum(o["verification_status"] == "verified" for o in verified) == len(verified) - 1
