"""Federated import: load one market's export into the one catalogue.

The file is read twice. The first pass only parses (no database): it proves
the whole file is readable, hashes it, counts its rows and finds ids sent
more than once, so an unreadable file is refused with nothing written. The
second pass upserts in batches, one commit per batch through the unit of work
(its after-commit listeners, e.g. the search index, see every batch), with
one query per batch and table for the lookups instead of one per row, and
new rows written in bulk (COPY on PostgreSQL). Only the organisation cache
and the ids sent twice outlive a batch, so memory stays flat in the file's size.

Keys: (market, the market's own id); AH rows carry a key derived from the
patent number, else the normalised title + holder (its 序号 is a row number).
Cross-market duplicates meet in ``achievement_match_keys``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from market.domain.dedup import LaterRowWins
from market.domain.errors import Forbidden, NotFound, ValidationFailed
from market.domain.feeds import ACHIEVEMENTS, HeaderReport, ImportRun, RejectedRow

from .common import load_actor
from .import_reports import run_view
from .import_upsert import DEMAND_FIELDS, LISTING_FIELDS, AchievementImporter, DemandImporter  # noqa: F401

BATCH_ROWS = 500
REPORT_ERRORS = 1000  # row errors returned inline with a run report (all are stored)
Progress = Callable[[int, int], None]  # (rows done, rows total)


# --- entry points -----------------------------------------------------------
def import_feed(uow, market_code: str, source, filename: str | None, actor_id: int | None, now: datetime,
                *, kind: str | None = None, progress: Progress | None = None,
                batch_rows: int = BATCH_ROWS) -> dict:
    """Import one feed file (a path or a binary stream) of ``market_code``.

    ``actor_id`` None means the platform itself (CLI, demo data); a user must
    operate that market or be the regional admin. Returns the run report.
    """
    market_code = (market_code or "").upper()
    adapter = uow.feeds.adapter_for(market_code)
    if filename is None and isinstance(source, (str, os.PathLike)):
        filename = Path(source).name
    with uow, _binary_source(source) as stream:
        _authorise(uow, market_code, actor_id)
        uow.imports.release()  # hold no transaction (SQLite: no write lock) while parsing
        scan = _scan(adapter, stream, kind, uow.feeds.HEAD_BYTES)  # refuses an unreadable file before anything is written
        run = ImportRun(market_code, scan.kind, (filename or "upload")[:255], scan.sha256, scan.size,
                        actor_id, now)
        uow.imports.add_run(run)
        uow.flush()
        importer_class = AchievementImporter if scan.kind == ACHIEVEMENTS else DemandImporter
        importer = importer_class(uow, run, actor_id, now, scan.superseded)
        try:
            importer.prepare()
            done = 0
            for number, batch in enumerate(_batches(adapter.read(stream, scan.kind), batch_rows), start=1):
                importer.process(batch)
                importer.run = run = _commit_batch(uow, run)
                _refresh_statistics(uow, number)
                done += len(batch)
                if progress:
                    progress(done, scan.rows)
            run.finish(now)
            uow.commit()
            return run_view(run, *uow.imports.notes_of_run(run.id, REPORT_ERRORS))
        except Exception:
            uow.rollback()
            _mark_failed(uow, run, now)
            raise


def _commit_batch(uow, run: ImportRun) -> ImportRun:
    """Commit one batch (after-commit listeners run), then forget its objects so
    memory stays flat over a long file."""
    run_id = run.id
    uow.commit()
    return uow.imports.forget_loaded(run_id)


def _refresh_statistics(uow, batch_number: int) -> None:
    """PostgreSQL plans the batch lookups once (prepared statements) from the
    table statistics; an import that grows a table from nothing to 100,000
    rows would keep the empty-table plan (sequential scans, quadratic time)
    unless the statistics follow. Refreshing them after batches 1, 4, 16, 64...
    keeps them current for a few ms each (the repository knows whether its
    database needs it)."""
    if batch_number & (batch_number - 1) or batch_number.bit_length() % 2 == 0:
        return  # not a power of four
    uow.imports.refresh_statistics()


def list_runs(uow, market_code: str, actor_id: int, page: int = 1, per_page: int = 20) -> dict:
    with uow:
        _authorise(uow, market_code, actor_id)
        runs, total = uow.imports.list_runs(market_code.upper(), page, per_page)
        return {"items": [run_view(r) for r in runs], "total": total, "page": page, "per_page": per_page}


def get_run(uow, market_code: str, run_id: int, actor_id: int, error_limit: int | None = None) -> dict:
    with uow:
        _authorise(uow, market_code, actor_id)
        run = uow.imports.get_run(run_id)
        if run is None or run.market_code != market_code.upper():
            raise NotFound(f"导入记录 {run_id} 不存在 (not found)")
        return run_view(run, *uow.imports.notes_of_run(run.id, error_limit))


# --- reading ----------------------------------------------------------------
@dataclass
class _Scan:
    kind: str
    rows: int
    sha256: str
    size: int
    superseded: dict[str, int]  # key sent more than once -> the row that wins (the last)


class _HashingReader:
    """Hashes the bytes of a file as a reader pulls them through."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self.stream.closed

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the caller owns the stream

    def finish(self) -> None:
        while self.read(1 << 20):  # whatever the parser left unread still counts in the hash
            pass


def _scan(adapter, stream: BinaryIO, kind: str | None, head_bytes: int) -> _Scan:
    """First pass: parse everything, write nothing (raises FeedUnreadable)."""
    head = stream.read(head_bytes)
    stream.seek(0)
    if not head.strip():
        raise adapter.unreadable("文件为空")
    detected = adapter.detect_kind(head)
    if kind and kind != detected:
        raise adapter.unreadable(f"文件内容是 {detected}, 不是 {kind}")
    reader = _HashingReader(stream)
    ids = LaterRowWins()
    rows = 0
    for parsed in adapter.read(reader, detected):
        if isinstance(parsed, HeaderReport):
            continue
        rows += 1
        if not isinstance(parsed, RejectedRow):
            ids.see(getattr(parsed, "external_id", None), parsed.row)
    reader.finish()
    stream.seek(0)
    return _Scan(detected, rows, reader.digest.hexdigest(), reader.size, ids.winners)


@contextmanager
def _binary_source(source) -> Iterator[BinaryIO]:
    """A seekable binary stream for a path or any stream (spooled to disk if it cannot seek)."""
    if isinstance(source, (str, os.PathLike)):
        try:
            handle = open(source, "rb")
        except OSError as exc:
            raise ValidationFailed.on("file", f"无法打开文件: {exc.strerror}") from None
        with handle:
            yield handle
        return
    if _seekable(source):
        source.seek(0)
        yield source
        return
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        shutil.copyfileobj(source, spool)
        spool.seek(0)
        yield spool


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- permissions and bookkeeping ------------------------------------------
def _authorise(uow, market_code: str, actor_id: int | None) -> None:
    if uow.markets.get(market_code.upper()) is None:
        raise NotFound(f"市场 {market_code} 不存在 (not found)")
    if actor_id is None:
        return  # the platform itself (CLI, demo data)
    user = load_actor(uow, actor_id)
    if not user.operates(market_code.upper()):
        raise Forbidden("只有该市场的运营人员或管理员可以导入 (operator of this market or admin only)")


def _mark_failed(uow, run: ImportRun, now: datetime) -> None:
    """Leave a trace of a run that broke half-way (earlier batches stay committed)."""
    try:
        persisted = uow.imports.get_run(run.id) if run.id else None
        if persisted is not None:
            persisted.finish(now, status="failed")
            uow.commit()
    except Exception:  # the original error matters more
        uow.rollback()
