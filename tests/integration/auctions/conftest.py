"""Auction integration fixtures: a world on SQLite and on PostgreSQL.

The PostgreSQL database here is built from the metadata (create_all), not from the migrations, so
these tests depend only on the tables; the foundation's autogenerate test keeps the migrations
equal to the metadata."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from market.adapters import orm

from auction_world import T0, build_world
from market_testing import fill_schema

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _require_postgres() -> None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:   # noqa: BLE001
        message = f"PostgreSQL at 127.0.0.1:5432 is not reachable ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires the PostgreSQL tests to run", pytrace=False)
        pytest.skip(f"!!! SKIPPED POSTGRESQL TEST: {message}")


@pytest.fixture(scope="session")
def auction_pg_server():
    _require_postgres()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created = []

    def new_database() -> str:
        name = f"auction_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        fill_schema(url)
        return url

    yield new_database
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _auction_pg_shared(auction_pg_server):
    return auction_pg_server()


@pytest.fixture
def auction_pg_url(_auction_pg_shared):
    """The run's PostgreSQL database, emptied (scheduler tests start other processes on it)."""
    engine = create_engine(_auction_pg_shared)
    names = [t.name for t in orm.metadata.sorted_tables if t.name != "markets"]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _auction_pg_shared


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def auction_db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'auctions.sqlite'}"
        fill_schema(url)
        return url
    return request.getfixturevalue("auction_pg_url")


@pytest.fixture
def world(auction_db_url):
    w = build_world(auction_db_url, T0)
    yield w
    w.engine.dispose()
