"""Search and matching services on the in-memory index and a fake unit of work."""
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from market.adapters.search.base import SearchDocument
from market.adapters.search.fake import FakeSearchIndex
from market.services import matching
from market.services.search import BadQuery, build_query, search, version_of

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def doc(entity_id, title, body="", province="上海", doc_type="achievement", **kw):
    return SearchDocument(doc_type=doc_type, entity_id=entity_id, title=title, body=body, province=province,
                          markets=["SH"], status="published", published_at=T0, version="1", **kw)


class FakeRepo(dict):
    def get(self, ident):
        return super().get(ident)


class FakeUow:
    def __init__(self, demands=(), achievements=()):
        self.demands = FakeRepo({d.id: d for d in demands})
        self.achievements = FakeRepo({a.id: a for a in achievements})
        self.users = FakeRepo()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


class DemandStub:
    def __init__(self, ident, title, description, province="江苏", public=True):
        self.id, self.title, self.description, self.province = ident, title, description, province
        self.is_public = public
        self.enterprise = None

    def visible_to(self, user):
        return False


@pytest.mark.parametrize("args, field", [({"q": "x" * 5001}, "q"), ({"q": "a\x00b"}, "q"), ({"sort": "x"}, "sort"),
                                         ({"type": "x"}, "type"), ({"per_page": 0}, "per_page"),
                                         ({"price_min": 5, "price_max": 1}, "price_min")])
def test_bad_search_parameters_are_rejected_with_a_reason(args, field):
    with pytest.raises(BadQuery) as err:
        build_query(args)
    assert err.value.status == 422 and field in err.value.errors


def test_search_returns_hits_facets_and_time_taken():
    index = FakeSearchIndex()
    index.upsert([doc(1, "氢燃料电池"), doc(2, "锂电池")])
    body = search(index, {"q": "燃料电池"})
    assert body["hits"][0]["id"] == 1 and body["facets"]["type"]["achievement"] >= 1 and body["took_ms"] >= 0


def test_the_version_changes_with_any_indexed_field():
    base = doc(1, "标题")
    assert version_of(base) == version_of(replace(base))
    assert version_of(base) != version_of(replace(base, price_fen=100))
    assert version_of(base) != version_of(replace(base, markets=["SH", "JS"]))


def test_matching_builds_weighted_terms_from_the_demand_text_not_just_its_title():
    index = FakeSearchIndex()
    index.upsert([doc(1, "一种阀门", "采用碳化硅陶瓷密封环，耐磨损耐腐蚀"), doc(2, "企业管理系统")])
    demand = DemandStub(7, "寻求技术合作", "我厂泵阀密封件磨损严重，希望采用碳化硅陶瓷密封环延长寿命")
    body = matching.matches_for_demand(FakeUow(demands=[demand]), index, 7, {})
    assert body["matches"][0]["id"] == 1
    assert "碳化硅" in {t["term"] for t in body["query_terms"]}
    assert "碳化硅" in {t["term"] for t in body["matches"][0]["explanation"]["terms"]}


def test_matching_can_prefer_achievements_from_other_provinces():
    index = FakeSearchIndex()
    index.upsert([doc(1, "碳化硅密封环", province="江苏"), doc(2, "碳化硅密封环", province="浙江")])
    demand = DemandStub(7, "碳化硅密封环", "需要碳化硅密封环", province="江苏")
    uow = FakeUow(demands=[demand])
    preferred = matching.matches_for_demand(uow, index, 7, {"prefer_other_provinces": True})
    assert [m["province"] for m in preferred["matches"]] == ["浙江", "江苏"]
    assert preferred["matches"][0]["explanation"]["cross_province"] is True


def test_a_non_public_demand_does_not_match_for_the_public():
    from market.domain.errors import NotFound
    uow = FakeUow(demands=[DemandStub(7, "草稿", "草稿", public=False)])
    with pytest.raises(NotFound):
        matching.matches_for_demand(uow, FakeSearchIndex(), 7, {})


def test_unknown_demand_is_not_found():
    from market.domain.errors import NotFound
    with pytest.raises(NotFound):
        matching.matches_for_demand(FakeUow(), FakeSearchIndex(), 1, {})
