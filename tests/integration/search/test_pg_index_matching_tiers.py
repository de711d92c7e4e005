"""PostgresSearchIndex: all-words-first matching, widening to partial matches, filter lexemes."""
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from market.adapters.search import pg_index
from market.adapters.search.base import SearchQuery
from market.adapters.search.pg_index import PostgresSearchIndex

from search_fixtures import make_doc

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url):
    engine = create_engine(postgres_url)
    yield PostgresSearchIndex(engine)
    engine.dispose()


def ids(result):
    return [h.doc_id for h in result.hits]


def test_enough_documents_with_every_word_leave_out_partial_matches(pg, monkeypatch):
    monkeypatch.setattr(pg_index, "ENOUGH_MATCHES", 3)
    pg.upsert([make_doc(i, f"激光雷达点云处理{i}") for i in range(1, 4)]
              + [make_doc(i, f"激光雷达标定{i}") for i in range(10, 14)])
    result = pg.search(SearchQuery("激光雷达 点云"))
    assert set(ids(result)) == {"achievement:1", "achievement:2", "achievement:3"}
    assert result.total == 3 and result.facets["type"] == {"achievement": 3}


def test_too_few_full_matches_widen_to_partial_matches_ranked_below_them(pg, monkeypatch):
    monkeypatch.setattr(pg_index, "ENOUGH_MATCHES", 3)
    pg.upsert([make_doc(1, "一种处理方法", "基于激光雷达的点云配准"),
               make_doc(2, "激光雷达", "车载激光雷达"), make_doc(3, "点云", "点云压缩"),
               make_doc(4, "激光雷达标定"), make_doc(5, "城市轨道交通")])
    result = pg.search(SearchQuery("激光雷达 点云"))
    assert ids(result)[0] == "achievement:1"
    assert set(ids(result)) == {"achievement:1", "achievement:2", "achievement:3", "achievement:4"}
    assert result.total == 4


def test_widening_stops_at_the_most_words_that_give_enough_documents(pg, monkeypatch):
    monkeypatch.setattr(pg_index, "ENOUGH_MATCHES", 2)
    pg.upsert([make_doc(1, "石墨烯 电池 隔膜"), make_doc(2, "石墨烯 电池"), make_doc(3, "电池"),
               make_doc(4, "隔膜")])
    result = pg.search(SearchQuery("石墨烯 电池 隔膜"))  # all three: 1 document; two of them: 2
    assert ids(result) == ["achievement:1", "achievement:2"] and result.total == 2


def test_a_long_query_ranks_the_document_having_most_of_its_words_first(pg):
    words = "纺丝 电缆 壳层 氧化 纤维 同轴 纳米 模板 静电"
    pg.upsert([make_doc(1, "同轴静电纺丝", "壳层 纳米纤维 氧化 模板"), make_doc(2, "电缆"),
               make_doc(3, "纳米材料"), make_doc(4, "氧化工艺")])
    result = pg.search(SearchQuery(words))
    assert ids(result)[0] == "achievement:1"
    assert len(result.hits) == 4


def test_filter_values_cannot_be_matched_by_query_text(pg):
    pg.upsert([make_doc(1, "储能电池", markets=["SH"], field="新材料")])
    for query in ("=m:SH", "m:SH", "=f:新材料", "f 新材料 =", "'=m:SH'"):
        assert pg.search(SearchQuery(query)).total == 0, query
    assert pg.search(SearchQuery("储能", market="SH", field="新材料")).total == 1


def test_filter_values_with_quotes_and_spaces_match_exactly(pg):
    pg.upsert([make_doc(1, "储能电池", field="a'b c\\"), make_doc(2, "储能电池", field="a'b")])
    assert ids(pg.search(SearchQuery("储能", field="a'b c\\"))) == ["achievement:1"]
    assert ids(pg.search(SearchQuery("", field="a'b"))) == ["achievement:2"]


def _migration_0008():
    path = Path(__file__).resolve().parents[3] / "migrations" / "versions" / "20261122_0008_search_filter_lexemes.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("price", [None, 0, 1_000_000, 1_000_001, 20_000_000, 10 ** 13])
def test_filter_lexemes_added_by_the_migration_equal_the_adapters(pg, price):
    """0008 adds filter lexemes to rows indexed before it, in SQL: same tsvector as indexing
    (less the exact keys of later revisions, which a reindex writes)."""
    migration = _migration_0008()
    pg.upsert([make_doc(1, "储能电池", markets=["SH", "JS"], modes=["转让", "作价入股"], field="新材料",
                        province="江苏", ip_type=None, price_fen=price, price_low_fen=price and price // 2)])
    with pg.engine.begin() as conn:
        written = conn.execute(text("SELECT tsv::text FROM search_documents")).scalar()
        conn.execute(text(migration.DOWNGRADE_SQL))
        assert "=" not in conn.execute(text("SELECT tsv::text FROM search_documents")).scalar()
        conn.execute(text(migration.UPGRADE_SQL))
        migrated = conn.execute(text("SELECT tsv::text FROM search_documents")).scalar()
    assert migrated == " ".join(e for e in written.split(" ") if not e.startswith("'=x:"))


@pytest.mark.parametrize("low, high, expected", [(None, 20_000_000, {1, 2}), (20_000_000, None, {2, 3}),
                                                 (1_000_001, 19_999_999, set()), (0, 10 ** 13, {1, 2, 3})])
def test_price_filters_are_exact_at_band_limits(pg, low, high, expected):
    pg.upsert([make_doc(1, "储能电池", price_fen=1_000_000), make_doc(2, "储能电池", price_fen=20_000_000),
               make_doc(3, "储能电池", price_fen=20_000_001), make_doc(4, "储能电池", price_fen=None)])
    found = pg.search(SearchQuery("储能", price_min=low, price_max=high))
    assert {h.entity_id for h in found.hits} == expected
