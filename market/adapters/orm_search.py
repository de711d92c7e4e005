"""Tables of the search feature.

``search_outbox``: one row per changed achievement/demand, written in the same
transaction as the change (a unit-of-work before-commit hook), deleted once the
index has the change. A crash between commit and indexing loses nothing: the
row stays until an indexer drains it.

``search_documents``: the PostgreSQL adapter's index (jieba-segmented text in a
tsvector column with a GIN index). On SQLite the column is plain text and unused.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text
from sqlalchemy.dialects import postgresql

from .orm import metadata
from .types import UTCDateTime

search_outbox = Table(
    "search_outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A drain deletes the ids it applied, and reindex the ids up to a high-water mark. SQLite
    # reuses the largest deleted rowid without AUTOINCREMENT, so a change committed meanwhile
    # could take a just-applied id and be deleted unapplied (the index kept the old state).
    sqlite_autoincrement=True,
)

TSVECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")

search_documents = Table(
    "search_documents", metadata,
    Column("doc_id", String(40), primary_key=True),
    Column("doc_type", String(16), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("version", String(40), nullable=False),
    Column("public", Boolean, nullable=False),
    Column("field", String(32)),
    Column("markets", String(64), nullable=False, default=""),   # ",SH,JS,"
    Column("province", String(16)),
    Column("ip_type", String(16)),
    Column("modes", String(128), nullable=False, default=""),    # ",转让,普通许可,"
    Column("price_fen", BigInteger),
    Column("price_low_fen", BigInteger),
    Column("published_at", UTCDateTime),
    Column("data", Text, nullable=False),                         # the SearchDocument as JSON
    Column("tsv", TSVECTOR, nullable=False),
    Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
    Index("ix_search_documents_type_published", "doc_type", "published_at"),
)


def start_search_mappers() -> None:
    """Nothing to map imperatively: both tables are used through SQLAlchemy Core."""
