"""Full-text search adapters (Whoosh, PostgreSQL, in-memory fake) behind the ``SearchIndex`` port."""
from market.adapters.search.base import (  # noqa: F401
    SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResult,
)

__all__ = ["SearchDocument", "SearchHit", "SearchIndex", "SearchQuery", "SearchResult", "build_search_index"]


def build_search_index(config: dict, engine=None) -> SearchIndex:
    """The adapter named by SEARCH_BACKEND: "whoosh" (default), "postgres" or "fake"."""
    backend = config.get("SEARCH_BACKEND", "whoosh")
    if backend == "fake":
        from market.adapters.search.fake import FakeSearchIndex
        return FakeSearchIndex()
    if backend == "postgres":
        from market.adapters.search.pg_index import PostgresSearchIndex
        return PostgresSearchIndex(engine)
    if backend == "whoosh":
        from market.adapters.search.whoosh_index import WhooshSearchIndex
        return WhooshSearchIndex(config["SEARCH_INDEX_DIR"])
    raise ValueError(f"unknown SEARCH_BACKEND {backend!r}")
