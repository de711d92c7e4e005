"""Behaviour every SearchIndex adapter must share (fake, Whoosh, PostgreSQL)."""
import pytest

from market.adapters.search.base import SearchQuery

from search_fixtures import make_doc


def ids(result):
    return [h.doc_id for h in result.hits]


def test_a_sub_word_finds_the_longer_word(index):
    index.upsert([make_doc(1, "长三角一体化技术转移平台"), make_doc(2, "城市轨道交通")])
    assert ids(index.search(SearchQuery("三角"))) == ["achievement:1"]
    assert ids(index.search(SearchQuery("长三角"))) == ["achievement:1"]


def test_a_query_word_the_text_writes_split_still_finds_it(index):
    # the query segments 激光雷达 as one word; the text has it as two words (激光 / 雷达)
    index.upsert([make_doc(1, "车载激光 雷达标定", "点云处理"), make_doc(2, "城市轨道交通")])
    assert ids(index.search(SearchQuery("激光雷达"))) == ["achievement:1"]


def test_traditional_and_simplified_scripts_find_each_other(index):
    index.upsert([make_doc(1, "長三角技術轉移"), make_doc(2, "长三角人工智能")])
    assert set(ids(index.search(SearchQuery("长三角技术")))) >= {"achievement:1"}
    assert set(ids(index.search(SearchQuery("人工智慧 長三角")))) >= {"achievement:2"}


def test_full_width_query_finds_half_width_text(index):
    index.upsert([make_doc(1, "5G基站天线", "适用于PM2.5监测"), make_doc(2, "4G终端")])
    assert ids(index.search(SearchQuery("５Ｇ"))) == ["achievement:1"]
    assert ids(index.search(SearchQuery("ＰＭ２.５"))) == ["achievement:1"]


def test_a_title_hit_outranks_an_abstract_hit(index):
    index.upsert([
        make_doc(1, "一种电池管理方法", "本方法涉及石墨烯材料的制备"),
        make_doc(2, "一种石墨烯材料", "本方法涉及电池管理的制备"),
    ])
    assert ids(index.search(SearchQuery("石墨烯")))[0] == "achievement:2"


def test_documents_matching_more_query_words_rank_higher(index):
    index.upsert([make_doc(1, "激光雷达", "用于自动驾驶的点云处理"), make_doc(2, "激光雷达", "用于测绘")])
    assert ids(index.search(SearchQuery("激光雷达 点云")))[0] == "achievement:1"


def test_a_quoted_phrase_needs_its_words_in_order(index):
    index.upsert([make_doc(1, "电池", "使用寿命达到一万小时"), make_doc(2, "电池", "达到设计要求，使用寿命较长")])
    assert ids(index.search(SearchQuery('"使用寿命 达到"'))) == ["achievement:1"]
    assert set(ids(index.search(SearchQuery("使用寿命 达到")))) == {"achievement:1", "achievement:2"}


def test_filters_restrict_results(index):
    index.upsert([
        make_doc(1, "传感器芯片", markets=["SH", "JS"], field="电子信息", ip_type="发明专利", modes=["转让"],
                 province="上海", price_fen=100_000),
        make_doc(2, "传感器封装", markets=["ZJ"], field="先进制造", ip_type="实用新型", modes=["普通许可"],
                 province="浙江", price_fen=5_000_000),
        make_doc(3, "传感器需求", doc_type="demand", markets=["JS"], modes=["合作开发"], province="江苏",
                 price_fen=900_000, price_low_fen=200_000),
    ])

    def found(**kw):
        return set(ids(index.search(SearchQuery("传感器", **kw))))

    assert found(market="JS") == {"achievement:1", "demand:3"}
    assert found(field="先进制造") == {"achievement:2"}
    assert found(ip_type="实用新型") == {"achievement:2"}
    assert found(mode="转让") == {"achievement:1"}
    assert found(province="江苏") == {"demand:3"}
    assert found(doc_type="demand") == {"demand:3"}
    assert found(price_min=500_000) == {"achievement:2", "demand:3"}
    assert found(price_max=300_000) == {"achievement:1", "demand:3"}


def test_a_filter_no_document_passes_returns_nothing(index):
    index.upsert([make_doc(1, "传感器芯片", field="电子信息", price_fen=100_000)])
    for filters in ({"field": "先进制造"}, {"price_min": 200_000}, {"field": "先进制造", "price_max": 300_000}):
        browsed = index.search(SearchQuery("", **filters))
        searched = index.search(SearchQuery("传感器", **filters))
        assert (ids(browsed), browsed.total, ids(searched), searched.total) == ([], 0, [], 0), filters


def test_facets_count_every_match_not_just_the_page(index):
    index.upsert([make_doc(i, f"储能电池{i}", markets=["SH", "AH"] if i % 2 else ["JS"],
                           modes=["转让", "作价入股"] if i % 3 == 0 else ["转让"]) for i in range(1, 8)]
                 + [make_doc(20, "储能电池需求", doc_type="demand", markets=["ZJ"], modes=["合作开发"])])
    result = index.search(SearchQuery("储能电池", per_page=2))
    assert result.total == 8 and len(result.hits) == 2
    assert result.facets["type"] == {"achievement": 7, "demand": 1}
    assert result.facets["market"] == {"SH": 4, "AH": 4, "JS": 3, "ZJ": 1}
    assert result.facets["mode"] == {"转让": 7, "作价入股": 2, "合作开发": 1}


def test_snippets_mark_the_matched_terms(index):
    index.upsert([make_doc(1, "長三角激光雷达", "一种基于激光雷达的点云<script>处理</script>方法")])
    hit = index.search(SearchQuery("激光雷达")).hits[0]
    assert "<mark>激光雷达</mark>" in hit.snippets["title"]
    assert "<mark>激光雷达</mark>" in hit.snippets["body"]
    assert "<script>" not in hit.snippets["body"]
    assert hit.matched == {"title": ["激光雷达"], "body": ["激光雷达"]}


def test_non_public_documents_stay_out_of_public_results(index):
    index.upsert([make_doc(1, "机器人", public=False, status="pending_review"), make_doc(2, "机器人")])
    assert ids(index.search(SearchQuery("机器人"))) == ["achievement:2"]
    assert index.search(SearchQuery("")).total == 1


def test_upsert_replaces_and_delete_removes(index):
    index.upsert([make_doc(1, "旧标题光伏"), make_doc(2, "光伏组件")])
    index.upsert([make_doc(1, "新标题风电")])
    assert ids(index.search(SearchQuery("光伏"))) == ["achievement:2"]
    assert ids(index.search(SearchQuery("风电"))) == ["achievement:1"]
    index.delete(["achievement:2"])
    assert index.search(SearchQuery("光伏")).total == 0
    assert set(index.versions()) == {"achievement:1"}


def test_empty_query_browses_newest_first_with_filters(index):
    index.upsert([make_doc(1, "甲", days=1), make_doc(2, "乙", days=3, markets=["JS"]), make_doc(3, "丙", days=2)])
    assert ids(index.search(SearchQuery(""))) == ["achievement:2", "achievement:3", "achievement:1"]
    assert ids(index.search(SearchQuery("", market="JS"))) == ["achievement:2"]


def test_price_sort_puts_negotiable_listings_last(index):
    index.upsert([make_doc(1, "光刻胶", price_fen=None), make_doc(2, "光刻胶", price_fen=300),
                  make_doc(3, "光刻胶", price_fen=100)])
    assert ids(index.search(SearchQuery("光刻胶", sort="price"))) == ["achievement:3", "achievement:2", "achievement:1"]


def test_pages_do_not_overlap(index):
    index.upsert([make_doc(i, f"氢能{i}", days=i) for i in range(1, 6)])
    first = ids(index.search(SearchQuery("", per_page=2, page=1)))
    second = ids(index.search(SearchQuery("", per_page=2, page=2)))
    assert len(first) == len(second) == 2 and not set(first) & set(second)


def test_rebuild_replaces_everything(index):
    index.upsert([make_doc(1, "旧的"), make_doc(2, "也旧")])
    assert index.rebuild([make_doc(3, "新的")]) == 1
    assert set(index.versions()) == {"achievement:3"}


def test_weighted_terms_rank_by_weight(index):
    index.upsert([make_doc(1, "氮化硼单晶"), make_doc(2, "企业开发")])
    result = index.search(SearchQuery(weighted_terms=[("氮化硼", 1.0), ("企业", 0.1)]))
    assert ids(result)[0] == "achievement:1"


HOSTILE = ['"unbalanced', 'a" OR "b', "AND OR NOT", "((((", ")))", "*", "?", "~2", "^3", "title:", ":",
           "!", "&", "|", "<->", "'; DROP TABLE search_documents; --", "\\", "\\'", "%", "_", "😀🚀 电池 😀",
           "x" * 5000, "激光" * 2500, "a:* & !b", "\t\n\r", "ｔｅｓｔ　", "‮", "<script>alert(1)</script>"]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_return_results_instead_of_raising(index, query):
    index.upsert([make_doc(1, "电池 test"), make_doc(2, "激光")])
    result = index.search(SearchQuery(query))
    assert result.total >= 0 and isinstance(result.hits, list)
