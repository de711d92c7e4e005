"""The same search suite runs against every SearchIndex adapter."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from market.adapters.search.fake import FakeSearchIndex
from market.adapters.search.pg_index import PostgresSearchIndex
from market.adapters.search.whoosh_index import WhooshSearchIndex



@pytest.fixture(params=["fake", "whoosh", pytest.param("postgres", marks=pytest.mark.postgres)])
def index(request, tmp_path):
    if request.param == "fake":
        yield FakeSearchIndex()
    elif request.param == "whoosh":
        yield WhooshSearchIndex(tmp_path / "ix")
    else:
        engine = create_engine(request.getfixturevalue("postgres_url"))
        yield PostgresSearchIndex(engine)
        engine.dispose()


@pytest.fixture
def app_config(tmp_path):
    """Apps in this folder use the real Whoosh adapter in a temporary directory."""
    return {"SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "search_index")}
