"""Concurrent writers on SQLite queue behind BEGIN IMMEDIATE instead of failing."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import sessionmaker

from market.adapters.clock import FrozenClock
from market.adapters.db import make_engine
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
from market.services.accounts import create_organisation, list_organisations


def test_concurrent_sqlite_writers_do_not_hit_database_is_locked(sqlite_url):
    engine = make_engine(sqlite_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    clock = FrozenClock()

    def write(i):
        return create_organisation(SqlAlchemyUnitOfWork(factory), name=f"并发机构{i}", kind="enterprise",
                                   province="江苏", now=clock.now())["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(write, range(80)))
    assert len(set(ids)) == 80
    assert list_organisations(SqlAlchemyUnitOfWork(factory), per_page=100).total == 80
    engine.dispose()
