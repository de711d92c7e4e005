"""Passwords and sessions over HTTP: the policy on every way a password is set, change, an admin's
forced reset, log out everywhere, and a 429 that always says when to retry."""
from __future__ import annotations

import pytest

from market.domain.credentials import FREE_FAILURES

NEW = "new-river-stone-88"


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "idx"), "LOGIN_RATE_LIMIT": "1000 per minute"}


def _login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


@pytest.mark.parametrize("password, problem", [("only-eleven", "12"), ("123qweasdzxc", "常见"),
                                               ("newbie@example.cn", "邮箱")])
def test_creating_a_user_applies_the_password_policy(client, cast, password, problem):
    response = client.post("/api/v1/users", headers=cast["admin"], json={
        "email": "newbie@example.cn", "password": password, "display_name": "n", "role": "admin"})
    assert response.status_code == 422
    assert problem in response.get_json()["errors"]["password"][0]


def test_the_cli_applies_the_password_policy(app):
    result = app.test_cli_runner().invoke(args=["market", "create-user", "--email", "c@example.cn", "--name", "c",
                                                "--role", "admin", "--password", "too-short"])
    assert result.exit_code != 0 and "12" in result.output


def test_changing_the_password_ends_old_sessions_and_answers_with_a_new_token(client, cast):
    old = cast["uni_member"]
    other = {"Authorization": "Bearer " + _login(client, "uni_member@example.cn", cast.PASSWORD).get_json()["token"]}
    response = client.post("/api/v1/auth/password", headers=old,
                           json={"current_password": cast.PASSWORD, "new_password": NEW})
    assert response.status_code == 200, response.get_json()
    fresh = {"Authorization": "Bearer " + response.get_json()["token"]}
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    assert client.get("/api/v1/auth/me", headers=other).status_code == 401
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200
    assert _login(client, "uni_member@example.cn", cast.PASSWORD).status_code == 401
    assert _login(client, "uni_member@example.cn", NEW).status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"current_password": "not-the-password", "new_password": NEW}, "current_password"),
    ({"current_password": "correct-horse-42", "new_password": "short-one"}, "new_password"),
    ({"current_password": "correct-horse-42", "new_password": "uni_member@example.cn"}, "new_password"),
])
def test_a_refused_password_change_keeps_the_session(client, cast, body, field):
    response = client.post("/api/v1/auth/password", headers=cast["uni_member"], json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert client.get("/api/v1/auth/me", headers=cast["uni_member"]).status_code == 200


def test_changing_a_password_needs_a_login(client):
    response = client.post("/api/v1/auth/password", json={"current_password": "a", "new_password": NEW})
    assert response.status_code == 401


def test_log_out_everywhere_ends_every_session_of_the_user_only(client, cast):
    second = {"Authorization": "Bearer " + _login(client, "corp_member@example.cn", cast.PASSWORD).get_json()["token"]}
    response = client.post("/api/v1/auth/logout-everywhere", headers=cast["corp_member"])
    assert response.status_code == 200 and response.get_json() == {"revoked_tokens": 2}
    assert client.get("/api/v1/auth/me", headers=cast["corp_member"]).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 401
    assert client.get("/api/v1/auth/me", headers=cast["uni_member"]).status_code == 200


def test_an_admin_reset_ends_sessions_and_the_temporary_password_opens_only_the_change(client, cast):
    user_id = cast.ids["op_sh"]
    for who in ("op_js", "uni_member"):
        assert client.post(f"/api/v1/users/{user_id}/password-reset", headers=cast[who]).status_code == 403
    assert client.post(f"/api/v1/users/{user_id}/password-reset").status_code == 401
    assert client.post("/api/v1/users/999999/password-reset", headers=cast["admin"]).status_code == 404
    response = client.post(f"/api/v1/users/{user_id}/password-reset", headers=cast["admin"])
    assert response.status_code == 201
    temporary = response.get_json()["temporary_password"]
    assert client.get("/api/v1/auth/me", headers=cast["op_sh"]).status_code == 401
    assert _login(client, "op_sh@example.cn", cast.PASSWORD).status_code == 401
    limited = {"Authorization": "Bearer " + _login(client, "op_sh@example.cn", temporary).get_json()["token"]}
    me = client.get("/api/v1/auth/me", headers=limited)
    assert me.status_code == 200 and me.get_json()["password_reset_required"] is True
    blocked = client.post("/api/v1/auth/logout-everywhere", headers=limited)
    assert blocked.status_code == 200
    limited = {"Authorization": "Bearer " + _login(client, "op_sh@example.cn", temporary).get_json()["token"]}
    assert client.get("/api/v1/markets/SH/imports", headers=limited).status_code == 403
    changed = client.post("/api/v1/auth/password", headers=limited,
                          json={"current_password": temporary, "new_password": NEW})
    assert changed.status_code == 200
    fresh = {"Authorization": "Bearer " + changed.get_json()["token"]}
    assert client.get("/api/v1/markets/SH/imports", headers=fresh).status_code == 200


def test_a_locked_account_answers_429_with_retry_after(client, cast):
    for _ in range(FREE_FAILURES + 1):
        assert _login(client, "admin@example.cn", "wrong-password-123").status_code == 401
    locked = _login(client, "admin@example.cn", cast.PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert locked.get_json()["code"] == 429
    assert _login(client, "op_js@example.cn", cast.PASSWORD).status_code == 201   # other accounts unaffected


def test_an_address_over_its_limit_answers_429_with_retry_after(app, client, cast):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    codes = [_login(client, "nobody@example.cn", "wrong-password-123") for _ in range(3)]
    assert [r.status_code for r in codes] == [401, 401, 429]
    assert 1 <= int(codes[-1].headers["Retry-After"]) <= 61     # the minute's window, rounded up
