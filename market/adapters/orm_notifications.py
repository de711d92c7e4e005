"""Notifications' tables (inbox + mail outbox in one row, preferences, watches, saved searches,
jobs after the commit: match checks, fan-outs) and the SQLAlchemy repository the unit of work owns (`uow.notifications`).

Core statements, no ORM mapping: a lot's close writes a thousand watchers' rows in one
multi-row INSERT, and the outbox worker claims and updates rows in bulk.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint, and_, delete, func, insert, or_, select, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from market.domain.notifications import NewNotification, OutboxMail, Preference

from .notification_reads import NotificationReads
from .orm import metadata
from .types import UTCDateTime

notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("dedupe_key", String(160), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("in_inbox", Boolean, nullable=False),
    Column("read_at", UTCDateTime),
    Column("email_status", String(12), nullable=False),     # none | pending | sent | failed | off
    Column("email_mode", String(12), nullable=False),       # immediate | digest
    Column("email_to", String(254)),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("claimed_by", String(40)),
    Column("claimed_until", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),
    Index("ix_notifications_user_inbox", "user_id", "in_inbox", "read_at"),
    Index("ix_notifications_outbox", "email_status", "next_attempt_at"),
)

notification_preferences = Table(
    "notification_preferences", metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("inbox", Boolean, nullable=False),
    Column("email", Boolean, nullable=False),
    Column("mode", String(12), nullable=False),
)

watches = Table(
    "watches", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "target_type", "target_id", name="uq_watches_user_target"),
    Index("ix_watches_target", "target_type", "target_id"),
)

saved_searches = Table(
    "saved_searches", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("query", String(200), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Work that follows a commit: "match" (a new achievement, once the index has it) and "fanout"
# (a thousand watchers' rows, written right after the close that recorded the fact).
jobs = Table(
    "notification_jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(40)),
    Column("claimed_until", UTCDateTime),
)

_N = notifications.c
_INBOX_COLS = (_N.id, _N.kind, _N.subject, _N.body, _N.data, _N.created_at, _N.read_at)


def _on_conflict_nothing(session: Session, table, keys: list[str]):
    """INSERT .. ON CONFLICT DO NOTHING on both databases (a rule run twice adds nothing)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=keys)


class SqlAlchemyNotificationRepository(NotificationReads):
    def __init__(self, session: Session):
        self.session = session
        self.jobs_written = False    # the unit of work's after-commit hook then runs them at once

    # ----------------------------------------------------------------- writing notifications
    def add_many(self, rows: list[NewNotification]) -> None:
        if not rows:
            return
        stmt = _on_conflict_nothing(self.session, notifications, ["user_id", "dedupe_key"])
        self.session.execute(stmt, [_row(n) for n in rows])   # psycopg pipelines the executemany

    # ----------------------------------------------------------------- the inbox
    def inbox(self, user_id: int, *, unread_only: bool, page: int, per_page: int) -> tuple[list[dict], int]:
        where = [_N.user_id == user_id, _N.in_inbox.is_(True)]
        if unread_only:
            where.append(_N.read_at.is_(None))
        total = self.session.scalar(select(func.count()).select_from(notifications).where(*where))
        rows = self.session.execute(select(*_INBOX_COLS).where(*where).order_by(_N.id.desc())
                                    .limit(per_page).offset((page - 1) * per_page)).mappings()
        return [dict(r) for r in rows], total

    def unread_count(self, user_id: int) -> int:
        return self.session.scalar(select(func.count()).select_from(notifications).where(
            _N.user_id == user_id, _N.in_inbox.is_(True), _N.read_at.is_(None)))

    def mark_read(self, user_id: int, ids: list[int] | None, now: datetime) -> int:
        stmt = update(notifications).where(_N.user_id == user_id, _N.read_at.is_(None), _N.in_inbox.is_(True))
        if ids is not None:
            stmt = stmt.where(_N.id.in_(ids))
        return self.session.execute(stmt.values(read_at=now)).rowcount

    def owner_of(self, notification_id: int) -> int | None:
        return self.session.scalar(select(_N.user_id).where(_N.id == notification_id, _N.in_inbox.is_(True)))

    # ----------------------------------------------------------------- preferences
    def preferences(self, user_ids) -> dict[int, dict[str, Preference]]:
        p = notification_preferences.c
        found: dict[int, dict[str, Preference]] = {}
        ids = list(set(user_ids))
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for r in self.session.execute(select(p.user_id, p.kind, p.inbox, p.email, p.mode)
                                          .where(p.user_id.in_(chunk))):
                found.setdefault(r.user_id, {})[r.kind] = Preference(r.inbox, r.email, r.mode)
        return found

    def set_preference(self, user_id: int, kind: str, pref: Preference) -> None:
        p = notification_preferences.c
        self.session.execute(delete(notification_preferences).where(p.user_id == user_id, p.kind == kind))
        self.session.execute(insert(notification_preferences).values(
            user_id=user_id, kind=kind, inbox=pref.inbox, email=pref.email, mode=pref.mode))

    def stop_pending_mail(self, user_id: int, kind: str) -> None:
        """Unsubscribed: mails of this kind not yet sent are not sent."""
        self.session.execute(update(notifications).where(
            _N.user_id == user_id, _N.kind == kind, _N.email_status == "pending").values(email_status="off"))

    # ----------------------------------------------------------------- watches
    def add_watch(self, user_id: int, target_type: str, target_id: int, now: datetime) -> None:
        stmt = _on_conflict_nothing(self.session, watches, ["user_id", "target_type", "target_id"])
        self.session.execute(stmt, [{"user_id": user_id, "target_type": target_type,
                                     "target_id": target_id, "created_at": now}])

    def remove_watch(self, user_id: int, watch_id: int) -> bool:
        w = watches.c
        return bool(self.session.execute(delete(watches).where(w.id == watch_id, w.user_id == user_id)).rowcount)

    def watches_of(self, user_id: int) -> list[dict]:
        w = watches.c
        rows = self.session.execute(select(w.id, w.target_type, w.target_id, w.created_at)
                                    .where(w.user_id == user_id).order_by(w.id)).mappings()
        return [dict(r) for r in rows]

    def watchers(self, targets: list[tuple[str, int]]) -> list[int]:
        """Users who watch any of the targets (each once)."""
        if not targets:
            return []
        w = watches.c
        cond = or_(*[and_(w.target_type == t, w.target_id == i) for t, i in targets])
        return list(self.session.scalars(select(w.user_id).where(cond).distinct().order_by(w.user_id)))

    # ----------------------------------------------------------------- saved searches
    def add_saved_search(self, user_id: int, name: str, query: str, filters: dict, now: datetime) -> int:
        return self.session.execute(insert(saved_searches).values(
            user_id=user_id, name=name, query=query, filters=filters, created_at=now)
            .returning(saved_searches.c.id)).scalar_one()

    def remove_saved_search(self, user_id: int, search_id: int) -> bool:
        s = saved_searches.c
        return bool(self.session.execute(delete(saved_searches).where(
            s.id == search_id, s.user_id == user_id)).rowcount)

    def saved_searches(self, user_id: int | None = None) -> list[dict]:
        s = saved_searches.c
        stmt = select(s.id, s.user_id, s.name, s.query, s.filters, s.created_at).order_by(s.id)
        if user_id is not None:
            stmt = stmt.where(s.user_id == user_id)
        return [dict(r) for r in self.session.execute(stmt).mappings()]

    # ----------------------------------------------------------------- jobs after the commit
    def add_jobs(self, kind: str, payloads: list[dict], now: datetime) -> None:
        if payloads:
            self.session.execute(insert(jobs), [{"kind": kind, "payload": p, "created_at": now} for p in payloads])
            self.jobs_written = self.jobs_written or kind == "fanout"

    def claim_jobs(self, kind: str, token: str, now: datetime, until: datetime, limit: int) -> list[tuple[int, dict]]:
        j = jobs.c
        ids = self._claimable(select(j.id).where(j.kind == kind, or_(j.claimed_until.is_(None), j.claimed_until < now))
                              .order_by(j.id).limit(limit))
        if not ids:
            return []
        self.session.execute(update(jobs).where(j.id.in_(ids)).values(claimed_by=token, claimed_until=until))
        return [tuple(r) for r in self.session.execute(select(j.id, j.payload).where(
            j.id.in_(ids), j.claimed_by == token).order_by(j.id))]

    def finish_jobs(self, ids: list[int], token: str) -> None:
        j = jobs.c
        self.session.execute(delete(jobs).where(j.id.in_(ids), j.claimed_by == token))

    # ----------------------------------------------------------------- the mail outbox
    def claim_mails(self, token: str, now: datetime, until: datetime, limit: int) -> list[OutboxMail]:
        """Claim due mails (immediate ones, and the digest rows of users with one due) for `token`
        until `until`: SKIP LOCKED on PostgreSQL, so two workers never claim the same row."""
        due = and_(_N.email_status == "pending", _N.next_attempt_at <= now,
                   or_(_N.claimed_until.is_(None), _N.claimed_until < now))
        ids = self._claimable(select(_N.id).where(due).order_by(_N.next_attempt_at, _N.id).limit(limit))
        if not ids:
            return []
        self.session.execute(update(notifications).where(_N.id.in_(ids), due)
                             .values(claimed_by=token, claimed_until=until))
        rows = self.session.execute(select(
            _N.id, _N.user_id, _N.kind, _N.subject, _N.body, _N.email_to, _N.email_mode, _N.attempts,
            _N.created_at, _N.data).where(_N.id.in_(ids), _N.claimed_by == token).order_by(_N.id))
        return [OutboxMail(r.id, r.user_id, r.kind, r.subject, r.body, r.email_to, r.email_mode,
                           r.attempts, r.created_at, r.data or {}) for r in rows]

    def _claimable(self, stmt) -> list[int]:
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list(self.session.scalars(stmt))

    def mark_sent(self, ids: list[int], token: str, now: datetime) -> int:
        """Only rows this worker still holds: a worker whose claim ran out writes nothing."""
        if not ids:
            return 0
        return self.session.execute(update(notifications).where(
            _N.id.in_(ids), _N.claimed_by == token, _N.email_status == "pending").values(
            email_status="sent", sent_at=now, attempts=_N.attempts + 1, claimed_by=None,
            claimed_until=None, last_error=None)).rowcount

    def mark_failed(self, ident: int, token: str, error: str, next_at: datetime | None) -> None:
        """A refused attempt: again at `next_at`, or given up (None)."""
        self.session.execute(update(notifications).where(_N.id == ident, _N.claimed_by == token).values(
            attempts=_N.attempts + 1, last_error=error[:2000], claimed_by=None, claimed_until=None,
            next_attempt_at=next_at, email_status="pending" if next_at else "failed"))

    def mail_status(self, ident: int) -> dict | None:
        row = self.session.execute(select(_N.email_status, _N.attempts, _N.sent_at, _N.last_error)
                                   .where(_N.id == ident)).mappings().first()
        return dict(row) if row else None


def _row(n: NewNotification) -> dict:
    return {"user_id": n.user_id, "kind": n.kind, "dedupe_key": n.dedupe_key[:160], "subject": n.subject[:300],
            "body": n.text, "data": n.data, "created_at": n.created_at, "in_inbox": n.in_inbox,
            "email_status": n.email_status, "email_mode": n.email_mode,
            "email_to": n.email_to, "attempts": 0, "next_attempt_at": n.next_attempt_at}
