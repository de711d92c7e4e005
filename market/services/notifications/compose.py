"""Turning a fact into rows: who is told, by which channel (their preferences), exactly once
(the dedupe key). Every rule ends here, inside the caller's unit of work."""
from __future__ import annotations

from datetime import datetime

from market.domain.notifications import DEFAULT_PREFERENCE, Recipient, notification_for


def recipients(uow, kind: str, people: list[tuple[int, str]]) -> list[Recipient]:
    prefs = uow.notifications.preferences([uid for uid, _ in people]) if people else {}
    return [Recipient(uid, email, prefs.get(uid, {}).get(kind, DEFAULT_PREFERENCE)) for uid, email in people]


def tell(uow, people: list[tuple[int, str]], kind: str, key: str, subject: str, text: str, data: dict,
         now: datetime) -> int:
    """Write one notification per person (their inbox and/or the mail outbox); returns how many."""
    rows = [n for n in (notification_for(r, kind, key, subject, text, data, now)
                        for r in recipients(uow, kind, people)) if n is not None]
    uow.notifications.add_many(rows)
    return len(rows)


def tell_users(uow, user_ids, kind: str, key: str, subject: str, text: str, data: dict, now: datetime) -> int:
    return tell(uow, uow.notifications.recipients(user_ids), kind, key, subject, text, data, now)


def tell_orgs(uow, org_ids, kind: str, key: str, subject: str, text: str, data: dict, now: datetime) -> int:
    return tell(uow, uow.notifications.members_of(org_ids), kind, key, subject, text, data, now)


def tell_many(uow, entries: list[tuple[tuple[int, str], str, str, str, str, dict]], now: datetime) -> int:
    """Several notifications, each (person, kind, key, subject, text, data), with one preferences
    read and one INSERT: what a close writes for a thousand watchers and fifty bidders."""
    if not entries:
        return 0
    prefs = uow.notifications.preferences({person[0] for person, *_ in entries})
    rows = []
    for (uid, email), kind, key, subject, text, data in entries:
        recipient = Recipient(uid, email, prefs.get(uid, {}).get(kind, DEFAULT_PREFERENCE))
        row = notification_for(recipient, kind, key, subject, text, data, now)
        if row is not None:
            rows.append(row)
    uow.notifications.add_many(rows)
    return len(rows)
