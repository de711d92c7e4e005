"""A university and a company join the platform on their own, over HTTP: sign up, the mail reaches
the test's SMTP server, confirm, create the organisation, their market verifies it, and only then
they list, register for a lot and make an offer."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from signup_flow import PASSWORD, mails_to, organisation_body, sign_up_and_confirm, token_in  # noqa: E402

ACHIEVEMENT = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": "导热系数提高百分之四十。",
               "ip_type": "发明专利", "field": "新材料", "market_code": "SH", "price_fen": 500_000_00}


@pytest.fixture
def app_config(tmp_path, smtp_server):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "SMTP_URL": smtp_server.url}


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_university_and_a_company_join_get_verified_and_then_list_register_and_offer(client, cast, smtp_server, clock):
    uni = sign_up_and_confirm(client, smtp_server, "li@sjtu-like.edu.cn", "李老师")
    org = _ok(client.post("/api/v1/accounts/organisation", headers=uni,
                          json=organisation_body("沪南交通大学", "university", 1)), 201)
    assert org["verification_status"] == "unverified" and org["market_code"] == "SH"
    draft = _ok(client.post("/api/v1/achievements", headers=uni, json=ACHIEVEMENT), 201)   # drafts are fine
    refused = client.post(f"/api/v1/achievements/{draft['id']}/submit", headers=uni)
    assert refused.status_code == 403
    assert "尚未通过市场认证" in refused.get_json()["message"] and "not verified" in refused.get_json()["message"]

    queue = _ok(client.get("/api/v1/organisations/verification-queue", headers=cast["op_sh"]))
    assert [o["id"] for o in queue] == [org["id"]]
    assert client.post(f"/api/v1/organisations/{org['id']}/verify", headers=cast["op_js"]).status_code == 403
    verified = _ok(client.post(f"/api/v1/organisations/{org['id']}/verify", headers=cast["op_sh"]))
    assert verified["verification_status"] == "verified" and verified["verified_at"]
    assert "已通过" in mails_to(smtp_server, "li@sjtu-like.edu.cn", 2).subject
    assert _ok(client.get("/api/v1/organisations/verification-queue", headers=cast["op_sh"])) == []
    _ok(client.post(f"/api/v1/achievements/{draft['id']}/submit", headers=uni))
    _ok(client.post(f"/api/v1/achievements/{draft['id']}/review", headers=cast["op_sh"], json={"decision": "approve"}))

    company = sign_up_and_confirm(client, smtp_server, "wang@suzhou-sensor.cn", "王经理")
    corp = _ok(client.post("/api/v1/accounts/organisation", headers=company,
                           json=organisation_body("苏州微感科技有限公司", "enterprise", 2, "江苏", "苏州", "JS")), 201)
    interest = {"achievement_id": draft["id"], "message": "希望洽谈独占许可"}
    assert client.post("/api/v1/deals/interests", headers=company, json=interest).status_code == 403
    auction = _ok(client.post("/api/v1/auctions", headers=cast["op_sh"],
                              json={"market_code": "SH", "title": "G60 科创走廊专场"}), 201)
    t0 = clock.now()
    lot = _ok(client.post(f"/api/v1/auctions/{auction['id']}/lots", headers=cast["op_sh"], json={
        "achievement_id": draft["id"], "starting_price_fen": 500_000_00, "increment_fen": 10_000_00,
        "deposit_fen": 50_000_00, "starts_at": (t0 + timedelta(hours=1)).isoformat(),
        "free_period_ends_at": (t0 + timedelta(hours=2)).isoformat(), "window_seconds": 300}), 201)
    assert client.post(f"/api/v1/lots/{lot['id']}/registrations", headers=company).status_code == 403

    _ok(client.post(f"/api/v1/organisations/{corp['id']}/verify", headers=cast["op_js"]))
    _ok(client.post(f"/api/v1/lots/{lot['id']}/registrations", headers=company), 201)


def test_a_confirmation_link_works_once(client, smtp_server):
    client.post("/api/v1/accounts/signup", json={"email": "a@b.cn", "display_name": "甲", "password": PASSWORD})
    token = token_in(mails_to(smtp_server, "a@b.cn"))
    assert client.post("/api/v1/auth/login", json={"email": "a@b.cn", "password": PASSWORD}).status_code == 403
    _ok(client.post("/api/v1/accounts/confirm", json={"token": token}))
    again = client.post("/api/v1/accounts/confirm", json={"token": token})
    assert again.status_code == 410 and "已使用" in again.get_json()["message"]
    assert client.post("/api/v1/accounts/confirm", json={"token": "x" * 43}).status_code == 404


def test_a_second_organisation_with_the_same_credit_code_gets_409_naming_the_first(client, smtp_server):
    first = sign_up_and_confirm(client, smtp_server, "first@x.cn")
    org = _ok(client.post("/api/v1/accounts/organisation", headers=first,
                          json=organisation_body("沪南交通大学", "university", 7)), 201)
    second = sign_up_and_confirm(client, smtp_server, "second@x.cn")
    clash = client.post("/api/v1/accounts/organisation", headers=second,
                        json=organisation_body("沪南交大", "university", 7))
    assert clash.status_code == 409
    body = clash.get_json()
    assert "沪南交通大学" in body["message"] and body["errors"]["existing_organisation_id"] == [str(org["id"])]
    asked = _ok(client.post(f"/api/v1/organisations/{org['id']}/join-requests", headers=second,
                            json={"message": "我是科研处的"}), 201)
    assert "申请加入" in mails_to(smtp_server, "first@x.cn", 2).subject
    _ok(client.post(f"/api/v1/join-requests/{asked['id']}/approve", headers=first, json={"org_role": "drafter"}))
    members = _ok(client.get(f"/api/v1/organisations/{org['id']}/members", headers=first))
    assert sorted(m["org_role"] for m in members) == ["administrator", "drafter"]


@pytest.mark.parametrize("field, value, message", [
    ("credit_code", "91310000MA1FL0000X", "校验位"),
    ("kind", "service_agency", "must be one of"),
    ("market_code", "BJ", "must be one of"),
    ("province", "火星", "未知省份"),
])
def test_bad_organisation_fields_get_field_messages(client, smtp_server, field, value, message):
    headers = sign_up_and_confirm(client, smtp_server, "bad@x.cn")
    body = {**organisation_body("某某大学", "university", 3), field: value}
    response = client.post("/api/v1/accounts/organisation", headers=headers, json=body)
    assert response.status_code == 422
    assert message in " ".join(response.get_json()["errors"][field])


@pytest.mark.parametrize("field, value", [("email", "not-an-address"), ("phone", "12345"),
                                          ("password", "password1234"), ("display_name", "")])
def test_bad_sign_up_fields_get_field_messages_and_no_mail(client, smtp_server, field, value):
    body = {"email": "ok@x.cn", "display_name": "甲", "password": PASSWORD, "phone": "021-12345678", field: value}
    response = client.post("/api/v1/accounts/signup", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert smtp_server.received == []
