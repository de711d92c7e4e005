"""What an import run leaves for its readers besides the counts: the row
errors (rows refused), the warnings (rows kept with a deliberate change, and
row 0: what the file's header lacked or added), and the header it found.

Errors and warnings have one shape (row, the market's id, column, reason), so
the CLI and the API show them side by side. They are stored and read by the
unit of work's import repository (``uow.imports``).
"""
from __future__ import annotations

from typing import Iterable

from market.domain.feeds import ImportRun, RowError


def store_notes(uow, run_id: int, errors: Iterable[RowError], warnings: Iterable[RowError]) -> None:
    """Insert a batch's row errors and warnings (one statement each)."""
    uow.imports.store_notes(run_id, errors, warnings)


def notes_of_run(uow, run_id: int, limit: int | None) -> tuple[list[dict], list[dict]]:
    """(row errors, warnings) of a run, each at most ``limit``."""
    return uow.imports.notes_of_run(run_id, limit)


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
