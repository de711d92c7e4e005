"""POST/GET /api/v1/markets/{code}/imports over HTTP."""
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def upload(client, market, name, headers, data: bytes | None = None, query=""):
    body = (FIXTURES / name).read_bytes() if data is None else data
    from io import BytesIO
    return client.post(f"/api/v1/markets/{market}/imports{query}", headers=headers,
                       data={"file": (BytesIO(body), name)}, content_type="multipart/form-data")


def test_operator_uploads_a_feed_and_gets_the_run_report(client, cast):
    response = upload(client, "SH", "sh_achievements.jsonl", cast["op_sh"])
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"] == {"rows_read": 7, "created": 5, "updated": 0, "unchanged": 0, "withdrawn": 0,
                                "rejected": 2}
    assert report["actor_id"] == cast.ids["op_sh"] and report["filename"] == "sh_achievements.jsonl"
    assert report["started_at"].endswith("+08:00")
    assert {e["field"] for e in report["errors"]} == {"title", "patentNo"}


def test_imported_achievements_are_public_with_their_markets(client, cast):
    upload(client, "SH", "sh_achievements.jsonl", cast["op_sh"])
    upload(client, "JS", "js_achievements.csv", cast["op_js"])
    page = client.get("/api/v1/achievements?per_page=100").get_json()
    shared = [a for a in page["items"] if a["application_numbers"] == ["202310000001.5"]]
    assert len(shared) == 1 and shared[0]["markets"] == ["JS", "SH"]


def test_runs_are_listed_and_one_run_shows_its_row_errors(client, cast):
    run_id = upload(client, "JS", "js_achievements.csv", cast["op_js"]).get_json()["id"]
    listed = client.get("/api/v1/markets/JS/imports", headers=cast["op_js"]).get_json()
    assert [r["id"] for r in listed["items"]] == [run_id] and "errors" not in listed["items"][0]
    run = client.get(f"/api/v1/markets/JS/imports/{run_id}", headers=cast["op_js"]).get_json()
    assert sorted(e["external_id"] for e in run["errors"]) == ["JS-T-003", "JS-T-004", "JS-T-005"]
    limited = client.get(f"/api/v1/markets/JS/imports/{run_id}?error_limit=1", headers=cast["op_js"]).get_json()
    assert len(limited["errors"]) == 1


def test_admin_may_import_for_any_market(client, cast):
    assert upload(client, "AH", "ah_achievements.csv", cast["admin"]).status_code == 201


@pytest.mark.parametrize("who, status", [(None, 401), ("uni_member", 403), ("op_js", 403)])
def test_only_the_markets_operators_and_admin_may_import(client, cast, who, status):
    headers = cast[who] if who else {}
    assert upload(client, "SH", "sh_achievements.jsonl", headers).status_code == status
    assert client.get("/api/v1/markets/SH/imports", headers=headers).status_code == status


def test_unreadable_upload_is_refused_with_a_clear_error_and_no_run(client, cast):
    response = upload(client, "JS", "ah_achievements.csv", cast["op_js"])
    assert response.status_code == 422
    assert "GB18030" in response.get_json()["message"]
    assert client.get("/api/v1/markets/JS/imports", headers=cast["op_js"]).get_json()["total"] == 0


def test_upload_of_the_wrong_kind_is_refused_when_a_kind_is_asked(client, cast):
    response = upload(client, "JS", "js_demands.csv", cast["op_js"], query="?kind=achievements")
    assert response.status_code == 422


def test_upload_without_a_file_is_a_validation_error(client, cast):
    response = client.post("/api/v1/markets/SH/imports", headers=cast["op_sh"], data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_unknown_market_and_unknown_run(client, cast):
    assert upload(client, "XX", "sh_achievements.jsonl", cast["admin"]).status_code == 422
    run_id = upload(client, "SH", "sh_achievements.jsonl", cast["op_sh"]).get_json()["id"]
    assert client.get(f"/api/v1/markets/JS/imports/{run_id}", headers=cast["admin"]).status_code == 404


def test_demand_feed_upload_opens_demands(client, cast):
    report = upload(client, "AH", "ah_demands.csv", cast["admin"]).get_json()
    assert report["kind"] == "demands" and report["counts"]["created"] == 1
    page = client.get("/api/v1/demands?market=AH").get_json()
    assert [d["external_id"] for d in page["items"]] == ["AH-D-T01"]


@pytest.mark.shared
@pytest.mark.slow
def test_all_four_shared_feeds_import_through_the_api(client, cast, shared_data_dir):
    feeds = shared_data_dir / "feeds"
    if not feeds.is_dir():
        pytest.skip("../shared/data/feeds is absent")
    for market, name in (("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"),
                         ("ZJ", "zj_achievements.json"), ("AH", "ah_achievements.csv")):
        response = upload(client, market, name, cast["admin"], data=(feeds / name).read_bytes())
        assert response.status_code == 201
        report = response.get_json()
        assert report["reconciles"] and report["counts"]["rejected"] == len({e["row"] for e in report["errors"]})


def _sh_line(**changes) -> bytes:
    import json
    row = json.loads((FIXTURES / "sh_achievements.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row.update(changes)
    return (json.dumps(row) + "\n").encode()   # ASCII escapes: a lone surrogate survives as \ud800


@pytest.mark.parametrize("price", ["9" * 30, 10**20])
def test_a_listing_price_beyond_any_amount_rejects_the_row_not_the_upload(client, cast, price):
    response = upload(client, "SH", "x.jsonl", cast["op_sh"], data=_sh_line(listPrice=price))
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"]["rejected"] == 1 and report["counts"]["created"] == 0
    assert [e["field"] for e in report["errors"]] == ["listPrice"]


@pytest.mark.parametrize("budget", ["9" * 30 + "万元", "1-99999999999999999999万元"])
def test_a_demand_budget_beyond_any_amount_rejects_the_row_not_the_upload(client, cast, budget):
    import json
    row = json.loads((FIXTURES / "sh_demands.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row["budget"] = budget
    response = upload(client, "SH", "d.jsonl", cast["op_sh"], data=(json.dumps(row) + "\n").encode())
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"]["rejected"] == 1 and [e["field"] for e in report["errors"]] == ["budget"]


@pytest.mark.parametrize("changes", [
    {"status": "挂牌中\u0000"}, {"status": "\ud800"},
    {"projectNo": "SH-T-\u0000", "status": "?"}, {"projectNo": "SH-T-\ud800", "status": "?"},
    {"projectNo": {"no": 1}, "status": "?"},
], ids=["nul-in-reason", "surrogate-in-reason", "nul-in-id", "surrogate-in-id", "object-as-id"])
def test_a_rejected_row_with_unstorable_text_is_reported_not_a_500(client, cast, changes):
    response = upload(client, "SH", "x.jsonl", cast["op_sh"], data=_sh_line(**changes))
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"]["rejected"] == 1 and [e["field"] for e in report["errors"]] == ["status"]
    stored = client.get(f"/api/v1/markets/SH/imports/{report['id']}", headers=cast["op_sh"]).get_json()
    assert stored["errors"] == report["errors"]
    assert all("\u0000" not in (e["external_id"] or "") + e["reason"] for e in stored["errors"])


@pytest.mark.parametrize("changes", [{"city": "上海\ud800"}, {"projectNo": "SH-T-9\ud800"}, {"title": "测温\ud800方法"}])
def test_a_listing_with_a_lone_surrogate_in_its_text_is_imported_without_it(client, cast, changes):
    response = upload(client, "SH", "x.jsonl", cast["op_sh"], data=_sh_line(**changes))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["counts"]["created"] == 1
    if "projectNo" not in changes:  # a text that lost a character says so (an id is a key, not a text)
        assert [w["field"] for w in response.get_json()["warnings"]] == list(changes)


def test_warnings_and_the_header_found_are_in_the_run_resource_beside_the_row_errors(client, cast):
    data = _sh_line(title="一种&quot;测温&quot;方法", grade="A") + _sh_line(projectNo="SH-T-X2", priceNegotiable="也许")
    report = upload(client, "SH", "x.jsonl", cast["op_sh"], data=data).get_json()
    assert report["counts"]["rows_read"] == 2 and report["reconciles"]
    assert {(w["row"], w["field"]) for w in report["warnings"]} == {(0, "grade"), (1, "title")}
    assert [(e["row"], e["external_id"], e["field"]) for e in report["errors"]] == [(2, "SH-T-X2", "priceNegotiable")]
    assert report["header"]["unknown"] == ["grade"] and "title" in report["header"]["found"]
    run = client.get(f"/api/v1/markets/SH/imports/{report['id']}", headers=cast["op_sh"]).get_json()
    assert (run["warnings"], run["errors"], run["header"]) == (report["warnings"], report["errors"], report["header"])
    achievements = client.get("/api/v1/achievements?per_page=100").get_json()["items"]
    assert [a["title"] for a in achievements] == ['一种"测温"方法']


def test_an_imported_place_shows_its_city_and_district_apart(client, cast):
    report = upload(client, "SH", "x.jsonl", cast["op_sh"], data=_sh_line(city="江苏省苏州市工业园区")).get_json()
    assert report["counts"]["created"] == 1 and report["warnings"] == []
    [item] = client.get("/api/v1/achievements?per_page=10").get_json()["items"]
    assert (item["province"], item["city"], item["district"]) == ("江苏", "苏州", "工业园区")
