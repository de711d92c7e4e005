"""Reading and checking the audit trail (it is written by the unit of work's hook, see
adapters/orm_audit.py, never by hand)."""
from __future__ import annotations

from market.domain import audit
from market.domain.errors import Forbidden


def list_entries(uow, user: dict, *, entity: str | None, page: int, per_page: int) -> dict:
    """Operators see their market's entries, the admin all, every other user their own
    (what they did, and what was done to their account)."""
    market, actor = None, None
    if user["role"] == "operator":
        market = user.get("market_code")
        if not market:
            raise Forbidden("运营人员未绑定市场 (operator without a market)")
    elif user["role"] != "admin":
        actor = user["id"]
    with uow:
        items, total = uow.audit.page(
            entity=entity, market_code=market, actor_id=actor, own_entities=(f"user:{user['id']}",),
            page=page, per_page=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def verify_chain(uow) -> tuple[audit.Break | None, int, str]:
    """(the first break or None, sealed entries walked, head hash recomputed). A chain that holds
    must also end where the head says: entries cut off at the end are a removal too. Entries not
    sealed yet are not part of the chain (see `seal`)."""
    with uow:
        reads = uow.audit
        count = [0]
        last = [audit.GENESIS]

        def walk():
            for entry in reads.chain():
                count[0] += 1
                last[0] = entry["hash"]
                yield entry
        found = audit.verify(walk())
        head = reads.head()
    if found is None and head is not None:
        found = _against_head(head, count[0], last[0])
    return found, count[0], last[0]


def _against_head(head: tuple[int, str], count: int, last: str) -> audit.Break | None:
    """A chain that holds must end where the head says: entries cut off at the end were removed,
    entries beyond it were inserted."""
    seq, hash_ = head
    if seq > count:
        return audit.Break(count + 1, "removed")
    if seq < count:
        return audit.Break(seq + 1, "inserted")
    return None if hash_ == last else audit.Break(seq, "altered")


def seal(uow) -> str:
    """Seal the pending entries now (the scheduler's sweep does it every few seconds)."""
    with uow:
        head_hash = uow.audit.seal_pending()
        uow.commit()
    return head_hash


def pending(uow) -> int:
    with uow:
        return uow.audit.pending()


def head(uow) -> dict:
    """The head after sealing what is pending: what an outside party should keep."""
    with uow:
        uow.audit.seal_pending()
        uow.commit()
        found = uow.audit.head()
    seq, hash_ = found or (0, audit.GENESIS)
    return {"seq": seq, "hash": hash_}
