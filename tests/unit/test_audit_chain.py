"""The audit chain on its own: canonical form, hashing, and what `verify` names."""
from datetime import datetime, timedelta, timezone

from market.domain import audit

T0 = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=timezone.utc)


def _entries(n: int) -> list[dict]:
    entries = [{"at": T0 + timedelta(seconds=i), "actor_id": 7, "actor_role": "operator",
                "market_code": "ZJ", "request_id": f"r{i}", "client_address": "10.0.0.1",
                "entity": "lot:5", "action": "lot.open", "before": {"status": "scheduled"},
                "after": {"status": "open", "price_fen": 100 * i}} for i in range(n)]
    audit.seal(audit.GENESIS, entries, 1)
    return entries


def test_canonical_json_sorts_keys_and_spells_times_in_utc():
    shanghai = timezone(timedelta(hours=8))
    a = {"seq": 1, "at": T0.astimezone(shanghai), "entity": "lot:5", "action": "x",
         "after": {"b": 1, "a": "中"}, "before": None}
    b = {"action": "x", "entity": "lot:5", "at": T0, "seq": 1, "before": None, "after": {"a": "中", "b": 1}}
    assert audit.canonical_json(a) == audit.canonical_json(b)
    text = audit.canonical_json(a)
    assert '"at":"2026-12-02T01:02:03.456789+00:00"' in text
    assert '"after":{"a":"中","b":1}' in text and " " not in text


def test_canonical_json_ignores_fields_outside_the_entry():
    entry = _entries(1)[0]
    assert audit.canonical_json({**entry, "hash": "x", "id": 9}) == audit.canonical_json(entry)


def test_each_hash_chains_on_the_previous_one():
    entries = _entries(3)
    assert entries[0]["hash"] == audit.chain_hash(audit.GENESIS, audit.canonical_json(entries[0]))
    assert entries[2]["hash"] == audit.chain_hash(entries[1]["hash"], audit.canonical_json(entries[2]))
    assert [e["seq"] for e in entries] == [1, 2, 3]


def test_an_intact_chain_verifies():
    assert audit.verify(_entries(5)) is None


def test_an_edited_value_is_named_as_altered():
    entries = _entries(5)
    entries[2]["after"] = {"status": "open", "price_fen": 1}
    assert audit.verify(entries) == audit.Break(3, "altered")


def test_a_deleted_entry_is_named_as_removed():
    entries = _entries(5)
    del entries[1]
    assert audit.verify(entries) == audit.Break(2, "removed")


def test_an_entry_slipped_in_with_later_seqs_shifted_is_named_as_inserted():
    entries = _entries(4)
    forged = {**entries[1], "action": "lot.cancelled", "hash": "f" * 64}
    for e in entries[1:]:
        e["seq"] += 1
    entries.insert(1, {**forged, "seq": 2})
    assert audit.verify(entries) == audit.Break(2, "inserted")


def test_an_entry_with_a_duplicated_seq_is_named_as_inserted():
    entries = _entries(3)
    entries.insert(2, {**entries[1], "action": "lot.cancelled"})
    assert audit.verify(entries) == audit.Break(2, "inserted")


def test_a_rehashed_forgery_still_breaks_the_next_link():
    entries = _entries(4)
    entries[1]["after"] = {"status": "cancelled"}
    entries[1]["hash"] = audit.chain_hash(entries[0]["hash"], audit.canonical_json(entries[1]))
    assert audit.verify(entries) == audit.Break(3, "altered")
