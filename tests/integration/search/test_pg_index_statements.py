"""PostgresSearchIndex runs a search's statements in psycopg's pipeline mode: same results as
one statement at a time, and the pooled connection comes back idle with its settings. Writers
keep the GIN pending list (which every search scans) short."""
import dataclasses

import psycopg
import pytest
from sqlalchemy import create_engine, exc, text

from market.adapters.search import pg_index
from market.adapters.search.base import SearchQuery
from market.adapters.search.pg_index import PostgresSearchIndex

from search_fixtures import make_doc

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url):
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)  # one connection: the next search reuses it
    index = PostgresSearchIndex(engine)
    index.upsert(DOCS)
    yield index
    engine.dispose()


DOCS = [
    make_doc(1, "激光雷达点云处理方法", "基于激光雷达的点云配准与压缩", markets=["SH", "JS"], price_fen=5_000_000),
    make_doc(2, "车载激光雷达", "激光雷达标定装置", field="先进制造", modes=["转让", "普通许可"]),
    make_doc(3, "点云压缩", "一种点云数据压缩方法", price_fen=30_000_000, days=2),
    make_doc(4, "城市轨道交通调度", "列车运行图编制", markets=["ZJ"], days=1),
    make_doc(5, "石墨烯电池隔膜", "隔膜涂覆工艺", doc_type="demand", price_fen=10_000_000, days=3),
    make_doc(6, "激光焊接机器人", "焊缝跟踪与激光雷达定位", field="先进制造", price_fen=2_000_000),
]

QUERIES = [
    SearchQuery("激光雷达 点云"), SearchQuery("激光雷达 点云", page=2, per_page=2),
    SearchQuery("激光雷达", sort="newest"), SearchQuery("激光 压缩 隔膜", sort="price"),
    SearchQuery("激光雷达", market="SH", facets=False), SearchQuery("点云", snippets=False),
    SearchQuery('"激光雷达" 定位'), SearchQuery("激光", price_max=20_000_000, doc_type="achievement"),
    SearchQuery("激光雷达", exclude_ids=frozenset({"achievement:1"})), SearchQuery(""),
    SearchQuery("", field="先进制造", sort="price"), SearchQuery(weighted_terms=[("激光雷达", 2.0), ("隔膜", 1.0)]),
]


def outputs(index):
    return [dataclasses.replace(index.search(q), took_ms=0) for q in QUERIES]


def test_pipelined_statements_give_the_results_of_one_at_a_time(pg, monkeypatch):
    pipelined = outputs(pg)
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    assert outputs(pg) == pipelined
    assert [r.total for r in pipelined] == [4, 4, 3, 5, 3, 2, 3, 2, 2, 6, 2, 4]


def test_a_search_returns_its_connection_idle_without_its_planner_setting(pg):
    pg.search(SearchQuery("激光雷达 点云"))
    with pg.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"


def test_pipelined_statements_share_one_transaction_that_end_closes(pg):
    with pg.engine.connect() as conn:
        raw = conn.connection.driver_connection
        with pg_index._statements(conn) as run:
            assert isinstance(run, pg_index._Pipelined)
            run.send("SET LOCAL enable_seqscan = off")
            assert run.rows("SHOW enable_seqscan") == [("off",)]
            pending = run.send("SELECT count(*) FROM search_documents")
            run.end()
        assert pending() == [(len(DOCS),)]
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_search_failing_halfway_leaves_the_connection_usable(pg, monkeypatch):
    expected = pg.search(SearchQuery("激光雷达 点云"))

    def broken(*args, **kwargs):
        raise RuntimeError("decorating failed")

    with monkeypatch.context() as m:
        m.setattr(pg_index, "decorate", broken)
        with pytest.raises(RuntimeError):
            pg.search(SearchQuery("激光雷达 点云"))
    with monkeypatch.context() as m:
        m.setattr(PostgresSearchIndex, "_where", staticmethod(lambda q: (["no_such_column"], {})))
        with pytest.raises(exc.ProgrammingError):
            pg.search(SearchQuery("激光雷达 点云"))
    again = pg.search(SearchQuery("激光雷达 点云"))
    assert dataclasses.replace(again, took_ms=0) == dataclasses.replace(expected, took_ms=0)


def test_writers_keep_the_gin_pending_list_short_and_a_rebuild_keeps_the_default(pg, monkeypatch):
    def limit(conn):
        return conn.execute(text("SHOW gin_pending_list_limit")).scalar()

    with pg.engine.connect() as conn:
        default = limit(conn)
    seen = []
    writer_upsert = pg_index._PgBatch.upsert

    def upsert(self, doc):
        seen.append(limit(self.conn))
        writer_upsert(self, doc)

    monkeypatch.setattr(pg_index._PgBatch, "upsert", upsert)
    pg.upsert(DOCS[:1])
    pg.rebuild(DOCS)
    assert seen == [f"{pg_index.WRITER_PENDING_LIST_KB}kB"] + [default] * len(DOCS)
    with pg.engine.connect() as conn:  # the writer's transaction only
        assert limit(conn) == default


def test_rebuild_vacuums_away_the_rows_it_replaced(pg):
    def vacuums():
        with pg.engine.connect() as conn:
            return conn.execute(text("SELECT vacuum_count FROM pg_stat_user_tables "
                                     "WHERE relname = 'search_documents'")).scalar()

    before = vacuums()
    assert pg.rebuild(DOCS) == len(DOCS)
    assert vacuums() == before + 1
    assert pg.search(SearchQuery("激光雷达 点云")).total == 4
