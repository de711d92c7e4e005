from pathlib import Path

import pytest

from market.services.imports import import_feed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


@pytest.fixture
def feed_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def run_import(uow_factory, clock):
    """Import one of the project's fixture feeds (or any path) as the platform."""
    def run(market: str, name_or_path, actor_id=None, **kwargs) -> dict:
        path = name_or_path if isinstance(name_or_path, Path) else FIXTURES / name_or_path
        return import_feed(uow_factory(), market, path, path.name, actor_id, clock.now(), **kwargs)
    return run


@pytest.fixture
def session_scope(uow_factory):
    """Read the database in a fresh unit of work: `with session_scope() as uow: ...`."""
    return uow_factory
