"""The federated import's storage: runs and their notes, the batch lookups, the
cross-market match keys, and the bulk writes (COPY on PostgreSQL).

The import service (market.services.imports) decides what to write; this
module decides how: one query per batch and table for the lookups instead of
one per row, new achievements in three bulk statements instead of the ORM's
per-object bookkeeping (which dominated the import time), and the statistics
PostgreSQL needs to keep its plans good while a table grows.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.orm import Session, selectinload

from market.domain import normalise as nz
from market.domain.achievements import Achievement, AchievementListing
from market.domain.demands import Demand
from market.domain.feeds import ImportRun, RowError

from . import orm
from .orm_imports import achievement_match_keys, import_row_errors, import_runs, import_warnings

STATISTICS_TABLES = ("achievements", "achievement_listings", "achievement_history", "achievement_match_keys",
                     "organisations", "demands", "demand_history")
LISTING_COLUMNS = ("market_code", "external_id", "price_fen", "negotiable", "listed_on", "status", "created_at",
                   "updated_at")
HISTORY_COLUMNS = ("at", "actor_id", "from_status", "to_status", "reason", "detail")
IN_CHUNK = 900  # SQLite's bound-parameter limit


class SqlAlchemyImportRepository:
    def __init__(self, session: Session):
        self.session = session

    # --- runs and their notes ----------------------------------------------------------
    def add_run(self, run: ImportRun) -> None:
        self.session.add(run)

    def get_run(self, run_id: int) -> ImportRun | None:
        return self.session.get(ImportRun, run_id)

    def list_runs(self, market_code: str, page: int, per_page: int) -> tuple[list[ImportRun], int]:
        t = import_runs
        where = t.c.market_code == market_code
        total = self.session.scalar(select(func.count()).select_from(t).where(where)) or 0
        runs = list(self.session.scalars(select(ImportRun).where(where).order_by(t.c.id.desc())
                                         .limit(per_page).offset((page - 1) * per_page)))
        return runs, total

    def store_notes(self, run_id: int, errors: Iterable[RowError], warnings: Iterable[RowError]) -> None:
        """Insert a batch's row errors and warnings (one statement each)."""
        for table, notes in ((import_row_errors, errors), (import_warnings, warnings)):
            rows = [{"run_id": run_id, "row": n.row, "external_id": nz.clean_text(n.external_id)[:64] or None,
                     "field": nz.clean_text(n.field)[:64], "reason": nz.clean_text(n.reason)} for n in notes]
            if rows:
                self.session.execute(insert(table), rows)

    def notes_of_run(self, run_id: int, limit: int | None) -> tuple[list[dict], list[dict]]:
        """(row errors, warnings) of a run, each at most ``limit``."""
        return self._notes(import_row_errors, run_id, limit), self._notes(import_warnings, run_id, limit)

    def _notes(self, table, run_id: int, limit: int | None) -> list[dict]:
        t = table.c
        stmt = select(t.row, t.external_id, t.field, t.reason).where(t.run_id == run_id).order_by(t.id)
        if limit:
            stmt = stmt.limit(limit)
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    # --- transaction shape -------------------------------------------------------------
    def release(self) -> None:
        """Hold no transaction (SQLite: no write lock) while the file is parsed."""
        self.session.rollback()

    def forget_loaded(self, run_id: int) -> ImportRun:
        """After a batch's commit: drop its objects so memory stays flat over a long
        file, and return the run freshly loaded."""
        self.session.expunge_all()
        return self.session.get(ImportRun, run_id)

    @contextmanager
    def batch_writes(self) -> Iterator[None]:
        """One flush per batch keeps the inserts batched."""
        with self.session.no_autoflush:
            yield

    def refresh_statistics(self) -> None:
        """PostgreSQL plans the batch lookups once (prepared statements) from the
        table statistics; ANALYZE keeps them current for a few ms and invalidates
        the stale plans. Other databases: nothing to do."""
        if self._dialect() != "postgresql":
            return
        self.session.execute(text("ANALYZE " + ", ".join(STATISTICS_TABLES)))
        self.session.commit()

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # --- lookups -----------------------------------------------------------------------
    def organisation_names(self) -> list[tuple[int, str, str]]:
        t = orm.organisations.c
        return list(self.session.execute(select(t.id, t.name, t.province)))

    def listings_by_external_id(self, market_code: str, external_ids: list[str]) -> dict[str, AchievementListing]:
        t = orm.achievement_listings.c
        return {li.external_id: li for li in self.session.scalars(select(AchievementListing).where(
            t.market_code == market_code, t.external_id.in_(external_ids)))}

    def achievements_with_history(self, ids: set[int]) -> dict[int, Achievement]:
        """History comes along in one query: appending to it must not lazy-load (and autoflush) per row."""
        if not ids:
            return {}
        return {a.id: a for a in self.session.scalars(select(Achievement).options(
            selectinload(Achievement.history)).where(orm.achievements.c.id.in_(ids)))}

    def demands_by_external_id(self, market_code: str, external_ids: list[str]) -> dict[str, Demand]:
        t = orm.demands.c
        return {d.external_id: d for d in self.session.scalars(select(Demand).where(
            t.market_code == market_code, t.external_id.in_(external_ids)))}

    def match_keys(self, keys: set[str]) -> dict[str, int]:
        """Achievement id by de-duplication key, for the keys already stored."""
        t = achievement_match_keys.c
        found: dict[str, int] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), IN_CHUNK):
            chunk = ordered[start:start + IN_CHUNK]
            found.update((k, ident) for k, ident in self.session.execute(
                select(t.key, t.achievement_id).where(t.key.in_(chunk))))
        return found

    def add_match_keys(self, keys: dict[str, int]) -> None:
        if keys:
            self.session.execute(insert(achievement_match_keys),
                                 [{"key": k, "achievement_id": ident} for k, ident in keys.items()])

    def achievements_without_match_keys(self) -> list[tuple[int, list[str], str, str]]:
        """(id, application numbers, title, holder name) of achievements entered
        through the platform, which have no keys yet."""
        a, o, k = orm.achievements.c, orm.organisations.c, achievement_match_keys.c
        rows = self.session.execute(
            select(a.id, a.application_numbers, a.title, o.name).join(orm.organisations, o.id == a.holder_id)
            .where(~exists().where(k.achievement_id == a.id)).order_by(a.id)).all()
        return [(ident, patents or [], title, holder) for ident, patents, title, holder in rows]

    # --- bulk writes -------------------------------------------------------------------
    def insert_achievements(self, pending: list[Achievement]) -> list[int]:
        """New achievements, their listings and history in three bulk statements
        (Core; COPY on PostgreSQL). The objects stay out of the session; their ids
        are set and returned so the caller can tell the unit of work what changed."""
        session, a = self.session, orm.achievements
        columns = [c.name for c in a.columns if c.name != "id"]
        rows = [{name: getattr(obj, name) for name in columns} for obj in pending]
        ids = self._next_ids(a, len(rows))
        if ids is None:  # SQLite: one multi-row INSERT .. RETURNING (cheap to parse there)
            ids = session.execute(insert(a).returning(a.c.id, sort_by_parameter_order=True), rows).scalars().all()
        else:
            for row, ident in zip(rows, ids):
                row["id"] = ident
            self._bulk_insert(a, rows)
        listing_rows, history_rows = [], []
        for obj, ident in zip(pending, ids):
            obj.id = ident
            listing_rows += [{"achievement_id": ident, **_values(x, LISTING_COLUMNS)} for x in obj.listings]
            history_rows += [{"achievement_id": ident, **_values(x, HISTORY_COLUMNS)} for x in obj.history]
        self._bulk_insert(orm.achievement_listings, listing_rows)
        self._bulk_insert(orm.achievement_history, history_rows)
        return list(ids)

    def _next_ids(self, table, count: int) -> list[int] | None:
        """PostgreSQL: ``count`` ids drawn from the table's sequence in one query, so
        the rows can go in by COPY instead of a multi-row INSERT .. RETURNING, whose
        ~300 kB of SQL (500 rows) psycopg re-parsed for every batch: ~12% of the
        import's time. None elsewhere (SQLite parses that statement cheaply)."""
        if self._dialect() != "postgresql":
            return None
        return list(self.session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count}).scalars())

    def _bulk_insert(self, table, rows: list[dict]) -> None:
        """Insert ``rows`` (dicts with the same keys) in the session's transaction.

        PostgreSQL: one COPY (no SQL to parse, no per-row protocol round); the
        values go through the columns' own bind processors first (JSON
        serialisation, UTC datetimes), so what is stored is what an INSERT would
        store. Elsewhere: an executemany."""
        if not rows:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.name != "postgresql":
            self.session.execute(insert(table), rows)
            return
        names = list(rows[0])
        processors = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
        quote = dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[name] if process is None else process(row[name]) for name, process in processors])


def _values(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}
