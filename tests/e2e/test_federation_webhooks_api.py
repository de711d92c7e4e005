"""The webhook subscription API: who manages which subscription, and bad input refused with the
field named (422), private targets refused where not allowed."""
from __future__ import annotations

import pytest

HOOK = {"url": "https://hooks.example.cn/yrd", "event_types": ["listing.published"]}


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "WEBHOOK_ALLOWED_PRIVATE_HOSTS": ()}


def test_an_operator_subscribes_for_its_market_and_another_market_neither_sees_nor_changes_it(client, cast):
    made = client.post("/api/v1/webhooks", json=HOOK, headers=cast["op_sh"]).get_json()
    assert made["market_code"] == "SH" and made["secret"].startswith("whsec_")
    assert [s["id"] for s in client.get("/api/v1/webhooks", headers=cast["op_js"]).get_json()] == []
    assert [s["id"] for s in client.get("/api/v1/webhooks", headers=cast["admin"]).get_json()] == [made["id"]]
    assert client.get(f"/api/v1/webhooks/{made['id']}", headers=cast["op_js"]).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=cast["op_js"]).status_code == 404
    assert client.post("/api/v1/webhooks", json={**HOOK, "market_code": "SH"}, headers=cast["op_js"]).status_code == 403
    assert client.post("/api/v1/webhooks", json=HOOK, headers=cast["uni_member"]).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=cast["op_sh"]).status_code == 204
    assert client.get(f"/api/v1/webhooks/{made['id']}", headers=cast["op_sh"]).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({**HOOK, "url": "http://127.0.0.1:8000/h"}, "url"),
    ({**HOOK, "url": "http://10.1.2.3/h"}, "url"),
    ({**HOOK, "url": "gopher://example.cn/h"}, "url"),
    ({**HOOK, "event_types": ["bid.placed"]}, "event_types"),
    ({**HOOK, "event_types": []}, "event_types"),
    ({"event_types": ["listing.published"]}, "url"),
    ({**HOOK, "market_code": "XX"}, "market_code"),
])
def test_a_bad_subscription_is_refused_naming_the_field_and_nothing_is_written(client, cast, body, field):
    response = client.post("/api/v1/webhooks", json=body, headers=cast["admin"])
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors.get("json", errors), errors
    assert client.get("/api/v1/webhooks", headers=cast["admin"]).get_json() == []
