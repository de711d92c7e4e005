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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.orm import selectinload

from market.adapters import orm
from market.adapters.feeds import HEAD_BYTES, adapter_for
from market.adapters.orm_imports import achievement_match_keys, import_runs
from market.domain import normalise as nz
from market.domain.accounts import Organisation
from market.domain.achievements import Achievement, AchievementListing
from market.domain.demands import Demand
from market.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from market.domain.feeds import (
    ACHIEVEMENTS, DemandRecord, HeaderReport, ImportRun, ListingRecord, RejectedRow, RowError,
)

from .common import load_actor
from .import_reports import notes_of_run, run_view, store_notes
from .notifications import listings as notify

BATCH_ROWS = 500
REPORT_ERRORS = 1000  # row errors returned inline with a run report (all are stored)
Progress = Callable[[int, int], None]  # (rows done, rows total)

LISTING_FIELDS = ("title", "abstract", "keywords", "ip_type", "application_numbers", "field", "maturity",
                  "transfer_modes", "province", "city", "district")
DEMAND_FIELDS = ("title", "description", "field", "budget_min_fen", "budget_max_fen", "deadline",
                 "cooperation_mode", "province", "city", "district")


# --- entry points -----------------------------------------------------------
def import_feed(uow, market_code: str, source, filename: str | None, actor_id: int | None, now: datetime,
                *, kind: str | None = None, progress: Progress | None = None,
                batch_rows: int = BATCH_ROWS) -> dict:
    """Import one feed file (a path or a binary stream) of ``market_code``.

    ``actor_id`` None means the platform itself (CLI, demo data); a user must
    operate that market or be the regional admin. Returns the run report.
    """
    market_code = (market_code or "").upper()
    adapter = adapter_for(market_code)
    if filename is None and isinstance(source, (str, os.PathLike)):
        filename = Path(source).name
    with uow, _binary_source(source) as stream:
        _authorise(uow, market_code, actor_id)
        uow.session.rollback()  # hold no transaction (SQLite: no write lock) while parsing
        scan = _scan(adapter, stream, kind)  # refuses an unreadable file before anything is written
        run = ImportRun(market_code, scan.kind, (filename or "upload")[:255], scan.sha256, scan.size,
                        actor_id, now)
        uow.session.add(run)
        uow.flush()
        importer_class = _AchievementImporter if scan.kind == ACHIEVEMENTS else _DemandImporter
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
            return run_view(run, *notes_of_run(uow.session, run.id, REPORT_ERRORS))
        except Exception:
            uow.rollback()
            _mark_failed(uow, run, now)
            raise


def _commit_batch(uow, run: ImportRun) -> ImportRun:
    """Commit one batch (after-commit listeners run), then forget its objects so
    memory stays flat over a long file."""
    run_id = run.id
    uow.commit()
    uow.session.expunge_all()
    return uow.session.get(ImportRun, run_id)


STATISTICS_TABLES = ("achievements", "achievement_listings", "achievement_history", "achievement_match_keys",
                     "organisations", "demands", "demand_history")


def _refresh_statistics(uow, batch_number: int) -> None:
    """PostgreSQL plans the batch lookups once (prepared statements) from the
    table statistics; an import that grows a table from nothing to 100,000
    rows would keep the empty-table plan (sequential scans, quadratic time)
    unless the statistics follow. ANALYZE after batches 1, 4, 16, 64... keeps
    them current for a few ms each and invalidates the stale plans."""
    if batch_number & (batch_number - 1) or batch_number.bit_length() % 2 == 0:
        return  # not a power of four
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("ANALYZE " + ", ".join(STATISTICS_TABLES)))
    session.commit()


def list_runs(uow, market_code: str, actor_id: int, page: int = 1, per_page: int = 20) -> dict:
    t = import_runs
    with uow:
        _authorise(uow, market_code, actor_id)
        where = t.c.market_code == market_code.upper()
        total = uow.session.scalar(select(func.count()).select_from(t).where(where))
        runs = uow.session.scalars(select(ImportRun).where(where).order_by(t.c.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page))
        return {"items": [run_view(r) for r in runs], "total": total or 0, "page": page, "per_page": per_page}


def get_run(uow, market_code: str, run_id: int, actor_id: int, error_limit: int | None = None) -> dict:
    with uow:
        _authorise(uow, market_code, actor_id)
        run = uow.session.get(ImportRun, run_id)
        if run is None or run.market_code != market_code.upper():
            raise NotFound(f"导入记录 {run_id} 不存在 (not found)")
        return run_view(run, *notes_of_run(uow.session, run.id, error_limit))


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


def _scan(adapter, stream: BinaryIO, kind: str | None) -> _Scan:
    """First pass: parse everything, write nothing (raises FeedUnreadable)."""
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if not head.strip():
        raise adapter.unreadable("文件为空")
    detected = adapter.detect_kind(head)
    if kind and kind != detected:
        raise adapter.unreadable(f"文件内容是 {detected}, 不是 {kind}")
    reader = _HashingReader(stream)
    last_row: dict[str, int] = {}
    superseded: dict[str, int] = {}
    rows = 0
    for parsed in adapter.read(reader, detected):
        if isinstance(parsed, HeaderReport):
            continue
        rows += 1
        key = getattr(parsed, "external_id", None)
        if key and not isinstance(parsed, RejectedRow):
            if key in last_row:
                superseded[key] = parsed.row
            last_row[key] = parsed.row
    reader.finish()
    stream.seek(0)
    return _Scan(detected, rows, reader.digest.hexdigest(), reader.size, superseded)


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
        persisted = uow.session.get(ImportRun, run.id) if run.id else None
        if persisted is not None:
            persisted.finish(now, status="failed")
            uow.commit()
    except Exception:  # the original error matters more
        uow.rollback()


# --- the upsert -------------------------------------------------------------
@dataclass
class _OrgCache:
    """Organisations by normalised name: matched by name and province, else by a
    unique name, else created. Loaded once per run (a few thousand at most)."""

    by_key: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def load(self, session) -> None:
        t = orm.organisations.c
        for ident, name, province in session.execute(select(t.id, t.name, t.province)):
            self.by_key.setdefault(nz.match_key(name), []).append((province, ident))

    def ensure(self, uow, wanted: Iterable[tuple[str, str | None, str | None]], now: datetime) -> None:
        """Create the organisations a batch needs, with one flush for all of them."""
        created = []
        for name, province, city in wanted:
            if self.find(name, province) is None:
                org = Organisation(name=name, kind=nz.organisation_kind(name), province=province or "上海",
                                   city=city, created_at=now)
                uow.organisations.add(org)
                created.append(org)
                self.by_key.setdefault(nz.match_key(name), []).append((org.province, org))
        if created:
            uow.flush()
            for key, candidates in self.by_key.items():
                self.by_key[key] = [(p, o.id if isinstance(o, Organisation) else o) for p, o in candidates]

    def find(self, name: str, province: str | None):
        candidates = self.by_key.get(nz.match_key(name), [])
        for cand_province, ident in candidates:
            if cand_province == province:
                return ident
        return candidates[0][1] if len(candidates) == 1 else None

    def resolve(self, name: str, province: str | None) -> int:
        ident = self.find(name, province)
        if ident is None:
            raise LookupError(f"organisation {name} was not prepared")
        return ident


class _Importer:
    def __init__(self, uow, run: ImportRun, actor_id: int | None, now: datetime, superseded: dict[str, int]):
        self.uow, self.run, self.actor_id, self.now = uow, run, actor_id, now
        self.superseded = superseded
        self.orgs = _OrgCache()
        self.reason = f"{run.market_code} 市场导入"

    def prepare(self) -> None:
        self.orgs.load(self.uow.session)

    def process(self, batch: list) -> None:
        errors: list[RowError] = []
        warnings: list[RowError] = []
        records = []
        for parsed in batch:
            if isinstance(parsed, HeaderReport):
                self.run.header = parsed.as_dict()
                warnings.extend(parsed.warnings())
            elif isinstance(parsed, RejectedRow):
                errors.extend(parsed.errors)
                self.run.count("rejected")
            elif self.superseded.get(parsed.external_id, parsed.row) != parsed.row:
                later = self.superseded[parsed.external_id]
                errors.append(RowError(parsed.market_code, parsed.row, parsed.external_id, "(row)",
                                       f"编号在本文件中重复出现, 以第 {later} 行为准 (duplicate id; the later row wins)"))
                self.run.count("rejected")
            else:
                records.append(parsed)
                warnings.extend(parsed.warnings)
        if records:
            errors.extend(self.upsert(records))
        self.uow.flush()
        store_notes(self.uow.session, self.run.id, errors, warnings)

    def upsert(self, records: list) -> list[RowError]:
        raise NotImplementedError

    def rejected_by_domain(self, record, exc: DomainError) -> list[RowError]:
        """The domain's own checks are the last word (e.g. an over-long abstract)."""
        self.run.count("rejected")
        details = exc.errors or {"(row)": [exc.message]}
        return [RowError(record.market_code, record.row, record.external_id, name, "; ".join(map(str, msgs)))
                for name, msgs in details.items()]


class _AchievementImporter(_Importer):
    def prepare(self) -> None:
        super().prepare()
        _backfill_match_keys(self.uow)

    def upsert(self, records: list[ListingRecord]) -> list[RowError]:
        session, market = self.uow.session, self.run.market_code
        t = orm.achievement_listings.c
        listings = {li.external_id: li for li in session.scalars(select(AchievementListing).where(
            t.market_code == market, t.external_id.in_([r.external_id for r in records])))}
        keys_wanted = {k for r in records if r.external_id not in listings for k in _match_keys(r)}
        matched = _lookup_match_keys(session, keys_wanted)
        wanted_ids = {li.achievement_id for li in listings.values()} | set(matched.values())
        # history comes along in one query: appending to it must not lazy-load (and autoflush) per row
        achievements = {a.id: a for a in session.scalars(select(Achievement).options(
            selectinload(Achievement.history)).where(orm.achievements.c.id.in_(wanted_ids)))} if wanted_ids else {}
        self.orgs.ensure(self.uow, ((r.holder_name, r.province, r.city) for r in records
                                    if r.external_id not in listings), self.now)
        new_keys: dict[str, Achievement] = {}
        errors: list[RowError] = []
        self.pending: list[Achievement] = []
        with session.no_autoflush:  # one flush per batch keeps the inserts batched
            for record in records:
                self._upsert_one(record, listings, achievements, matched, new_keys, errors)
        self.uow.flush()
        self._insert_pending()
        if new_keys:
            session.execute(insert(achievement_match_keys),
                            [{"key": k, "achievement_id": a.id} for k, a in new_keys.items()])
        return errors

    def _upsert_one(self, record, listings, achievements, matched, new_keys, errors) -> None:
        try:
            listing = listings.get(record.external_id)
            if listing is not None:
                self.run.count(self._update(achievements[listing.achievement_id], listing, record))
                return
            achievement = self._find(record, matched, achievements, new_keys)
            if achievement is None:
                achievement = self._create(record)
                outcome = "withdrawn" if record.withdrawn else "created"
            else:
                outcome = self._add_listing(achievement, record)
            for key in _match_keys(record):
                if key not in matched:
                    new_keys.setdefault(key, achievement)
            self.run.count(outcome)
        except DomainError as exc:
            errors.extend(self.rejected_by_domain(record, exc))

    @staticmethod
    def _find(record, matched, achievements, new_keys) -> Achievement | None:
        for key in _match_keys(record):
            if key in new_keys:
                return new_keys[key]
            if key in matched and matched[key] in achievements:
                return achievements[matched[key]]
        return None

    def _create(self, record: ListingRecord) -> Achievement:
        holder_id = self.orgs.resolve(record.holder_name, record.province)
        achievement = Achievement(
            title=record.title, holder_id=holder_id, market_code=record.market_code, field=record.field,
            ip_type=record.ip_type, now=self.now, abstract=record.abstract, keywords=record.keywords,
            application_numbers=record.application_numbers, maturity=record.maturity,
            transfer_modes=record.transfer_modes, price_fen=record.price_fen, province=record.province,
            city=record.city, district=record.district, created_by_id=self.actor_id)
        achievement.publish_imported(self.actor_id, self.now, reason=self.reason)
        achievement.listings.append(self._listing(record))
        if record.withdrawn:
            achievement.withdraw(self.actor_id, self.now, reason=f"{record.market_code} 撤牌")
        self.pending.append(achievement)  # inserted with the batch by _insert_pending
        return achievement

    def _insert_pending(self) -> None:
        """New achievements, their listings and history in three bulk statements
        (Core; COPY on PostgreSQL), instead of the ORM's per-object bookkeeping,
        which dominated the import time. The objects stay out of the session; the
        unit of work is told what changed so its listeners (search) still see it."""
        if not self.pending:
            return
        session, a, li, h = self.uow.session, orm.achievements, orm.achievement_listings, orm.achievement_history
        columns = [c.name for c in a.columns if c.name != "id"]
        rows = [{name: getattr(obj, name) for name in columns} for obj in self.pending]
        ids = _next_ids(session, a, len(rows))
        if ids is None:  # SQLite: one multi-row INSERT .. RETURNING (cheap to parse there)
            ids = session.execute(insert(a).returning(a.c.id, sort_by_parameter_order=True), rows).scalars().all()
        else:
            for row, ident in zip(rows, ids):
                row["id"] = ident
            _bulk_insert(session, a, rows)
        listing_rows, history_rows = [], []
        for obj, ident in zip(self.pending, ids):
            obj.id = ident
            self.uow.mark_changed("achievement", ident)
            listing_rows += [{"achievement_id": ident, **_values(x, LISTING_COLUMNS)} for x in obj.listings]
            history_rows += [{"achievement_id": ident, **_values(x, HISTORY_COLUMNS)} for x in obj.history]
        _bulk_insert(session, li, listing_rows)
        _bulk_insert(session, h, history_rows)
        notify.on_achievements_published(self.uow, achievement_ids=[a.id for a in self.pending if a.status == "published"], now=self.now)
        self.pending = []

    def _listing(self, record: ListingRecord) -> AchievementListing:
        return AchievementListing(record.market_code, record.external_id, record.price_fen, record.negotiable,
                                  record.listed_on, self.now, status="withdrawn" if record.withdrawn else "listed")

    def _add_listing(self, achievement: Achievement, record: ListingRecord) -> str:
        """A duplicate across markets: one achievement, one more listing."""
        achievement.listings.append(self._listing(record))
        achievement.record_change(self.actor_id, self.now, f"{record.market_code} 同时挂牌",
                                  {"listed_on_market": record.market_code, "external_id": record.external_id})
        if record.withdrawn:
            return "withdrawn"
        if achievement.status in ("draft", "pending_review", "withdrawn"):
            achievement.publish_imported(self.actor_id, self.now, reason=self.reason)
        return "created"

    def _update(self, achievement: Achievement, listing: AchievementListing, record: ListingRecord) -> str:
        outcome = "unchanged"
        home = _primary_listing(achievement) is listing
        if home:
            changed = {name: getattr(record, name) for name in LISTING_FIELDS
                       if getattr(achievement, name) != getattr(record, name)}
            if changed:
                for name, value in changed.items():
                    setattr(achievement, name, value)
                achievement.record_change(self.actor_id, self.now, self.reason, {"fields": sorted(changed)})
                outcome = "updated"
        if (listing.price_fen, listing.negotiable) != (record.price_fen, record.negotiable):
            detail = {"price_fen": [listing.price_fen, record.price_fen], "market": record.market_code,
                      "external_id": record.external_id}
            listing.price_fen, listing.negotiable = record.price_fen, record.negotiable
            if home:
                achievement.price_fen, achievement.negotiable = record.price_fen, record.negotiable
            achievement.record_change(self.actor_id, self.now, f"{record.market_code} 挂牌价变更", detail)
            outcome = "updated"
        if listing.listed_on != record.listed_on:
            listing.listed_on = record.listed_on
            outcome = "updated"
        if record.withdrawn and listing.status == "listed":
            listing.status = "withdrawn"
            if achievement.status in ("draft", "pending_review", "published") and not _other_listed(achievement, listing):
                achievement.withdraw(self.actor_id, self.now, reason=f"{record.market_code} 撤牌")
            else:
                achievement.record_change(self.actor_id, self.now, f"{record.market_code} 撤牌",
                                          {"withdrawn_from_market": record.market_code})
            outcome = "withdrawn"
        elif not record.withdrawn and listing.status == "withdrawn":
            listing.status = "listed"
            if achievement.status == "withdrawn":
                achievement.publish_imported(self.actor_id, self.now, reason=f"{record.market_code} 重新挂牌")
            outcome = "updated"
        if outcome != "unchanged":
            listing.updated_at = achievement.updated_at = self.now
        return outcome


LISTING_COLUMNS = ("market_code", "external_id", "price_fen", "negotiable", "listed_on", "status", "created_at",
                   "updated_at")
HISTORY_COLUMNS = ("at", "actor_id", "from_status", "to_status", "reason", "detail")


def _values(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}


def _next_ids(session, table, count: int) -> list[int] | None:
    """PostgreSQL: ``count`` ids drawn from the table's sequence in one query, so
    the rows can go in by COPY instead of a multi-row INSERT .. RETURNING, whose
    ~300 kB of SQL (500 rows) psycopg re-parsed for every batch: ~12% of the
    import's time. None elsewhere (SQLite parses that statement cheaply)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return list(session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count}).scalars())


def _bulk_insert(session, table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) in the session's transaction.

    PostgreSQL: one COPY (no SQL to parse, no per-row protocol round); the
    values go through the columns' own bind processors first (JSON
    serialisation, UTC datetimes), so what is stored is what an INSERT would
    store. Elsewhere: an executemany."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    processors = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row[name] if process is None else process(row[name]) for name, process in processors])


def _primary_listing(achievement: Achievement) -> AchievementListing | None:
    """The listing whose row describes the achievement: the first one of its home
    market. Other rows (another market, or a second id on the same market) only
    carry their own price, date and status, so two rows cannot flip-flop it."""
    home = [li for li in achievement.listings if li.market_code == achievement.market_code]
    return min(home, key=lambda li: li.id or float("inf")) if home else None


def _other_listed(achievement: Achievement, listing: AchievementListing) -> bool:
    return any(li is not listing and li.status == "listed" for li in achievement.listings)


def _match_keys(record: ListingRecord) -> list[str]:
    """Patent numbers when there are any; the title + holder key only otherwise
    (two patents of one holder may share a title)."""
    if record.application_numbers:
        return [f"P:{p}" for p in record.application_numbers]
    return ["T:" + hashlib.sha1(record.title_holder_key.encode("utf-8")).hexdigest()]


def _keys_of_achievement(application_numbers, title: str, holder_name: str) -> list[str]:
    if application_numbers:
        return [f"P:{p}" for p in application_numbers]
    return ["T:" + hashlib.sha1(nz.title_holder_key(title, holder_name).encode("utf-8")).hexdigest()]


def _lookup_match_keys(session, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    t = achievement_match_keys.c
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 900):  # SQLite's bound-parameter limit
        chunk = ordered[start:start + 900]
        found.update((key, ident) for key, ident in session.execute(select(t.key, t.achievement_id).where(t.key.in_(chunk))))
    return found


def _backfill_match_keys(uow) -> None:
    """Achievements entered through the platform (not imported) get their keys
    here, so a market listing the same patent joins them instead of duplicating."""
    a, o, k = orm.achievements.c, orm.organisations.c, achievement_match_keys.c
    rows = uow.session.execute(
        select(a.id, a.application_numbers, a.title, o.name).join(orm.organisations, o.id == a.holder_id)
        .where(~exists().where(k.achievement_id == a.id)).order_by(a.id)).all()
    if not rows:
        return
    wanted = {key: ident for ident, patents, title, holder in rows
              for key in _keys_of_achievement(patents or [], title, holder)}
    taken = set(_lookup_match_keys(uow.session, set(wanted)))
    fresh = {}
    for ident, patents, title, holder in rows:
        for key in _keys_of_achievement(patents or [], title, holder):
            if key not in taken and key not in fresh:
                fresh[key] = ident
    if fresh:
        uow.session.execute(insert(achievement_match_keys),
                            [{"key": key, "achievement_id": ident} for key, ident in fresh.items()])


class _DemandImporter(_Importer):
    def upsert(self, records: list[DemandRecord]) -> list[RowError]:
        t = orm.demands.c
        existing = {d.external_id: d for d in self.uow.session.scalars(select(Demand).where(
            t.market_code == self.run.market_code, t.external_id.in_([r.external_id for r in records])))}
        self.orgs.ensure(self.uow, ((r.enterprise_name, r.province, r.city) for r in records
                                    if r.external_id not in existing), self.now)
        errors: list[RowError] = []
        for record in records:
            try:
                demand = existing.get(record.external_id)
                if demand is None:
                    existing[record.external_id] = self._create(record)
                    self.run.count("created")
                else:
                    self.run.count(self._update(demand, record))
            except DomainError as exc:
                errors.extend(self.rejected_by_domain(record, exc))
        return errors

    def _create(self, record: DemandRecord) -> Demand:
        enterprise_id = self.orgs.resolve(record.enterprise_name, record.province)
        demand = Demand(
            title=record.title, enterprise_id=enterprise_id, market_code=record.market_code, now=self.now,
            description=record.description, field=record.field, budget_min_fen=record.budget_min_fen,
            budget_max_fen=record.budget_max_fen, deadline=record.deadline,
            cooperation_mode=record.cooperation_mode, province=record.province, city=record.city,
            district=record.district, created_by_id=self.actor_id, external_id=record.external_id)
        demand.publish_imported(self.actor_id, self.now, reason=self.reason)
        self.uow.demands.add(demand)
        return demand

    def _update(self, demand: Demand, record: DemandRecord) -> str:
        changed = {name: getattr(record, name) for name in DEMAND_FIELDS
                   if getattr(demand, name) != getattr(record, name)}
        if not changed:
            return "unchanged"
        detail = {"fields": sorted(changed)}
        for name in ("budget_min_fen", "budget_max_fen"):
            if name in changed:
                detail[name] = [getattr(demand, name), changed[name]]
        for name, value in changed.items():
            setattr(demand, name, value)
        demand.record_change(self.actor_id, self.now, self.reason, detail)
        return "updated"
