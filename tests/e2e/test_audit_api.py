"""GET /api/v1/audit: who sees which entries, paging, CSV; entries written with the change."""
import csv
import io

import pytest

from tests.e2e.test_achievements_api import URL, created_id

AUDIT = "/api/v1/audit"


def _published(client, cast) -> int:
    ident = created_id(client, cast)
    assert client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"]).status_code == 200
    assert client.post(f"{URL}/{ident}/review", json={"decision": "approve"},
                       headers=cast["op_sh"]).status_code == 200
    return ident


def test_review_is_recorded_with_actor_role_market_and_before_after(client, cast):
    ident = _published(client, cast)
    body = client.get(AUDIT, query_string={"entity": f"achievement:{ident}"}, headers=cast["admin"],
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).get_json()
    by_action = {e["action"]: e for e in body["items"]}
    assert {"achievement.created", "achievement.pending_review", "achievement.published"} <= set(by_action)
    review = by_action["achievement.published"]
    assert review["actor_id"] == cast.ids["op_sh"] and review["actor_role"] == "operator"
    assert review["market_code"] == "SH"
    assert review["before"] == {"status": "pending_review"} and review["after"]["status"] == "published"
    assert review["request_id"] and review["client_address"]
    assert review["at"].endswith("+08:00") and len(review["hash"]) == 64
    assert [e["seq"] for e in body["items"]] == sorted((e["seq"] for e in body["items"]), reverse=True)


def test_operator_sees_only_its_markets_entries(client, cast):
    ident = _published(client, cast)
    entity = {"entity": f"achievement:{ident}"}
    assert client.get(AUDIT, query_string=entity, headers=cast["op_sh"]).get_json()["total"] >= 3
    assert client.get(AUDIT, query_string=entity, headers=cast["op_js"]).get_json()["total"] == 0
    everything = client.get(AUDIT, query_string={"per_page": 100}, headers=cast["op_js"]).get_json()
    assert all(e["market_code"] == "JS" for e in everything["items"])


def test_a_member_sees_its_own_entries_only(client, cast):
    ident = _published(client, cast)
    mine = client.get(AUDIT, query_string={"entity": f"achievement:{ident}"},
                      headers=cast["uni_member"]).get_json()["items"]
    assert mine and all(e["actor_id"] == cast.ids["uni_member"] for e in mine)
    assert "achievement.published" not in {e["action"] for e in mine}     # the operator's act
    assert client.get(AUDIT, query_string={"entity": f"achievement:{ident}"},
                      headers=cast["corp_member"]).get_json()["total"] == 0


def test_anonymous_is_refused(client, cast):
    assert client.get(AUDIT).status_code == 401


def test_a_malformed_entity_is_a_422_with_the_field(client, cast):
    response = client.get(AUDIT, query_string={"entity": "lot; drop"}, headers=cast["admin"])
    assert response.status_code == 422 and "entity" in str(response.get_json()["errors"])


def test_pages_do_not_overlap(client, cast):
    _published(client, cast)
    first = client.get(AUDIT, query_string={"per_page": 2, "page": 1}, headers=cast["admin"]).get_json()
    second = client.get(AUDIT, query_string={"per_page": 2, "page": 2}, headers=cast["admin"]).get_json()
    assert len(first["items"]) == 2 and second["items"]
    assert {e["seq"] for e in first["items"]}.isdisjoint(e["seq"] for e in second["items"])
    assert first["total"] == second["total"] >= 4


@pytest.mark.parametrize("how", [{"query_string": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_entries_export_as_csv(client, cast, how):
    ident = _published(client, cast)
    headers = {**cast["admin"], **how.get("headers", {})}
    query = {"entity": f"achievement:{ident}", **how.get("query_string", {})}
    response = client.get(AUDIT, query_string=query, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["action"] for r in rows} >= {"achievement.created", "achievement.published"}
    assert all(r["entity"] == f"achievement:{ident}" for r in rows)
    published = next(r for r in rows if r["action"] == "achievement.published")
    assert '"published"' in published["after"] and published["actor_role"] == "operator"


def test_a_password_change_is_recorded_without_the_hash_and_seen_by_its_user(client, cast):
    changed = client.post("/api/v1/auth/password", headers=cast["corp_member"], json={
        "current_password": cast.PASSWORD, "new_password": "new-river-stone-88"})
    assert changed.status_code in (200, 204), changed.get_json()
    entity = {"entity": f"user:{cast.ids['corp_member']}"}
    admin_view = client.get(AUDIT, query_string=entity, headers=cast["admin"]).get_json()["items"]
    change = next(e for e in admin_view if "password_hash" in (e["after"] or {}) and e["before"])
    assert change["before"]["password_hash"] == change["after"]["password_hash"] == "***"
    assert change["actor_id"] == cast.ids["corp_member"] and change["actor_role"] == "member"
    login = client.post("/api/v1/auth/login", json={"email": "corp_member@example.cn",
                                                     "password": "new-river-stone-88"}).get_json()
    own = client.get(AUDIT, query_string=entity,
                     headers={"Authorization": f"Bearer {login['token']}"}).get_json()["items"]
    assert change["seq"] in {e["seq"] for e in own}
