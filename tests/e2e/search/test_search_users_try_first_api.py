"""GET /api/v1/search with what users try first: an application number, with or without its
ZL/CN prefix and dot, and the holder's exact name, find the listing first; abbreviations
are expanded by the shipped synonym list."""
import pytest

from search_payloads import ACHIEVEMENTS

A = "/api/v1/achievements"


@pytest.fixture
def listings(client, cast):
    """The university's patent ZL202110123456.7 among the institute's many battery listings."""
    def publish(who, operator, body):
        ident = client.post(A, json=body, headers=cast[who]).get_json()["id"]
        client.post(f"{A}/{ident}/submit", headers=cast[who])
        assert client.post(f"{A}/{ident}/review", json={"decision": "approve"}, headers=cast[operator]).status_code == 200
        return ident
    target = publish("uni_member", "op_sh", {**ACHIEVEMENTS["water"][1], "application_numbers": ["ZL202110123456.7"]})
    others = [publish("inst_member", "op_js", {**ACHIEVEMENTS["robot"][1], "title": f"锂电池快速充电装置{i}"})
              for i in range(3)]
    return target, others


@pytest.mark.parametrize("typed", ["ZL202110123456.7", "CN202110123456.7", "2021101234567"])
def test_application_number_finds_its_achievement_first(client, listings, typed):
    body = client.get("/api/v1/search", query_string={"q": typed}).get_json()
    assert [h["id"] for h in body["hits"]][:1] == [listings[0]]


def test_holders_exact_name_finds_its_achievement_first(client, listings):
    body = client.get("/api/v1/search", query_string={"q": "沪东理工大学"}).get_json()
    assert body["hits"][0]["id"] == listings[0] and body["hits"][0]["organisation"] == "沪东理工大学"


def test_abbreviation_finds_the_spelt_out_listing(client, listings):
    body = client.get("/api/v1/search", query_string={"q": "快充"}).get_json()
    assert set(listings[1]) <= {h["id"] for h in body["hits"]}
