"""OpenAPI document, docs page, health, and the error shape for routing errors."""


def test_openapi_document_lists_the_resources(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/achievements", "/api/v1/demands", "/api/v1/auth/login", "/api/v1/organisations"):
        assert path in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and b"swagger" in response.data.lower()


def test_healthz_reports_the_database(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["database"]["dialect"] in ("sqlite", "postgresql")


def test_unknown_route_and_wrong_method_use_the_error_shape(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and set(missing.get_json()) == {"code", "status", "message", "errors"}
    wrong = client.delete("/api/v1/markets")
    assert wrong.status_code == 405 and wrong.get_json()["code"] == 405
