"""GET /api/v1/search and the matching endpoints, over HTTP, on the Whoosh adapter."""
import re

import pytest

from search_payloads import ACHIEVEMENTS, LIDAR_DEMAND

A = "/api/v1/achievements"
D = "/api/v1/demands"
OPERATOR = {"uni_member": "op_sh", "inst_member": "op_js"}


def publish(client, cast, key):
    who, body = ACHIEVEMENTS[key]
    ident = client.post(A, json=body, headers=cast[who]).get_json()["id"]
    assert client.post(f"{A}/{ident}/submit", headers=cast[who]).status_code == 200
    r = client.post(f"{A}/{ident}/review", json={"decision": "approve"}, headers=cast[OPERATOR[who]])
    assert r.status_code == 200, r.get_json()
    return ident


def open_demand(client, cast, body=LIDAR_DEMAND):
    ident = client.post(D, json=body, headers=cast["corp_member"]).get_json()["id"]
    client.post(f"{D}/{ident}/submit", headers=cast["corp_member"])
    assert client.post(f"{D}/{ident}/review", json={"decision": "approve"}, headers=cast["op_js"]).status_code == 200
    return ident


@pytest.fixture
def catalogue(client, cast):
    return {key: publish(client, cast, key) for key in ACHIEVEMENTS}


def search(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_approved_achievement_is_found_with_marked_snippets_and_facets(client, catalogue):
    body = search(client, q="激光雷达")
    assert body["hits"][0]["id"] == catalogue["lidar"]
    assert "<mark>激光雷达</mark>" in body["hits"][0]["snippets"]["title"]
    assert body["facets"]["type"] == {"achievement": body["total"]}
    assert body["total"] >= 1 and body["took_ms"] >= 0


def test_traditional_script_query_finds_the_simplified_listing(client, catalogue):
    assert search(client, q="鋰電池 正極")["hits"][0]["id"] == catalogue["battery"]


def test_mixed_token_query_finds_pm25(client, catalogue):
    assert [h["id"] for h in search(client, q="ＰＭ２.５")["hits"]] == [catalogue["pm25"]]


def test_drafts_are_not_searchable_until_approved(client, cast):
    who, body = ACHIEVEMENTS["robot"]
    ident = client.post(A, json=body, headers=cast[who]).get_json()["id"]
    assert search(client, q="协作机器人")["total"] == 0
    client.post(f"{A}/{ident}/submit", headers=cast[who])
    assert search(client, q="协作机器人")["total"] == 0
    client.post(f"{A}/{ident}/review", json={"decision": "approve"}, headers=cast["op_sh"])
    assert [h["id"] for h in search(client, q="协作机器人")["hits"]] == [ident]


def test_a_withdrawn_achievement_leaves_the_results(client, cast, catalogue):
    assert client.post(f"{A}/{catalogue['water']}/withdraw", json={"reason": "已转让"},
                       headers=cast["uni_member"]).status_code == 200
    assert search(client, q="印染废水")["total"] == 0


def test_filters_and_facets_agree_with_the_public_lists(client, catalogue):
    for params in ({"market": "JS"}, {"field": "环境保护与资源综合利用"}, {"mode": "转让"},
                   {"price_min": 1_000_000, "price_max": 20_000_000}):
        listed = client.get(A, query_string={**params, "per_page": 100}).get_json()
        found = search(client, q="", type="achievement", per_page=100, **params)
        assert found["total"] == listed["total"]
        assert {h["id"] for h in found["hits"]} == {a["id"] for a in listed["items"]}
    facets = search(client, q="")["facets"]
    assert facets["market"] == {"SH": 3, "JS": 2}
    assert sum(facets["ip_type"].values()) == 5


def test_browse_sorts_by_price_with_negotiable_last(client, catalogue):
    hits = search(client, q="", sort="price", per_page=10)["hits"]
    prices = [h["price_fen"] for h in hits]
    assert prices[-1] is None and prices[:-1] == sorted(prices[:-1])


HOSTILE = ['"unbalanced', "AND OR ((", "*:*", "title:激光", "'; DROP TABLE achievements; --", "😀🔥",
           "x" * 5000, "\\", "%_%", "<script>", "激光 雷达 " * 300]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_return_results_never_a_500(client, catalogue, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("params, field", [({"q": "x" * 5001}, "q"), ({"type": "patent"}, "type"),
                                           ({"per_page": 1000}, "per_page"), ({"page": 0}, "page"),
                                           ({"sort": "random"}, "sort"), ({"price_min": -1}, "price_min"),
                                           ({"price_min": "x"}, "price_min"), ({"q": "a\x00b"}, "q"),
                                           ({"price_min": 5, "price_max": 1}, "price_min")])
def test_query_string_errors_are_422_with_field_messages_in_chinese_and_english(client, params, field):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    (message,) = body["errors"][field]
    assert re.search(r"[\u4e00-\u9fff]", message) and re.search(r"\([A-Za-z_][^)]*\)", message), message


def test_matching_query_string_errors_are_422_too(client):
    response = client.get("/api/v1/demands/1/matches", query_string={"page": 0})
    assert response.status_code == 422 and "page" in response.get_json()["errors"]


def test_a_demand_in_its_own_words_matches_the_right_achievement_with_reasons(client, cast, catalogue):
    demand = open_demand(client, cast)
    response = client.get(f"{D}/{demand}/matches")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    top = body["matches"][0]
    assert top["id"] == catalogue["lidar"] and top["type"] == "achievement"
    matched = {t["term"] for t in top["explanation"]["terms"]}
    assert {"激光雷达", "点云"} <= matched
    assert "title" in top["explanation"]["fields"] or "body" in top["explanation"]["fields"]
    assert body["query_terms"] and all(0 < t["weight"] <= 1 for t in body["query_terms"])


def test_prefer_other_provinces_lifts_listings_from_elsewhere(client, cast, catalogue):
    demand = open_demand(client, cast)  # a Jiangsu company
    plain = client.get(f"{D}/{demand}/matches").get_json()["matches"]
    preferred = client.get(f"{D}/{demand}/matches", query_string={"prefer_other_provinces": "true"}).get_json()
    for m in preferred["matches"]:
        assert m["explanation"]["cross_province"] == (m["province"] != "江苏")
    boosted = {m["id"]: m["score"] for m in preferred["matches"]}
    for m in plain:
        if m["province"] != "江苏":
            assert boosted[m["id"]] > m["score"]


def test_an_achievement_matches_open_demands(client, cast, catalogue):
    demand = open_demand(client, cast)
    body = client.get(f"{A}/{catalogue['lidar']}/matches").get_json()
    assert [m["id"] for m in body["matches"]][:1] == [demand]
    assert body["matches"][0]["type"] == "demand"


def test_matches_of_an_unknown_or_draft_demand_are_404_for_the_public(client, cast):
    assert client.get(f"{D}/999/matches").status_code == 404
    ident = client.post(D, json=LIDAR_DEMAND, headers=cast["corp_member"]).get_json()["id"]
    assert client.get(f"{D}/{ident}/matches").status_code == 404
    assert client.get(f"{D}/{ident}/matches", headers=cast["corp_member"]).status_code == 200
