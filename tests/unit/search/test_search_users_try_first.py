"""What users try first, on the in-memory index through the search service: an application
number (ZL/CN prefix or none, dot or none) and the holder's exact name find their listings
first; an editable synonym list expands abbreviations and is re-read when edited."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from market.adapters.search import synonyms
from market.adapters.search.base import SearchDocument
from market.adapters.search.exact import application_number_key, exact_key
from market.adapters.search.base import SearchQuery
from market.adapters.search.fake import FakeSearchIndex
from market.services.search import search

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
NUMBER = "202110123456.7"


def doc(entity_id, title, org="测试机构", codes=(), days=0, **kw):
    return SearchDocument(doc_type="achievement", entity_id=entity_id, title=title, org=org, codes=list(codes),
                          markets=["SH"], status="published", published_at=T0 + timedelta(days=days),
                          version="1", **kw)


@pytest.fixture
def index():
    ix = FakeSearchIndex()
    ix.upsert([doc(1, "一种锂电池快速充电方法", "沪东理工大学", [NUMBER]),
               *(doc(i, f"锂电池快速充电装置 {i}", "苏州精密传感有限公司", days=i) for i in range(2, 30)),
               doc(40, "储能系统", "沪东理工大学", days=5)])
    return ix


def ids(body):
    return [h["id"] for h in body["hits"]]


@pytest.mark.parametrize("typed", ["ZL202110123456.7", "CN202110123456.7", "2021101234567", "202110123456.7",
                                   "zl 202110123456.7", "ＣＮ２０２１１０１２３４５６．７"])
def test_application_number_finds_its_achievement_first(index, typed):
    body = search(index, {"q": typed})
    assert ids(body)[:1] == [1] and body["total"] >= 1


def test_text_that_is_not_an_application_number_is_no_number():
    assert application_number_key("2021101234567") == NUMBER
    assert application_number_key("202110123456") is None and application_number_key("锂电池") is None


def test_holders_exact_name_finds_its_achievements_first(index):
    body = search(index, {"q": "沪东理工大学", "per_page": 5})
    assert ids(body)[:2] == [40, 1]             # the holder's, newest first
    assert body["total"] == len(set(ids(search(index, {"q": "沪东理工大学", "per_page": 100}))))


def test_listings_put_first_are_counted_once_and_pages_continue(index):
    everything = ids(search(index, {"q": "ZL202110123456.7 锂电池", "per_page": 100}))
    pages = [ids(search(index, {"q": "ZL202110123456.7 锂电池", "per_page": 7, "page": p})) for p in (1, 2, 3, 4, 5)]
    assert [i for page in pages for i in page] == everything
    assert len(everything) == len(set(everything))


def test_exact_first_respects_filters_and_other_sorts(index):
    assert ids(search(index, {"q": "ZL202110123456.7", "market": "JS"})) == []
    assert exact_key(SearchQuery("ZL202110123456.7", sort="newest")) is None


def test_an_abbreviation_is_expanded_by_the_synonym_list(index, tmp_path, monkeypatch):
    path = tmp_path / "synonyms.txt"
    path.write_text("快充 => 快速充电\n", encoding="utf-8")
    monkeypatch.setattr(synonyms, "SYNONYMS", synonyms.Synonyms(path))
    assert set(ids(search(index, {"q": "快充", "per_page": 100}))) >= {1, 2}


def test_synonym_list_is_reread_when_edited(tmp_path, monkeypatch):
    monkeypatch.setattr(synonyms, "RELOAD_SECONDS", 0.0)
    path = tmp_path / "synonyms.txt"
    path.write_text("锂电 => 锂电池\n", encoding="utf-8")
    words = synonyms.Synonyms(path)
    assert words.expand("锂电 隔膜") == "锂电 隔膜 锂电池"
    path.write_text("锂电 => 锂离子电池\n# a comment\nbroken line\n", encoding="utf-8")
    assert words.expand("锂电 隔膜") == "锂电 隔膜 锂离子电池"


def test_latin_abbreviation_expands_only_as_a_whole_word():
    words = synonyms.Synonyms(None)
    words._rules, words._checked = [("ai", ["人工智能"])], float("inf")
    assert words.expand("AI 芯片") == "AI 芯片 人工智能" and words.expand("detail") == "detail"


def test_the_shipped_synonym_list_expands_the_common_abbreviations():
    words = synonyms.Synonyms(synonyms.DEFAULT_PATH)
    for short, long in [("快充", "快速充电"), ("锂电", "锂电池"), ("新能源车", "新能源汽车")]:
        assert words.expand(short).endswith(long)
