"""An in-memory ``FederationRepository`` for service unit tests (same methods as the SQLAlchemy
one; ``public`` holds the representations a test says are public now)."""
from __future__ import annotations

import itertools
from datetime import datetime


class FakeFederationRepository:
    def __init__(self):
        self.public: dict[str, dict[int, dict]] = {}
        self.changes: list[dict] = []
        self.state: dict[tuple[str, int], str] = {}
        self.subs: dict[int, dict] = {}
        self.rows: dict[int, dict] = {}
        self.locks = 0
        self._change_ids, self._sub_ids, self._delivery_ids = (itertools.count(1) for _ in range(3))

    # the change feed
    def representations(self, entity_type: str, ids: list[int]) -> dict[int, dict]:
        return {i: self.public[entity_type][i] for i in ids if i in self.public.get(entity_type, {})}

    def lock_feed(self) -> None:
        self.locks += 1

    def versions(self, entity_type: str, ids: list[int]) -> dict[int, str]:
        return {i: self.state[(entity_type, i)] for i in ids if (entity_type, i) in self.state}

    def append_changes(self, changes: list[dict], previous: dict) -> None:
        for change in changes:
            self.changes.append({**change, "id": next(self._change_ids)})
            key = (change["entity_type"], change["entity_id"])
            if change["version"] is None:
                self.state.pop(key, None)
            else:
                self.state[key] = change["version"]

    def head(self) -> int:
        return self.changes[-1]["id"] if self.changes else 0

    def changes_after(self, after: int, upto: int, entity_types: list[str], limit: int) -> list[dict]:
        return [dict(c) for c in self.changes
                if after < c["id"] <= upto and c["entity_type"] in entity_types][:limit]

    def changes_by_id(self, ids: list[int]) -> dict[int, dict]:
        return {c["id"]: dict(c) for c in self.changes if c["id"] in ids}

    # subscriptions
    def add_subscription(self, values: dict) -> int:
        ident = next(self._sub_ids)
        self.subs[ident] = {**values, "id": ident}
        return ident

    def subscription(self, ident: int, *, lock: bool = False) -> dict | None:
        return dict(self.subs[ident]) if ident in self.subs else None

    def subscriptions(self, market_code: str | None = None, *, active_only: bool = False) -> list[dict]:
        return [dict(s) for s in self.subs.values() if (market_code is None or s["market_code"] == market_code)
                and (s["active"] or not active_only)]

    def update_subscription(self, ident: int, values: dict) -> None:
        self.subs[ident].update(values)

    def delete_subscription(self, ident: int) -> None:
        self.subs.pop(ident, None)
        self.rows = {k: r for k, r in self.rows.items() if r["subscription_id"] != ident}

    # deliveries
    def add_deliveries(self, rows: list[dict]) -> None:
        for row in rows:
            ident = next(self._delivery_ids)
            self.rows[ident] = {"last_error": None, "last_status_code": None, "delivered_at": None, **row, "id": ident}

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[dict]:
        due = sorted((r for r in self.rows.values() if r["status"] == "pending" and r["next_attempt_at"] <= now),
                     key=lambda r: (r["next_attempt_at"], r["id"]))[:limit]
        for row in due:
            row["next_attempt_at"] = lease_until
        return [dict(r) for r in due]

    def record_attempts(self, results: list[dict]) -> None:
        for values in results:
            values = dict(values)
            self.rows[values.pop("id")].update(values)

    def delivery(self, ident: int) -> dict | None:
        return dict(self.rows[ident]) if ident in self.rows else None

    def update_delivery(self, ident: int, values: dict) -> None:
        self.rows[ident].update(values)

    def deliveries(self, subscription_id: int, status: str | None, offset: int, limit: int) -> tuple[int, list[dict]]:
        mine = [dict(r) for r in sorted(self.rows.values(), key=lambda r: -r["id"])
                if r["subscription_id"] == subscription_id and (status is None or r["status"] == status)]
        return len(mine), mine[offset:offset + limit]
