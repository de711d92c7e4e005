"""Tables of the federated import: runs, their row errors, and the match keys
that let a listing from one market find the achievement another market
already brought in (by patent number, else by normalised title + holder)."""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from market.domain.feeds import ImportRowError, ImportRun

from .orm import mapper_registry, metadata
from .types import UTCDateTime

import_runs = Table(
    "import_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("actor_id", ForeignKey("users.id")),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("withdrawn", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("header", JSON),  # {found, unknown, missing_optional}: the columns the file really had
    Index("ix_import_runs_market_started", "market_code", "started_at"),
)

def _notes_table(name: str) -> Table:
    """Row errors and warnings share one shape: row, the market's id, column, reason."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        Column("run_id", ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("row", Integer, nullable=False),
        Column("external_id", String(64)),
        Column("field", String(64), nullable=False),
        Column("reason", Text, nullable=False),
    )


import_row_errors = _notes_table("import_row_errors")
# what the importer changed on purpose (row > 0), or noticed about the file (row 0: its header)
import_warnings = _notes_table("import_warnings")

# "P:<patent number>" or "T:<digest of normalised title|holder>" -> achievement
achievement_match_keys = Table(
    "achievement_match_keys", metadata,
    Column("key", String(80), primary_key=True),
    Column("achievement_id", ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True),
)


def map_imports() -> None:
    mapper_registry.map_imperatively(ImportRun, import_runs)
    mapper_registry.map_imperatively(ImportRowError, import_row_errors)
