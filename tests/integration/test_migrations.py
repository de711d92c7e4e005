"""Migrations reach exactly the schema the models describe, and go back down."""
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from market_testing import create_pg_database
from market.adapters import orm
from market.cli import alembic_config


def _cfg(url):
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    return cfg


def _diff(url):
    orm.start_mappers()
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diff = compare_metadata(ctx, orm.metadata)
    engine.dispose()
    return diff


@pytest.fixture
def empty_pg():
    url, drop = create_pg_database("market_migr")
    yield url
    drop()


@pytest.mark.postgres
def test_upgrade_from_empty_matches_the_models_on_postgres(empty_pg):
    command.upgrade(_cfg(empty_pg), "head")
    assert _diff(empty_pg) == []
    engine = create_engine(empty_pg)
    with engine.connect() as conn:
        markets = conn.execute(text("SELECT code, province FROM markets ORDER BY code")).all()
    engine.dispose()
    assert [tuple(m) for m in markets] == [("AH", "安徽"), ("JS", "江苏"), ("SH", "上海"), ("ZJ", "浙江")]


@pytest.mark.postgres
def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_pg):
    command.upgrade(_cfg(empty_pg), "head")
    command.downgrade(_cfg(empty_pg), "base")
    engine = create_engine(empty_pg)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(_cfg(empty_pg), "head")
    assert _diff(empty_pg) == []


def test_upgrade_from_empty_works_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    command.upgrade(_cfg(url), "head")
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"markets", "organisations", "users", "achievements", "demands"} <= tables
    command.downgrade(_cfg(url), "base")


def test_sqlite_search_outbox_keeps_its_rows_and_never_reuses_an_id_after_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    command.upgrade(_cfg(url), "0008_search_filter_lexemes")
    engine = create_engine(url)
    insert = text("INSERT INTO search_outbox (kind, entity_id, created_at) VALUES ('achievement', :e, '2026-11-22')")
    with engine.begin() as conn:
        conn.execute(insert, {"e": 1})
        conn.execute(insert, {"e": 2})
    command.upgrade(_cfg(url), "head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id, entity_id FROM search_outbox ORDER BY id")).all() == [(1, 1), (2, 2)]
        conn.execute(text("DELETE FROM search_outbox"))
        conn.execute(insert, {"e": 3})
        assert conn.execute(text("SELECT id FROM search_outbox")).scalar() == 3
    engine.dispose()
