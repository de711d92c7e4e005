"""On every adapter (fake, Whoosh, PostgreSQL): an application number and the holder's exact
name find their listings first; synonyms expand abbreviations the same way everywhere."""
import pytest

from market.adapters.search import synonyms
from market.adapters.search.base import SearchQuery
from market.adapters.search.exact import search_exact_first

from search_fixtures import make_doc

NUMBER = "202110123456.7"


def ids(result):
    return [h.entity_id for h in result.hits]


@pytest.fixture
def catalogue(index):
    index.upsert([make_doc(1, "一种均衡控制方法", "用于储能", org="沪东理工 大学", codes=[NUMBER]),
                  *(make_doc(i, f"沪东理工大学 锂电池快速充电 {i}", "大学 理工", org="苏州精密传感有限公司", days=i)
                    for i in range(2, 15)),
                  make_doc(20, "储能系统", org="沪东理工大学", days=3, markets=["JS"])])
    return index


@pytest.mark.parametrize("typed", ["ZL202110123456.7", "CN202110123456.7", "2021101234567"])
def test_application_number_finds_its_achievement_first(catalogue, typed):
    result = search_exact_first(catalogue, SearchQuery(typed))
    assert ids(result)[:1] == [1] and result.total >= 1


def test_holders_exact_name_finds_its_achievements_first(catalogue):
    result = search_exact_first(catalogue, SearchQuery("沪东理工大学", per_page=5))
    assert ids(result)[:2] == [20, 1]
    assert result.total == 15 and sum(result.facets["market"].values()) >= 15


def test_exact_match_obeys_the_filters(catalogue):
    assert 20 not in ids(search_exact_first(catalogue, SearchQuery("沪东理工大学", market="SH", per_page=50)))
    assert ids(search_exact_first(catalogue, SearchQuery("ZL202110123456.7", market="JS"))) == []


def test_pages_after_the_exact_matches_continue_the_ranking(catalogue):
    everything = ids(search_exact_first(catalogue, SearchQuery("沪东理工大学", per_page=100)))
    pages = [ids(search_exact_first(catalogue, SearchQuery("沪东理工大学", per_page=4, page=p))) for p in range(1, 6)]
    assert [i for page in pages for i in page] == everything and len(set(everything)) == len(everything) == 15


def test_a_synonym_finds_the_spelt_out_words(index, tmp_path, monkeypatch):
    path = tmp_path / "synonyms.txt"
    path.write_text("快充 => 快速充电\n", encoding="utf-8")
    monkeypatch.setattr(synonyms, "SYNONYMS", synonyms.Synonyms(path))
    index.upsert([make_doc(1, "锂电池快速充电方法"), make_doc(2, "城市轨道交通")])
    assert ids(index.search(SearchQuery("快充"))) == [1]


def test_a_whoosh_index_made_before_exact_keys_gets_them_when_opened(tmp_path):
    from whoosh import index as windex

    from market.adapters.search.whoosh_index import WhooshSearchIndex, build_schema
    old = build_schema()
    old.remove("exact")
    windex.create_in(str(tmp_path), old)
    index = WhooshSearchIndex(tmp_path)
    index.upsert([make_doc(1, "一种均衡控制方法", codes=[NUMBER])])
    assert ids(search_exact_first(index, SearchQuery("CN202110123456.7"))) == [1]
