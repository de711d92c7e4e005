"""GET /api/v1/changes: the public catalogue's changes in commit order, resumable with an opaque
cursor; achievements, demands and registered contracts, public fields only."""
from __future__ import annotations

ACHIEVEMENT = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": "导热系数提高百分之四十。",
               "ip_type": "发明专利", "field": "新材料", "market_code": "SH", "price_fen": 500_000_00}
DEMAND = {"title": "寻求MEMS压力传感器晶圆级封装技术", "description": "提升封装良率。", "field": "电子信息",
          "budget_min_fen": 50_000_000, "budget_max_fen": 100_000_000, "deadline": "2025-12-31"}
CONTRACT = {"title": "柔性显示驱动芯片技术开发", "contract_type": "技术开发", "field": "电子信息",
            "contract_amount_fen": 2_000_000_00, "tech_amount_fen": 1_500_000_00, "signed_on": "2025-02-18"}


def ok(client, method, path, headers, **kw):
    response = client.open(path, method=method, headers=headers, **kw)
    assert response.status_code in (200, 201), (path, response.get_json())
    return response.get_json()


def changes(client, **query):
    response = client.get("/api/v1/changes", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def published(client, cast) -> int:
    ident = ok(client, "POST", "/api/v1/achievements", cast["uni_member"], json=ACHIEVEMENT)["id"]
    ok(client, "POST", f"/api/v1/achievements/{ident}/submit", cast["uni_member"])
    ok(client, "POST", f"/api/v1/achievements/{ident}/review", cast["op_sh"], json={"decision": "approve"})
    return ident


def test_a_listing_published_then_withdrawn_reads_as_two_changes_and_drafts_as_none(client, cast):
    ident = published(client, cast)
    ok(client, "POST", "/api/v1/achievements", cast["uni_member"], json=ACHIEVEMENT)      # a draft: private
    ok(client, "POST", f"/api/v1/achievements/{ident}/withdraw", cast["uni_member"], json={"reason": "暂不转让"})

    page = changes(client)
    assert [(c["entity_type"], c["entity_id"], c["kind"], c["event_type"]) for c in page["changes"]] == [
        ("achievement", ident, "created", "listing.published"),
        ("achievement", ident, "withdrawn", "listing.withdrawn")]
    first = page["changes"][0]["object"]
    assert first["title"] == ACHIEVEMENT["title"] and first["markets"] == ["SH"]
    assert "rejection_reason" not in first and page["changes"][1]["object"] is None
    assert page["has_more"] is False


def test_a_cursor_resumes_after_the_last_change_seen_without_repeats(client, cast):
    idents = [published(client, cast) for _ in range(3)]
    first = changes(client, limit=2)
    assert first["has_more"] is True and len(first["changes"]) == 2
    rest = changes(client, after=first["next_cursor"], limit=2)
    assert [c["entity_id"] for c in first["changes"] + rest["changes"]] == idents
    assert changes(client, after=rest["next_cursor"])["changes"] == []
    again = changes(client, after=rest["next_cursor"])
    assert again["next_cursor"] == rest["next_cursor"]


def test_demands_open_and_close_and_the_types_filter_keeps_to_them(client, cast):
    published(client, cast)
    ident = ok(client, "POST", "/api/v1/demands", cast["corp_member"], json=DEMAND)["id"]
    ok(client, "POST", f"/api/v1/demands/{ident}/submit", cast["corp_member"])
    ok(client, "POST", f"/api/v1/demands/{ident}/review", cast["op_js"], json={"decision": "approve"})
    ok(client, "POST", f"/api/v1/demands/{ident}/close", cast["corp_member"], json={"reason": "已找到合作方"})

    page = changes(client, types="demand")
    assert [c["event_type"] for c in page["changes"]] == ["demand.opened", "demand.closed"]
    assert page["changes"][0]["object"]["enterprise"]["id"] == cast.orgs["corp"]
    assert changes(client, after=page["next_cursor"], types="achievement")["changes"] == []


def test_a_registered_contract_is_a_change_without_its_amounts_or_parties(client, cast):
    body = {**CONTRACT, "seller_org_id": cast.orgs["uni"], "buyer_org_id": cast.orgs["corp"]}
    ident = ok(client, "POST", "/api/v1/contracts", cast["uni_member"], json=body)["id"]
    assert changes(client, types="contract")["changes"] == []          # submitted: not yet
    ok(client, "POST", f"/api/v1/contracts/{ident}/register", cast["op_sh"], json={})

    change, = changes(client, types="contract")["changes"]
    assert (change["event_type"], change["entity_id"]) == ("contract.registered", ident)
    assert change["object"]["registration_number"].startswith("SH")
    assert not {"title", "contract_amount_fen", "tech_amount_fen", "seller_org_id", "buyer_org_id"} & set(change["object"])


def test_a_cursor_never_issued_and_an_unknown_type_are_refused_with_the_field_named(client):
    for query, field in (({"after": "not-a-cursor"}, "after"), ({"types": "reserve"}, "types"),
                         ({"limit": 0}, "limit")):
        response = client.get("/api/v1/changes", query_string=query)
        assert response.status_code == 422, query
        assert field in response.get_json()["errors"].get("query", response.get_json()["errors"]), response.get_json()
