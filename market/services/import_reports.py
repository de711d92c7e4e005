"""What an import run leaves for its readers besides the counts: the row
errors (rows refused), the warnings (rows kept with a deliberate change, and
row 0: what the file's header lacked or added), and the header it found.

Errors and warnings have one shape (row, the market's id, column, reason), so
the CLI and the API show them side by side.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import insert, select

from market.adapters.orm_imports import import_row_errors, import_warnings
from market.domain import normalise as nz
from market.domain.feeds import ImportRun, RowError


def store_notes(session, run_id: int, errors: Iterable[RowError], warnings: Iterable[RowError]) -> None:
    """Insert a batch's row errors and warnings (one statement each)."""
    for table, notes in ((import_row_errors, errors), (import_warnings, warnings)):
        rows = [{"run_id": run_id, "row": n.row, "external_id": nz.clean_text(n.external_id)[:64] or None,
                 "field": nz.clean_text(n.field)[:64], "reason": nz.clean_text(n.reason)} for n in notes]
        if rows:
            session.execute(insert(table), rows)


def notes_of(session, table, run_id: int, limit: int | None) -> list[dict]:
    t = table.c
    stmt = select(t.row, t.external_id, t.field, t.reason).where(t.run_id == run_id).order_by(t.id)
    if limit:
        stmt = stmt.limit(limit)
    return [dict(r._mapping) for r in session.execute(stmt)]


def notes_of_run(session, run_id: int, limit: int | None) -> tuple[list[dict], list[dict]]:
    """(row errors, warnings) of a run, each at most ``limit``."""
    return notes_of(session, import_row_errors, run_id, limit), notes_of(session, import_warnings, run_id, limit)


def run_view(run: ImportRun, errors: list[dict] | None = None, warnings: list[dict] | None = None) -> dict:
    view = {
        "id": run.id, "market_code": run.market_code, "kind": run.kind, "filename": run.filename,
        "file_hash": run.file_hash, "size_bytes": run.size_bytes, "actor_id": run.actor_id,
        "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
        "counts": run.counts, "reconciles": run.reconciles, "header": run.header,
    }
    if errors is not None:
        view["errors"], view["warnings"] = errors, warnings or []
    return view
