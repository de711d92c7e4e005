"""The audit trail's chain: one canonical form per entry, and hashes that link the entries.

`hash = SHA-256(previous hash + canonical JSON of the entry)`: anyone holding a published head
hash can later prove that no entry before it was altered, removed or inserted. The canonical form
is deterministic (sorted keys, no spaces, UTF-8, times as UTC ISO-8601 with microseconds), so it
can be recomputed from the stored columns whatever the database did to the JSON's spelling."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

GENESIS = "0" * 64          # the "previous hash" of the first entry

# the fields an entry's hash covers, in the stored columns' names
FIELDS = ("seq", "at", "actor_id", "actor_role", "market_code", "request_id", "client_address",
          "entity", "action", "before", "after")


def utc_text(at: datetime) -> str:
    """One spelling per instant: UTC, microseconds, explicit offset."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _default(value):
    if isinstance(value, datetime):
        return utc_text(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)          # Decimal and the like: exact text, never a float


def canonical_json(entry: dict) -> str:
    """The entry's fields (FIELDS only) as canonical JSON text."""
    body = {k: entry.get(k) for k in FIELDS}
    body["at"] = utc_text(body["at"]) if isinstance(body["at"], datetime) else body["at"]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default, allow_nan=False)


def json_value(value: Any) -> Any:
    """Before/after values as plain JSON (what the column will give back when read)."""
    return None if value is None else json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def chain_hash(previous: str, canonical: str) -> str:
    return hashlib.sha256((previous + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold: which entry and why."""
    seq: int
    reason: str      # altered | removed | inserted

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.reason}"


def verify(entries: Iterable[dict], start_hash: str = GENESIS, start_seq: int = 1) -> Break | None:
    """Walk entries (ordered by seq, each with its stored `hash`); None when the chain holds.

    A missing seq is a removal. A row that does not chain on its predecessor was inserted when the
    row after it would chain there once renumbered back (an insertion shifts the later seqs) or
    when its seq is seen twice; otherwise it was altered."""
    previous, expected = start_hash, start_seq
    rows = iter(entries)
    entry = next(rows, None)
    while entry is not None:
        following = next(rows, None)
        seq = entry["seq"]
        if seq < expected:
            return Break(seq, "inserted")
        if seq > expected:
            return Break(expected, "removed")
        if chain_hash(previous, canonical_json(entry)) != entry["hash"]:
            shifted = following is not None and chain_hash(
                previous, canonical_json({**following, "seq": seq})) == following["hash"]
            return Break(seq, "inserted" if shifted or (following or {}).get("seq") == seq else "altered")
        previous, expected, entry = entry["hash"], seq + 1, following
    return None


def seal(previous: str, entries: list[dict], first_seq: int) -> str:
    """Number and hash new entries in place after `previous`; returns the new head hash."""
    for i, entry in enumerate(entries):
        entry["seq"] = first_seq + i
        entry["hash"] = previous = chain_hash(previous, canonical_json(entry))
    return previous
