"""The federation repository (SQLAlchemy): the change feed, its state, subscriptions, deliveries.

Commit order on PostgreSQL: ``lock_feed`` takes a transaction-level advisory lock just before the
change rows are inserted; it is held until COMMIT, so ids are taken and made visible one
transaction at a time, in commit order, and the visible ids always form a prefix of the sequence
(a reader never sees id 12 while id 11 may still commit). Only commits that change the public
catalogue take it (a bid commits without it). On SQLite, BEGIN IMMEDIATE serialises writers already.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, text, update

from .orm_federation import (LOADERS, catalogue_changes, catalogue_state, webhook_deliveries,
                             webhook_subscriptions)

FEED_LOCK_KEY = 0x59524446   # "YRDF": the change feed's advisory lock
BATCH = 500


def _rows(result) -> list[dict]:
    return [dict(r) for r in result.mappings()]


class SqlAlchemyFederationRepository:
    def __init__(self, session):
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # --- the change feed ----------------------------------------------------------------
    def representations(self, entity_type: str, ids: list[int]) -> dict[int, dict]:
        """Current public representations (in this transaction); absent ids are not public."""
        out: dict[int, dict] = {}
        for start in range(0, len(ids), BATCH):
            out.update(LOADERS[entity_type](self.session, ids[start:start + BATCH]))
        return out

    def lock_feed(self) -> None:
        if self._postgres:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})

    def versions(self, entity_type: str, ids: list[int]) -> dict[int, str]:
        s = catalogue_state.c
        out = {}
        for start in range(0, len(ids), BATCH):
            out.update(self.session.execute(select(s.entity_id, s.version).where(
                s.entity_type == entity_type, s.entity_id.in_(ids[start:start + BATCH]))).all())
        return out

    def append_changes(self, changes: list[dict], previous: dict[tuple[str, int], str]) -> None:
        """Insert the changes (ids in commit order: call ``lock_feed`` first) and move the state."""
        if not changes:
            return
        self.session.execute(insert(catalogue_changes), changes)
        s = catalogue_state.c
        for entity_type in {c["entity_type"] for c in changes}:
            mine = [c for c in changes if c["entity_type"] == entity_type]
            gone = [c["entity_id"] for c in mine if (entity_type, c["entity_id"]) in previous]
            for start in range(0, len(gone), BATCH):
                self.session.execute(delete(catalogue_state).where(
                    s.entity_type == entity_type, s.entity_id.in_(gone[start:start + BATCH])))
            fresh = [{"entity_type": entity_type, "entity_id": c["entity_id"], "version": c["version"]}
                     for c in mine if c["version"] is not None]
            if fresh:
                self.session.execute(insert(catalogue_state), fresh)

    def head(self) -> int:
        return self.session.scalar(select(func.max(catalogue_changes.c.id))) or 0

    def changes_after(self, after: int, upto: int, entity_types: list[str], limit: int) -> list[dict]:
        c = catalogue_changes.c
        query = select(catalogue_changes).where(c.id > after, c.id <= upto).order_by(c.id).limit(limit)
        if len(entity_types) < len(LOADERS):
            query = query.where(c.entity_type.in_(entity_types))
        return _rows(self.session.execute(query))

    def changes_by_id(self, ids: list[int]) -> dict[int, dict]:
        c = catalogue_changes.c
        return {r["id"]: r for r in _rows(self.session.execute(select(catalogue_changes).where(c.id.in_(ids))))}

    # --- subscriptions --------------------------------------------------------------------
    def add_subscription(self, values: dict) -> int:
        return self.session.execute(insert(webhook_subscriptions).values(**values)
                                    .returning(webhook_subscriptions.c.id)).scalar_one()

    def subscription(self, ident: int, *, lock: bool = False) -> dict | None:
        query = select(webhook_subscriptions).where(webhook_subscriptions.c.id == ident)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return dict(row) if row else None

    def subscriptions(self, market_code: str | None = None, *, active_only: bool = False) -> list[dict]:
        w = webhook_subscriptions.c
        query = select(webhook_subscriptions).order_by(w.id)
        if market_code is not None:
            query = query.where(w.market_code == market_code)
        if active_only:
            query = query.where(w.active.is_(True))
        return _rows(self.session.execute(query))

    def update_subscription(self, ident: int, values: dict) -> None:
        self.session.execute(update(webhook_subscriptions).where(webhook_subscriptions.c.id == ident)
                             .values(**values))

    def delete_subscription(self, ident: int) -> None:
        self.session.execute(delete(webhook_deliveries).where(webhook_deliveries.c.subscription_id == ident))
        self.session.execute(delete(webhook_subscriptions).where(webhook_subscriptions.c.id == ident))

    # --- deliveries ----------------------------------------------------------------------------
    def add_deliveries(self, rows: list[dict]) -> None:
        if rows:
            self.session.execute(insert(webhook_deliveries), rows)

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[dict]:
        """Due pending deliveries, leased until `lease_until` (another worker skips them; a worker
        that dies leaves them to be tried again when the lease runs out)."""
        d = webhook_deliveries.c
        query = (select(webhook_deliveries).where(d.status == "pending", d.next_attempt_at <= now)
                 .order_by(d.next_attempt_at, d.id).limit(limit))
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        rows = _rows(self.session.execute(query))
        if rows:
            self.session.execute(update(webhook_deliveries).where(d.id.in_([r["id"] for r in rows]))
                                 .values(next_attempt_at=lease_until))
        return rows

    def record_attempts(self, results: list[dict]) -> None:
        """One executemany per shape of outcome (delivered, to retry, failed)."""
        shapes: dict[tuple, list[dict]] = {}
        for values in results:
            shapes.setdefault(tuple(sorted(values)), []).append(values)
        for keys, rows in shapes.items():
            names = [k for k in keys if k != "id"]
            self.session.execute(
                update(webhook_deliveries).where(webhook_deliveries.c.id == bindparam("b_id"))
                .values({k: bindparam(f"b_{k}") for k in names}),
                [{f"b_{k}": v for k, v in row.items()} for row in rows])

    def delivery(self, ident: int) -> dict | None:
        row = self.session.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == ident)).mappings().first()
        return dict(row) if row else None

    def update_delivery(self, ident: int, values: dict) -> None:
        self.session.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == ident).values(**values))

    def deliveries(self, subscription_id: int, status: str | None, offset: int, limit: int) -> tuple[int, list[dict]]:
        d = webhook_deliveries.c
        where = [d.subscription_id == subscription_id] + ([d.status == status] if status else [])
        total = self.session.scalar(select(func.count()).select_from(webhook_deliveries).where(*where)) or 0
        rows = _rows(self.session.execute(select(webhook_deliveries).where(*where)
                                          .order_by(d.id.desc()).offset(offset).limit(limit)))
        return total, rows
