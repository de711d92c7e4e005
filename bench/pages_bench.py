"""Server time of each page (issue 17: p95 <= 100 ms on the demo data), measured in-process
through the WSGI app (the Flask test client: no network, no browser), on a scratch SQLite
database filled with the demo data (`seed-demo` and `import-demo`, as `make run` does).

    .venv/bin/python bench/pages_bench.py --requests 100
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEMO_PASSWORD = "demo-pass-2025"   # market.services.seed.DEMO_PASSWORD (imported after the environment is set)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def signed_in(app, email: str):
    """A test client holding a page session of `email` (the login form, with its CSRF token)."""
    from market.services.seed import DEMO_PASSWORD
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _api_member(client, kind: str) -> tuple[str, dict]:
    """The first demo member of an organisation of this kind: its email and API headers."""
    for i in range(1, 200):
        email = f"member{i}@yrd.example"
        login = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}).get_json()
        if login["user"]["organisation_kind"] == kind:
            return email, {"Authorization": f"Bearer {login['token']}"}
    raise SystemExit(f"no demo member of a {kind}")


def member_pages(app, client, clients: dict, lot_id: int) -> dict:
    """The members' and operators' pages (issue 17, second slice), with the demo data plus one deal
    in publicity and one lot registration made through the API, as a person would."""
    uni_email, uni = _api_member(client, "university")
    corp_email, corp = _api_member(client, "enterprise")
    mine = client.get("/api/v1/achievements/mine?status=published", headers=uni).get_json()["items"][0]
    interest = client.post("/api/v1/deals/interests", headers=corp,
                           json={"achievement_id": mine["id"], "message": "希望洽谈转让"}).get_json()
    negotiation = client.post(f"/api/v1/deals/interests/{interest['id']}/accept", headers=uni).get_json()
    offer = client.post(f"/api/v1/deals/negotiations/{negotiation['id']}/offers", headers=corp,
                        json={"price_fen": 50_000_000, "transfer_mode": mine["transfer_modes"][0]}).get_json()
    agreement = client.post(f"/api/v1/deals/offers/{offer['id']}/accept", headers=uni).get_json()
    client.post(f"/api/v1/lots/{lot_id}/registrations", headers=corp)
    demand_id = client.get("/api/v1/demands?per_page=1").get_json()["items"][0]["id"]
    own_id = client.get("/api/v1/achievements/mine", headers=uni).get_json()["items"][0]["id"]
    clients.update(uni=signed_in(app, uni_email), corp=signed_in(app, corp_email),
                   op=signed_in(app, "op-sh@yrd.example"))
    return {"demands ?market=JS": "/demands?market=JS", "demand + matches": f"/demands/{demand_id}",
            "publicity list": "/publicity", "publicity notice": f"/publicity/{agreement['publicity_notice_id']}",
            "my achievements": ("uni", "/my/achievements"), "my achievement": ("uni", f"/my/achievements/{own_id}"),
            "new achievement form": ("uni", "/my/achievements/new"), "my demands": ("corp", "/my/demands"),
            "my deals": ("corp", "/my/deals"), "negotiation": ("corp", f"/my/deals/negotiations/{negotiation['id']}"),
            "lot registration": ("corp", f"/lots/{lot_id}/register"), "my registrations": ("corp", "/my/registrations"),
            "review queue": ("op", "/operator/review")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="requests per page (after 5 warm-ups)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as tmp:
        url = f"sqlite:///{tmp}/market.sqlite"
        os.environ.update(MARKET_CONFIG="development", DATABASE_URL=url, SEARCH_INDEX_DIR=f"{tmp}/index")
        from market import create_app
        app = create_app("development")
        runner = app.test_cli_runner()
        for command in (["market", "migrate"], ["market", "seed-demo"], ["market", "import-demo"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        client = app.test_client()
        auctions = client.get("/api/v1/auctions").get_json()
        live = next(a for a in auctions if a["status"] != "finished")
        lot_id = client.get(f"/api/v1/auctions/{live['id']}").get_json()["lots"][0]["id"]
        achievement_id = client.get("/api/v1/achievements?per_page=1").get_json()["items"][0]["id"]
        pages = {"home /": "/", "search ?q=电池": "/achievements?q=电池", "browse ?market=JS": "/achievements?market=JS",
                 "achievement": f"/achievements/{achievement_id}", "lot hall": f"/lots/{lot_id}",
                 "login": "/login", "api docs": "/api/docs",
                 "big screen": f"/auctions/{live['id']}/screen", "stats 2025": "/stats?period=2025",
                 "stats 2025Q3": "/stats?period=2025Q3"}
        clients = {None: client, "day": signed_in(app, f"op-{live['market_code'].lower()}@yrd.example")}
        pages.update({"console days": ("day", "/console/auctions"),
                      "console day": ("day", f"/console/auctions/{live['id']}"),
                      "console lot form": ("day", f"/console/auctions/{live['id']}/lots"),
                      "contracts": ("day", "/contracts"), "contract form": ("day", "/contracts/new")})
        pages.update(member_pages(app, client, clients, lot_id))
        print(f"{args.requests} requests per page, in-process; load average {os.getloadavg()[0]:.2f}")
        print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        for name, target in pages.items():
            who, path = target if isinstance(target, tuple) else (None, target)
            client = clients[who]
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(f"{name:<22}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}{max(times):>9.1f}")
        app.extensions["market"].extra["engine"].dispose()


if __name__ == "__main__":
    main()
