"""JSON nested deeper than MAX_JSON_DEPTH is refused with a 400 on every route, before any parser
or recursive check can run out of stack (it was a 500: RecursionError)."""
from __future__ import annotations

import re

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _writing_routes(app):
    """Every (method, URL) that may take a body, path parameters filled with 1 (or SH)."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if m.group(0).startswith("<int:") else "SH", rule.rule)
            yield method, url


def test_every_route_refuses_json_nested_a_thousand_levels(app, client, cast):
    routes = list(_writing_routes(app))
    assert len(routes) > 20
    for body in (DEEP, DEEP_OBJECT):
        for method, url in routes:
            response = client.open(url, method=method, data=body, content_type="application/json",
                                   headers=cast["admin"])
            assert response.status_code == 400, (method, url, response.status_code)
            if url.startswith("/api/"):   # pages answer their own HTML error page
                payload = response.get_json()
                assert payload["code"] == 400 and "json" in payload["errors"], (method, url)


def test_deep_json_is_refused_before_authentication(client):
    response = client.post("/api/v1/auth/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400 and "32" in response.get_json()["message"]


def test_json_within_the_depth_limit_reaches_validation(client):
    body = '{"email": ' + "[" * 30 + "]" * 30 + ', "password": "x"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 422
