"""In-memory fake of the notification repository (`uow.notifications`), for the rules' unit tests:
the facts the rules read are plain dicts the test sets; written rows are kept in `rows`."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from market.domain.notifications import NewNotification, Preference


@dataclass
class FakeNotificationRepository:
    users: dict[int, dict] = field(default_factory=dict)          # id -> {"email", "org", "active"}
    lots: dict[int, dict] = field(default_factory=dict)
    registrations: list[tuple[int, int, int | None]] = field(default_factory=list)   # (lot, org, user)
    deposits: dict[int, dict] = field(default_factory=dict)
    achievements: dict[int, dict] = field(default_factory=dict)
    demands: dict[int, dict] = field(default_factory=dict)
    confirmations: list[dict] = field(default_factory=list)
    watch_rows: list[tuple[int, str, int]] = field(default_factory=list)
    prefs: dict[int, dict[str, Preference]] = field(default_factory=dict)
    searches: list[dict] = field(default_factory=list)
    rows: list[NewNotification] = field(default_factory=list)
    jobs: dict[int, tuple[str, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_many(self, rows: list[NewNotification]) -> None:
        seen = {(r.user_id, r.dedupe_key) for r in self.rows}
        self.rows += [r for r in rows if (r.user_id, r.dedupe_key) not in seen]

    def recipients(self, user_ids) -> list[tuple[int, str]]:
        return [(u, self.users[u]["email"]) for u in sorted(set(user_ids))
                if u in self.users and self.users[u].get("active", True)]

    def members_of(self, org_ids) -> list[tuple[int, str]]:
        return [(u, d["email"]) for u, d in sorted(self.users.items())
                if d.get("org") in set(org_ids) and d.get("active", True)]

    def preferences(self, user_ids) -> dict[int, dict[str, Preference]]:
        return {u: self.prefs[u] for u in user_ids if u in self.prefs}

    def lot_facts(self, lot_id: int) -> dict | None:
        return self.lots.get(lot_id)

    def lot_registrants(self, lot_id: int) -> list[tuple[int, int | None]]:
        return [(org, user) for lot, org, user in self.registrations if lot == lot_id]

    def registrant_users(self, lot_id: int, org_ids) -> list[int]:
        return [user for lot, org, user in self.registrations if lot == lot_id and org in set(org_ids)]

    def deposit_facts(self, deposit_id: int) -> dict | None:
        return self.deposits.get(deposit_id)

    def lot_deposits(self, lot_id: int) -> list[dict]:
        found = []
        for ident, d in sorted(self.deposits.items()):
            if d["lot_id"] != lot_id:
                continue
            user = next((u for lot, org, u in self.registrations if lot == lot_id and org == d["bidder_id"]), None)
            person = self.users.get(user, {})
            found.append({"deposit_id": ident, "release_by": None, **d, "user_id": user,
                          "email": person.get("email"), "active": person.get("active", True)})
        return found

    def watchers_with_address(self, targets) -> list[tuple[int, str]]:
        return self.recipients(self.watchers(targets))

    def watchers(self, targets) -> list[int]:
        wanted = set(targets)
        return sorted({u for u, t, i in self.watch_rows if (t, i) in wanted})

    def lots_opening_between(self, after: datetime, until: datetime) -> list[int]:
        return [i for i, lot in self.lots.items() if lot["status"] == "scheduled" and after < lot["starts_at"] <= until]

    def confirmations_pending_by(self, day) -> list[dict]:
        return [c for c in self.confirmations if c["status"] == "pending" and c["sign_by"] <= day]

    def achievement_facts(self, achievement_id: int) -> dict | None:
        return self.achievements.get(achievement_id)

    def demand_facts(self, demand_ids) -> dict[int, dict]:
        return {i: self.demands[i] for i in demand_ids if i in self.demands}

    def add_jobs(self, kind: str, payloads: list[dict], now: datetime) -> None:
        for p in payloads:
            self.jobs[next(self._ids)] = (kind, p)

    def claim_jobs(self, kind: str, token: str, now, until, limit: int) -> list[tuple[int, dict]]:
        return [(i, p) for i, (k, p) in sorted(self.jobs.items()) if k == kind][:limit]

    def finish_jobs(self, ids, token: str) -> None:
        for i in ids:
            self.jobs.pop(i, None)

    def saved_searches(self, user_id: int | None = None) -> list[dict]:
        return [s for s in self.searches if user_id is None or s["user_id"] == user_id]


class FakeNotificationUnitOfWork:
    """Only what the rules touch: `notifications`, and a commit that is counted."""

    def __init__(self, repo: FakeNotificationRepository | None = None):
        self.notifications = repo or FakeNotificationRepository()
        self.commits = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def commit(self):
        self.commits += 1

    def flush(self):
        return None
