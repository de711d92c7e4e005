"""Full-text search adapters (Whoosh, PostgreSQL, in-memory fake) behind the ``SearchIndex`` port."""
from market.adapters.search.base import (  # noqa: F401
    SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResult,
)
