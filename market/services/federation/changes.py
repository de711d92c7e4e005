"""The change feed: recorded in the same transaction as its cause, served in commit order.

Recording is one unit-of-work before-commit hook (``ChangeRecorder.record``, installed by
``create_app``): the unit of work already collects which achievements and demands a transaction
touched (ORM flushes, and imports' bulk statements via ``mark_changed``), and registered contracts
the same way. For each, the hook compares the entity's public representation now with the version
last put in the feed and appends created / changed / withdrawn, or nothing (a private field, a
draft). Lot results have no ORM trace worth watching (bids write lots with Core statements), so the
close names its lot with ``lot_closed`` (one line in ``close_lot``).

Reading: ids are given out in commit order (see the repository's ``lock_feed``), so the feed after
a cursor is simply "ids above it, up to the head read first"."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from market.domain import federation as fed

MAX_LIMIT = 1000


def lot_closed(uow, lot_id: int) -> None:
    """Handler for a lot's close (sold or unsold): its result goes into the feed at commit."""
    uow.mark_changed("lot", lot_id)


class ChangeRecorder:
    """The before-commit hook (see the module docstring)."""

    def __init__(self, now: Callable[[], datetime]):
        self.now = now

    def record(self, uow, changed: set) -> None:
        wanted: dict[str, list[int]] = {}
        for entity_type, ident in sorted(changed):
            if entity_type in fed.ENTITY_TYPES:
                wanted.setdefault(entity_type, []).append(ident)
        if not wanted:
            return
        repo = uow.federation
        current = {t: repo.representations(t, ids) for t, ids in wanted.items()}   # before the lock
        repo.lock_feed()
        previous = {(t, i): v for t, ids in wanted.items() for i, v in repo.versions(t, ids).items()}
        repo.append_changes(self._changes(wanted, current, previous), previous)

    def _changes(self, wanted: dict, current: dict, previous: dict) -> list[dict]:
        now = self.now()
        out = []
        for entity_type, ids in sorted(wanted.items()):
            for ident in ids:
                representation = current[entity_type].get(ident)
                version = fed.version_of(representation) if representation is not None else None
                kind = fed.change_kind(previous.get((entity_type, ident)), version)
                if kind is not None:
                    out.append({"entity_type": entity_type, "entity_id": ident, "kind": kind,
                                "event_type": fed.event_type(entity_type, kind), "version": version,
                                "representation": representation, "committed_at": now})
        return out


def list_changes(uow, *, after: str | None, types: list[str] | None, limit: int) -> dict:
    """Changes after the cursor, oldest first; `next_cursor` resumes exactly after the last one
    returned (or after everything scanned when a type filter left nothing more)."""
    start = fed.decode_cursor(after)
    entity_types = fed.check_entity_types(types)
    limit = max(1, min(MAX_LIMIT, limit))
    with uow:
        repo = uow.federation
        head = repo.head()      # read first: every id up to it is committed and visible
        rows = repo.changes_after(start, head, entity_types, limit)
        full = len(rows) == limit
        last = rows[-1]["id"] if full else max(start, head)
        return {"changes": [change_view(r) for r in rows], "next_cursor": fed.encode_cursor(last),
                "has_more": full}


def change_view(row: dict) -> dict:
    return {"cursor": fed.encode_cursor(row["id"]), "id": row["id"], "entity_type": row["entity_type"],
            "entity_id": row["entity_id"], "kind": row["kind"], "event_type": row["event_type"],
            "object": row["representation"], "committed_at": row["committed_at"]}
