"""Every response carries the browser-protection headers; the docs page runs no inline script;
HSTS only in production; CORS only for the configured portals, never with credentials."""
from __future__ import annotations

import re

import pytest

from market import create_app

PORTAL = "https://portal.sh-tech.example.cn"


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "idx"), "PROPAGATE_EXCEPTIONS": False}


def _protected(response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers      # not outside production


def test_every_kind_of_response_carries_the_protective_headers(app, client, request):
    @app.route("/boom")
    def boom():
        raise RuntimeError("an unexpected failure")

    cast = request.getfixturevalue("cast")   # logs in: routes must be added before the first request

    responses = [
        client.get("/api/v1/achievements"), client.get("/api/v1/openapi.json"), client.get("/api/docs"),
        client.get("/healthz"), client.get("/api/v1/nothing-here"), client.delete("/api/v1/markets"),
        client.get("/api/v1/auth/me"), client.post("/api/v1/achievements", json={},
                                                                 headers=cast["uni_member"]),
        client.post("/api/v1/auth/login", data="[" * 100 + "]" * 100, content_type="application/json"),
        client.get("/boom"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 405, 401, 422, 400, 500]
    for response in responses:
        _protected(response)


def test_the_docs_page_has_no_inline_script_and_its_policy_allows_none(client):
    response = client.get("/api/docs")
    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.get_data(as_text=True), re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    init = client.get(re.search(r'src="(/static/[^"]+)"', response.get_data(as_text=True)).group(1))
    assert init.status_code == 200 and b"SwaggerUIBundle" in init.data


@pytest.mark.parametrize("env, proto, expected", [("production", "https", True), ("production", "http", False),
                                                  ("development", "https", False)])
def test_hsts_is_sent_in_production_over_https(sqlite_url, tmp_path, env, proto, expected):
    app = create_app("testing", DATABASE_URL=sqlite_url, ENV_NAME=env, SEARCH_INDEX_DIR=str(tmp_path / "i"))
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": proto})
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=3155") is expected   # a year
    app.extensions["market"].extra["engine"].dispose()


def _preflight(client, origin):
    return client.options("/api/v1/auth/me", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})


def test_cors_is_off_by_default(client):
    assert "Access-Control-Allow-Origin" not in _preflight(client, PORTAL).headers
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/markets", headers={"Origin": PORTAL}).headers


def test_cors_answers_only_the_configured_portals_and_never_with_credentials(sqlite_url, tmp_path):
    app = create_app("testing", DATABASE_URL=sqlite_url, SEARCH_INDEX_DIR=str(tmp_path / "i"),
                     CORS_ORIGINS=(PORTAL, "https://portal.js-tech.example.cn"))
    client = app.test_client()
    allowed = _preflight(client, PORTAL)
    assert allowed.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    simple = client.get("/api/v1/markets", headers={"Origin": PORTAL})
    assert simple.headers["Access-Control-Allow-Origin"] == PORTAL and "Retry-After" in \
        simple.headers["Access-Control-Expose-Headers"]
    for stranger in ("https://evil.example", "http://portal.sh-tech.example.cn"):
        assert "Access-Control-Allow-Origin" not in _preflight(client, stranger).headers
        assert "Access-Control-Allow-Origin" not in client.get("/api/v1/markets", headers={"Origin": stranger}).headers
    app.extensions["market"].extra["engine"].dispose()


def test_a_wildcard_origin_is_refused(sqlite_url):
    with pytest.raises(RuntimeError, match="never"):
        create_app("testing", DATABASE_URL=sqlite_url, CORS_ORIGINS="*")


def test_production_reads_the_portals_from_the_environment(monkeypatch):
    from config import load_config
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "a-production-key-of-at-least-32-bytes-0001")
    monkeypatch.setenv("CORS_ORIGINS", f"{PORTAL}, https://portal.zj-tech.example.cn")
    assert load_config("production")["CORS_ORIGINS"] == (PORTAL, "https://portal.zj-tech.example.cn")
