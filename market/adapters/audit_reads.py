"""Reads of the audit trail: a filtered page of entries, the chain in order, the head."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .orm_audit import audit_chain, audit_log, seal_pending

A = audit_log.c


class AuditReads:
    def __init__(self, session: Session):
        self.session = session

    def page(self, *, entity: str | None, market_code: str | None, actor_id: int | None,
             own_entities: tuple[str, ...] = (), page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
        """Newest first. `market_code` / `actor_id` narrow to what the reader may see
        (`own_entities`: entities about the reader, e.g. its own user record)."""
        stmt = select(audit_log)
        if entity:
            stmt = stmt.where(A.entity == entity)
        if market_code:
            stmt = stmt.where(A.market_code == market_code)
        if actor_id is not None:
            stmt = stmt.where(or_(A.actor_id == actor_id, A.entity.in_(own_entities or ("",))))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.session.execute(stmt.order_by(A.id.desc()).limit(per_page)
                                    .offset((page - 1) * per_page)).mappings()
        return [dict(r) for r in rows], total

    def chain(self, batch: int = 2000) -> Iterator[dict]:
        """Every sealed entry in seq order, in batches (a duplicated seq cannot be stored)."""
        last = None
        while True:
            stmt = select(audit_log).where(A.seq.is_not(None)).order_by(A.seq).limit(batch)
            if last is not None:
                stmt = stmt.where(A.seq > last)
            rows = [dict(r) for r in self.session.execute(stmt).mappings()]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1]["seq"]

    def head(self) -> tuple[int, str] | None:
        row = self.session.execute(select(audit_chain.c.seq, audit_chain.c.hash)
                                   .where(audit_chain.c.id == 1)).first()
        return (row[0], row[1]) if row else None

    def pending(self) -> int:
        """Entries not sealed yet (a bid's, until the next commit that seals or the sweep)."""
        return self.session.scalar(select(func.count()).select_from(audit_log).where(A.seq.is_(None)))


class SqlAlchemyAuditRepository(AuditReads):
    """The audit trail as the audit services see it (`uow.audit`): the reads, and sealing."""

    def seal_pending(self) -> str:
        """Seal the entries written but not yet chained (in this unit of work's transaction)."""
        return seal_pending(self.session.connection())
