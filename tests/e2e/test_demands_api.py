"""Demands through HTTP, for every role, on SQLite and PostgreSQL."""
import pytest

from achievement_payloads import DEMAND

URL = "/api/v1/demands"


def open_demand(client, cast, **overrides):
    response = client.post(URL, json={**DEMAND, **overrides}, headers=cast["corp_member"])
    assert response.status_code == 201, response.get_json()
    ident = response.get_json()["id"]
    assert client.post(f"{URL}/{ident}/submit", headers=cast["corp_member"]).status_code == 200
    response = client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_js"])
    assert response.status_code == 200, response.get_json()
    return ident


def test_enterprise_posts_and_after_approval_the_demand_is_open(client, cast):
    ident = open_demand(client, cast)
    public = client.get(URL).get_json()
    assert [d["id"] for d in public["items"]] == [ident]
    assert public["items"][0]["status"] == "open"
    assert public["items"][0]["enterprise"]["name"] == "苏州精密传感有限公司"
    assert public["items"][0]["market_code"] == "JS"


@pytest.mark.parametrize("who, status", [("uni_member", 403), ("op_js", 403), ("admin", 403)])
def test_only_enterprise_members_post_demands(client, cast, who, status):
    assert client.post(URL, json=DEMAND, headers=cast[who]).status_code == status


def test_anonymous_cannot_post(client, cast):
    assert client.post(URL, json=DEMAND).status_code == 401


def test_operator_of_another_market_cannot_approve(client, cast):
    response = client.post(URL, json=DEMAND, headers=cast["corp_member"])
    ident = response.get_json()["id"]
    client.post(f"{URL}/{ident}/submit", headers=cast["corp_member"])
    assert client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_sh"]).status_code == 403
    assert client.get(f"{URL}/review-queue", headers=cast["op_sh"]).get_json()["total"] == 0
    assert client.get(f"{URL}/review-queue", headers=cast["op_js"]).get_json()["total"] == 1


def test_open_demand_reads_as_expired_after_its_deadline(client, cast, clock):
    ident = open_demand(client, cast, deadline="2025-03-10")
    clock.advance(days=8)  # 2025-03-11 in Shanghai
    assert client.get(URL).get_json()["total"] == 0
    listed = client.get(f"{URL}?include_expired=true").get_json()["items"]
    assert [(d["id"], d["status"]) for d in listed] == [(ident, "expired")]
    assert client.get(f"{URL}/{ident}").get_json()["status"] == "expired"


def test_deadline_in_the_past_is_refused(client, cast):
    response = client.post(URL, json={**DEMAND, "deadline": "2024-01-01"}, headers=cast["corp_member"])
    assert response.status_code == 422 and "deadline" in response.get_json()["errors"]


def test_closed_demand_leaves_the_public_list_and_cannot_reopen(client, cast):
    ident = open_demand(client, cast)
    closed = client.post(f"{URL}/{ident}/close", json={"reason": "已与高校签约"}, headers=cast["corp_member"])
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert client.get(URL).get_json()["total"] == 0
    assert client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_js"]).status_code == 409


def test_other_enterprise_cannot_close(client, cast):
    ident = open_demand(client, cast)
    assert client.post(f"{URL}/{ident}/close", json={}, headers=cast["corp_zj_member"]).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"), ({"budget_min_fen": -5}, "budget_min_fen"),
    ({"budget_min_fen": 200, "budget_max_fen": 100}, "budget_max_fen"), ({"deadline": "2025-13-01"}, "deadline"),
    ({"cooperation_mode": "捐赠"}, "cooperation_mode"), ({"description": "字" * 20_001}, "description"),
])
def test_bad_demand_input_is_422(client, cast, body, field):
    response = client.post(URL, json={**DEMAND, **body}, headers=cast["corp_member"])
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert client.get(f"{URL}/mine", headers=cast["corp_member"]).get_json()["total"] == 0


def test_filters_by_mode_and_budget(client, cast):
    a = open_demand(client, cast, cooperation_mode="技术转让", budget_min_fen=1_000, budget_max_fen=2_000)
    b = open_demand(client, cast, cooperation_mode="委托开发", budget_min_fen=10_000, budget_max_fen=20_000)
    ids = lambda q: [d["id"] for d in client.get(f"{URL}?{q}").get_json()["items"]]  # noqa: E731
    assert ids("mode=技术转让") == [a]
    assert ids("price_min=5000") == [b]
    assert ids("price_max=5000") == [a]
    assert ids("sort=price") == [a, b]


def test_draft_edit_by_owner(client, cast):
    ident = client.post(URL, json=DEMAND, headers=cast["corp_member"]).get_json()["id"]
    edited = client.patch(f"{URL}/{ident}", json={"budget_max_fen": 300_000_000}, headers=cast["corp_member"])
    assert edited.status_code == 200 and edited.get_json()["budget_max_fen"] == 300_000_000
    inverted = client.patch(f"{URL}/{ident}", json={"budget_max_fen": 1}, headers=cast["corp_member"])
    assert inverted.status_code == 422
    assert client.patch(f"{URL}/{ident}", json={"title": "x"}, headers=cast["corp_zj_member"]).status_code == 404
