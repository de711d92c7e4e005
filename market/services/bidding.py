"""Bidding: one bid, linearised with every other bid on the lot (the hot path).

- a bid's server time is read *after* its read of the lot, and a bid is only written if no other
  write came between, so bid times follow the accepted sequence and no bid slips in after
  `ends_at`; a refusal is recorded before it is answered;
- the repository reads and writes the bid path with one statement each (see
  `market.adapters.bid_repository`); this module decides with the domain and retries a decision
  whose lot moved meanwhile;
- live events are stored with the bid and published only after the commit (the message bus).
"""
from __future__ import annotations

from datetime import datetime

from market.domain.auctions import Bidder, Lot, number_events
from market.domain.errors import Conflict, DuplicateWrite, NotFound, StaleWrite, Unauthorized
from market.domain.idempotency import key_reused, request_fingerprint, require_same_request

from .auction_common import now_of
from .notifications import auctions as notify

OPTIMISTIC_TRIES = 3   # snapshot decisions before a bid waits for the lot's row lock


def place_bid(uow, *, actor_id: int, lot_id: int, clock, amount_fen: int | None = None,
              max_amount_fen: int | None = None, idempotency_key: str | None = None,
              bus=None) -> dict:
    """One bid, linearised with every other bid on the lot.

    One statement reads, with the lot, the bidder (still active?), its registration and deposit
    and any earlier answer to the idempotency key; `clock` is read once it returns; the domain
    decides; one statement writes the lot's new state, the bid records (refusals too: append-only),
    the numbered events and the answer. On PostgreSQL the read is a snapshot and the write is
    conditional on the lot's version (optimistic concurrency): the row lock is held only by the
    writing statement, never while Python decides, and a bid whose lot moved meanwhile is decided
    again on the new state — after a few such tries it takes the row lock to read, so it cannot
    starve. On SQLite BEGIN IMMEDIATE serialises the whole bid. A retried request with the same
    idempotency key returns the first answer (marked `replayed`); two copies racing each other
    are told apart by the key's unique constraint."""
    if actor_id is None:
        raise Unauthorized()
    fingerprint = (request_fingerprint(lot_id=lot_id, amount_fen=amount_fen, max_amount_fen=max_amount_fen)
                   if idempotency_key else None)
    with uow:
        uow.publish_to(bus)
        repo = uow.auctions
        for attempt in range(OPTIMISTIC_TRIES + 1):
            ctx = repo.read_bid_context(lot_id, actor_id, idempotency_key,
                                        lock=attempt == OPTIMISTIC_TRIES)
            if ctx is None:
                raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
            if not (ctx.user_found and ctx.user_active):
                raise Unauthorized()
            if ctx.previous is not None:
                return _replayed(ctx.previous, lot_id, clock, idempotency_key, fingerprint)
            lot = ctx.lot
            now = now_of(clock)
            outcome = lot.place_bid(Bidder(ctx.org_id, actor_id, ctx.registration), amount_fen, now,
                                    max_amount_fen=max_amount_fen)
            outcome.own.idempotency_key = idempotency_key
            events = number_events(lot, outcome.events)   # published once committed
            response = bid_response(lot, outcome, now)
            answer = (None if not idempotency_key else
                      {"user_id": actor_id, "key": idempotency_key, "response": response, "now": now,
                       "fingerprint": fingerprint})
            try:
                if _write(repo, ctx, outcome.bids, events, answer,
                          holds_only_on_state_read=outcome.holds_only_on_state_read):
                    break
            except DuplicateWrite:
                if not idempotency_key:
                    raise
                uow.rollback()   # the same request won the race: answer as it did
                previous = _previous_answer(repo, actor_id, idempotency_key, lot_id, clock, fingerprint)
                if previous is None:
                    raise
                return previous
        notify.on_bid(uow, lot=lot, previous_leader_id=ctx.read.get("leader_id"), events=events, now=now)
        uow.commit()
    return response


def _previous_answer(repo, user_id: int, key: str, lot_id: int, clock, fingerprint: str) -> dict | None:
    previous = repo.bid_response(user_id, key)
    return None if previous is None else _replayed(previous, lot_id, clock, key, fingerprint)


def _replayed(previous: tuple[int, dict, str | None], lot_id: int, clock, key: str,
              fingerprint: str) -> dict:
    """The first answer to this key, if this is the same request (else 422 naming the key)."""
    previous_lot_id, response, previous_fingerprint = previous
    if previous_lot_id != lot_id:
        raise key_reused(key)
    require_same_request(key, previous_fingerprint, fingerprint)
    return {**response, "replayed": True, "server_now": now_of(clock)}


def bid_response(lot: Lot, outcome, now: datetime) -> dict:
    own = outcome.own
    return {
        "lot_id": lot.id, "accepted": outcome.accepted, "refusal": outcome.refusal,
        "message": outcome.message, "leading": outcome.leading,
        "bid": {"seq": own.seq, "amount_fen": own.amount_fen, "max_amount_fen": own.max_amount_fen,
                "kind": own.kind, "at": own.at},
        "price_fen": lot.current_price_fen, "minimum_next_bid_fen": lot.minimum_next_bid(),
        "bid_count": lot.bid_count, "window_restarted": outcome.window_restarted,
        "ends_at": lot.ends_at, "server_now": now, "replayed": False,
    }


def _write(repo, ctx, bids, events, answer, *, holds_only_on_state_read: bool) -> bool:
    try:
        return repo.write_bid(ctx, bids, events, answer, holds_only_on_state_read=holds_only_on_state_read)
    except DuplicateWrite:
        raise
    except StaleWrite:   # cannot happen under the lock; never write over a newer state
        raise Conflict("拍品状态已变化，请重试 (the lot changed meanwhile, retry)") from None
