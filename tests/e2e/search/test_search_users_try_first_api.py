"""GET /api/v1/search with what users try first: an application number, with or without its
ZL/CN prefix and dot, and the holder's exact name, find the listing first; abbreviations
are expanded by the shipped synonym list. On Whoosh (SQLite runs) and PostgreSQL (PostgreSQL runs)."""
import pytest

from market.adapters.search import synonyms
from search_payloads import ACHIEVEMENTS

A = "/api/v1/achievements"


@pytest.fixture
def app_config(tmp_path, database_url):
    """Both adapters through HTTP: Whoosh beside SQLite, the PostgreSQL adapter inside PostgreSQL."""
    backend = "postgres" if database_url.startswith("postgresql") else "whoosh"
    words = tmp_path / "synonyms.txt"
    words.write_text(synonyms.DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return {"SEARCH_BACKEND": backend, "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
            "SEARCH_SYNONYMS_FILE": str(words)}


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
def test_application_number_finds_its_achievement_first(app, client, listings, typed):
    adapter = type(app.extensions["market"].search_index).__name__
    assert adapter == {"whoosh": "WhooshSearchIndex", "postgres": "PostgresSearchIndex"}[app.config["SEARCH_BACKEND"]]
    body = client.get("/api/v1/search", query_string={"q": typed}).get_json()
    assert [h["id"] for h in body["hits"]][:1] == [listings[0]]


def test_holders_exact_name_finds_its_achievement_first(client, listings):
    body = client.get("/api/v1/search", query_string={"q": "沪东理工大学"}).get_json()
    assert body["hits"][0]["id"] == listings[0] and body["hits"][0]["organisation"] == "沪东理工大学"


def test_abbreviation_finds_the_spelt_out_listing(client, listings):
    body = client.get("/api/v1/search", query_string={"q": "快充"}).get_json()
    assert set(listings[1]) <= {h["id"] for h in body["hits"]}


def test_an_edited_synonym_list_is_used_without_a_restart(app, client, listings, monkeypatch):
    monkeypatch.setattr(synonyms, "RELOAD_SECONDS", 0.0)
    assert client.get("/api/v1/search", query_string={"q": "速充"}).get_json()["total"] == 0
    with open(app.config["SEARCH_SYNONYMS_FILE"], "a", encoding="utf-8") as fh:
        fh.write("速充 => 快速充电\n")
    found = client.get("/api/v1/search", query_string={"q": "速充"}).get_json()
    assert set(listings[1]) <= {h["id"] for h in found["hits"]}
