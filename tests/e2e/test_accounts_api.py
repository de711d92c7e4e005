"""Login, tokens, organisations and users through HTTP."""
import pytest

from market.services.accounts import create_user


def test_login_with_wrong_password_is_401(client, cast):
    response = client.post("/api/v1/auth/login", json={"email": "uni_member@example.cn", "password": "nope-nope"})
    assert response.status_code == 401 and "邮箱或密码错误" in response.get_json()["message"]


def test_logout_revokes_the_token(client, cast):
    headers = cast["uni_member"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_login_with_a_nul_character_is_422_not_500(client, cast):
    response = client.post("/api/v1/auth/login", json={"email": "uni_member@example.cn\u0000", "password": "x"})
    assert response.status_code == 422 and "email" in response.get_json()["errors"]


def test_me_requires_a_token(client):
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_admin_registers_organisations_with_valid_credit_codes(client, cast):
    ok = client.post("/api/v1/organisations", headers=cast["admin"], json={
        "name": "深圳市腾讯计算机系统有限公司", "kind": "enterprise", "province": "广东省",
        "credit_code": "9144030071526726xg"})
    assert ok.status_code == 201
    assert ok.get_json()["credit_code"] == "9144030071526726XG" and ok.get_json()["province"] == "广东"
    dup = client.post("/api/v1/organisations", headers=cast["admin"], json={
        "name": "重复", "kind": "enterprise", "province": "广东", "credit_code": "9144030071526726XG"})
    assert dup.status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"credit_code": "9144030071526726XA"}, "credit_code"),
    ({"credit_code": "123"}, "credit_code"),
    ({"province": "火星"}, "province"),
    ({"kind": "club"}, "kind"),
    ({"name": ""}, "name"),
])
def test_bad_organisations_are_422(client, cast, body, field):
    response = client.post("/api/v1/organisations", headers=cast["admin"],
                           json={"name": "某大学", "kind": "university", "province": "安徽", **body})
    assert response.status_code == 422 and field in response.get_json()["errors"]


@pytest.mark.parametrize("who", [None, "uni_member", "op_sh"])
def test_only_admin_registers_organisations_and_users(client, cast, who):
    headers = cast[who] if who else {}
    expected = 401 if who is None else 403
    assert client.post("/api/v1/organisations", headers=headers,
                       json={"name": "某大学", "kind": "university", "province": "安徽"}).status_code == expected
    assert client.post("/api/v1/users", headers=headers, json={
        "email": "n@example.cn", "password": "long-enough-pass", "display_name": "n", "role": "admin"}).status_code == expected


def test_admin_creates_an_operator_who_can_log_in(client, cast):
    response = client.post("/api/v1/users", headers=cast["admin"], json={
        "email": "op-ah@example.cn", "password": "long-enough-pass", "display_name": "皖运营", "role": "operator",
        "market_code": "AH"})
    assert response.status_code == 201 and "password" not in response.get_json()
    login = client.post("/api/v1/auth/login", json={"email": "op-ah@example.cn", "password": "long-enough-pass"})
    assert login.status_code == 201 and login.get_json()["user"]["market_code"] == "AH"


@pytest.mark.parametrize("body, field", [
    ({"role": "operator"}, "market_code"), ({"role": "member"}, "organisation_id"),
    ({"email": "not-an-email"}, "email"), ({"password": "short"}, "password"),
    ({"role": "member", "organisation_id": 999}, "organisation_id"),
    ({"role": "member", "organisation_id": 2**70}, "organisation_id"),
    ({"display_name": "管理员\u0000"}, "display_name"),
])
def test_bad_users_are_422(client, cast, body, field):
    response = client.post("/api/v1/users", headers=cast["admin"], json={
        "email": "n@example.cn", "password": "long-enough-pass", "display_name": "n", "role": "admin", **body})
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_markets_and_organisations_are_public(client, cast):
    markets = client.get("/api/v1/markets").get_json()
    assert [(m["code"], m["province"]) for m in markets] == [("AH", "安徽"), ("JS", "江苏"), ("SH", "上海"), ("ZJ", "浙江")]
    orgs = client.get("/api/v1/organisations?kind=enterprise").get_json()
    assert {o["name"] for o in orgs["items"]} == {"苏州精密传感有限公司", "杭州云栖数字医疗科技有限公司"}
    assert client.get(f"/api/v1/organisations/{cast.orgs['uni']}").get_json()["kind"] == "university"
    assert client.get("/api/v1/organisations/99999").status_code == 404
