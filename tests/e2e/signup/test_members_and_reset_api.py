"""Invitations, members' roles, leaving, and the forgotten password, over HTTP with real mail."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from signup_flow import PASSWORD, mails_to, organisation_body, sign_up_and_confirm, token_in  # noqa: E402


@pytest.fixture
def app_config(tmp_path, smtp_server):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "SMTP_URL": smtp_server.url}


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _own_org(client, smtp_server, email="boss@x.cn"):
    headers = sign_up_and_confirm(client, smtp_server, email, "负责人")
    org = _ok(client.post("/api/v1/accounts/organisation", headers=headers,
                          json=organisation_body("皖江新材料研究院", "research_institute", 11, "安徽", "合肥", "AH")), 201)
    return headers, org


def test_an_invited_colleague_joins_with_the_mailed_link_once_and_a_drafter_cannot_submit(client, cast, smtp_server):
    boss, org = _own_org(client, smtp_server)
    _ok(client.post(f"/api/v1/organisations/{org['id']}/verify", headers=cast["admin"]))
    _ok(client.post(f"/api/v1/organisations/{org['id']}/invitations", headers=boss,
                    json={"email": "Colleague@X.cn", "org_role": "drafter"}), 201)
    token = token_in(mails_to(smtp_server, "colleague@x.cn"))
    joined = _ok(client.post("/api/v1/invitations/accept",
                             json={"token": token, "display_name": "同事", "password": PASSWORD}), 201)
    assert joined["organisation_id"] == org["id"] and joined["org_role"] == "drafter"
    again = client.post("/api/v1/invitations/accept", json={"token": token, "display_name": "x", "password": PASSWORD})
    assert again.status_code == 410
    login = _ok(client.post("/api/v1/auth/login", json={"email": "colleague@x.cn", "password": PASSWORD}), 201)
    colleague = {"Authorization": f"Bearer {login['token']}"}
    draft = _ok(client.post("/api/v1/achievements", headers=colleague, json={
        "title": "一种高强铝合金焊接方法", "abstract": "焊缝强度提高。", "ip_type": "发明专利", "field": "新材料",
        "market_code": "AH"}), 201)
    refused = client.post(f"/api/v1/achievements/{draft['id']}/submit", headers=colleague)
    assert refused.status_code == 403 and "drafter" in refused.get_json()["message"]
    _ok(client.patch(f"/api/v1/organisations/{org['id']}/members/{joined['id']}", headers=boss,
                     json={"org_role": "trader"}))
    _ok(client.post(f"/api/v1/achievements/{draft['id']}/submit", headers=colleague))


def test_the_last_administrator_cannot_leave_but_a_member_can(client, smtp_server):
    boss, org = _own_org(client, smtp_server)
    me = _ok(client.get("/api/v1/auth/me", headers=boss))
    stuck = client.delete(f"/api/v1/organisations/{org['id']}/members/{me['id']}", headers=boss)
    assert stuck.status_code == 409 and "最后一位管理员" in stuck.get_json()["message"]
    other = sign_up_and_confirm(client, smtp_server, "other@x.cn")
    asked = _ok(client.post(f"/api/v1/organisations/{org['id']}/join-requests", headers=other, json={}), 201)
    _ok(client.post(f"/api/v1/join-requests/{asked['id']}/approve", headers=boss, json={}))
    other_id = _ok(client.get("/api/v1/auth/me", headers=other))["id"]
    left = _ok(client.delete(f"/api/v1/organisations/{org['id']}/members/{other_id}", headers=other))
    assert left["id"] == other_id
    assert client.get("/api/v1/auth/me", headers=other).status_code == 401   # sessions end on leaving


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(client, cast, smtp_server, clock):
    headers = sign_up_and_confirm(client, smtp_server, "forgot@x.cn")
    _ok(client.post("/api/v1/accounts/password-reset", json={"email": "FORGOT@x.cn"}), 202)
    token = token_in(mails_to(smtp_server, "forgot@x.cn", 2))
    weak = client.post("/api/v1/accounts/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["errors"]
    done = _ok(client.post("/api/v1/accounts/password-reset/confirm",
                           json={"token": token, "new_password": "another-long-pass"}))
    assert done["revoked_tokens"] == 1
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert client.post("/api/v1/accounts/password-reset/confirm",
                       json={"token": token, "new_password": "third-long-pass!"}).status_code == 410
    _ok(client.post("/api/v1/auth/login", json={"email": "forgot@x.cn", "password": "another-long-pass"}), 201)


def test_a_reset_link_expires_after_30_minutes(client, smtp_server, clock):
    sign_up_and_confirm(client, smtp_server, "late@x.cn")
    client.post("/api/v1/accounts/password-reset", json={"email": "late@x.cn"})
    token = token_in(mails_to(smtp_server, "late@x.cn", 2))
    clock.advance(minutes=30)
    late = client.post("/api/v1/accounts/password-reset/confirm", json={"token": token, "new_password": "another-long-pass"})
    assert late.status_code == 410 and "过期" in late.get_json()["message"]


def test_answers_never_say_whether_an_address_is_registered(client, smtp_server):
    sign_up_and_confirm(client, smtp_server, "known@x.cn")
    for path in ("/api/v1/accounts/password-reset", "/api/v1/accounts/signup"):
        body = {"display_name": "甲", "password": PASSWORD} if path.endswith("signup") else {}
        known = client.post(path, json={"email": "known@x.cn", **body})
        unknown = client.post(path, json={"email": f"nobody-{path[-6:]}@x.cn", **body})
        assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
