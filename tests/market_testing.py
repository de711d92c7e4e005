"""PostgreSQL helpers shared by the test suite (importable as `market_testing`;
conftest modules are not importable by name once several exist)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


# --- PostgreSQL ---------------------------------------------------------------------------
def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # report why, below
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def require_postgres() -> None:
    reason = _pg_reachable()
    if reason is None:
        return
    message = f"PostgreSQL at 127.0.0.1:5432 is not reachable ({reason})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires the PostgreSQL tests to run", pytrace=False)
    pytest.skip(f"!!! SKIPPED POSTGRESQL TEST: {message}")


def create_pg_database(prefix: str = "market_test") -> tuple[str, callable]:
    """A fresh database; returns its URL and a function that drops it."""
    require_postgres()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def migrate(url: str) -> None:
    from alembic import command

    from market.cli import alembic_config
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")




def create_sqlite_database(path) -> str:
    """A SQLite file at `path` with the schema and the four markets; returns its URL."""
    url = f"sqlite:///{path}"
    fill_schema(url)
    return url


def fill_schema(url: str) -> None:
    """The tables from the metadata (not the migrations) and the four markets, in the database at `url`."""
    from market.adapters import orm
    from market.adapters.db import make_engine
    from market.domain.taxonomy import MARKETS
    orm.start_mappers()
    engine = make_engine(url)
    orm.metadata.create_all(engine)
    with engine.begin() as conn:
        for code, name, province in MARKETS:
            conn.execute(orm.markets.insert().values(code=code, name=name, province=province))
    engine.dispose()
