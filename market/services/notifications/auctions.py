"""Rules for the auction's people: bidders, watchers, winners. Each is a handler of one fact,
called inside the unit of work that records the fact (or by the scheduler's sweep for facts that
are the passing of time); `now` is an argument. The message bus (issue 16) can call them as they
are."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from . import texts
from .compose import tell_many, tell_users


def _bidder_users(uow, lot_id: int, org_ids) -> list[int]:
    """The users who registered these bidders (their organisation's members if none is known)."""
    users = [u for u in uow.notifications.registrant_users(lot_id, org_ids) if u is not None]
    return users or [uid for uid, _ in uow.notifications.members_of(org_ids)]


def _targets(lot: dict) -> list[tuple[str, int]]:
    return [("lot", lot["id"]), ("auction", lot["session_id"]), ("achievement", lot["achievement_id"])]


def _watchers(uow, lot: dict) -> list[int]:
    return uow.notifications.watchers(_targets(lot))


def on_registered(uow, *, lot_id: int, user_id: int, paddle_no: int, deposit_fen: int, now: datetime) -> None:
    lot = uow.notifications.lot_facts(lot_id)
    subject, text = texts.registration(lot, paddle_no, deposit_fen)
    tell_users(uow, [user_id], "registration_confirmed", f"registered:{lot_id}", subject, text,
               {"lot_id": lot_id, "paddle_no": paddle_no}, now)


def on_deposit_changed(uow, *, deposit_id: int, status: str, now: datetime) -> None:
    """One deposit held (or released by the payment provider): its registrant is told."""
    kind = DEPOSIT_KINDS.get(status)
    facts = uow.notifications.deposit_facts(deposit_id) if kind else None
    if facts is None:
        return
    lot = uow.notifications.lot_facts(facts["lot_id"])
    tell_many(uow, _deposit_entries(uow, lot, [{**facts, "deposit_id": deposit_id, "status": status}]), now)


def on_deposits_settled(uow, *, lot_id: int, now: datetime) -> None:
    """After a lot's deposits were released or forfeited together (a cancel): one batch."""
    uow.flush()   # the deposits' new states, for the query below
    tell_many(uow, _deposit_entries(uow, uow.notifications.lot_facts(lot_id),
                                    uow.notifications.lot_deposits(lot_id)), now)


DEPOSIT_KINDS = {"held": "deposit_held", "released": "deposit_released", "forfeited": "deposit_forfeited"}


def _deposit_entries(uow, lot: dict, deposits: list[dict]) -> list:
    entries = []
    for d in deposits:
        kind = DEPOSIT_KINDS.get(d["status"])
        if kind is None:
            continue
        release_by = d["release_by"].isoformat() if d.get("release_by") and kind == "deposit_released" else None
        subject, text = texts.deposit(kind, lot, d["amount_fen"], release_by)
        people = ([(d["user_id"], d["email"])] if d.get("email") and d.get("active")
                  else uow.notifications.members_of([d["bidder_id"]]))
        entries += [(p, kind, f"{kind}:{d['deposit_id']}", subject, text,
                     {"lot_id": lot["id"], "deposit_id": d["deposit_id"]}) for p in people]
    return entries


def on_bid(uow, *, lot, previous_leader_id: int | None, events: list[dict], now: datetime) -> None:
    """Outbid as it happens: the bidder who led before this bid and leads no more. A bid that
    starts the timed window tells the watchers too. Most bids cost nothing here."""
    window = any(e.get("type") == "timed_window_started" for e in events)
    outbid = previous_leader_id is not None and lot.leader_id != previous_leader_id
    if not (window or outbid):
        return
    facts = uow.notifications.lot_facts(lot.id)
    if outbid:
        subject, text = texts.outbid(facts, lot.current_price_fen, lot.ends_at)
        tell_users(uow, _bidder_users(uow, lot.id, [previous_leader_id]), "outbid",
                   f"outbid:{lot.id}:{lot.bid_count}", subject, text,
                   {"lot_id": lot.id, "price_fen": lot.current_price_fen}, now)
    if window:
        on_timed_window(uow, lot_id=lot.id, price_fen=lot.current_price_fen, ends_at=lot.ends_at, now=now)


def on_timed_window(uow, *, lot_id: int, price_fen: int | None, ends_at: datetime, now: datetime) -> None:
    lot = uow.notifications.lot_facts(lot_id)
    subject, text = texts.timed_window(lot, price_fen or lot["starting_price_fen"], ends_at)
    tell_users(uow, _watchers(uow, lot), "timed_window_started", f"window:{lot_id}", subject, text,
               {"lot_id": lot_id}, now)


def on_lot_closed(uow, *, lot_id: int, status: str, winner_id: int | None, hammer_price_fen: int | None,
                  sign_by, now: datetime) -> None:
    """Won / lost and the released deposits to the bidders, in the close's transaction; the
    watchers' result as one fan-out job in it, expanded into their rows right after the commit
    (`expand_fanouts`): a thousand watchers must not make the close itself slower."""
    uow.flush()   # the deposits the close just released, for the query below
    lot = uow.notifications.lot_facts(lot_id)
    data = {"lot_id": lot_id, "status": status, "hammer_price_fen": hammer_price_fen}
    deposits = uow.notifications.lot_deposits(lot_id)
    won, lost, closed = texts.won(lot, hammer_price_fen, sign_by), texts.lost(lot, status, hammer_price_fen), \
        texts.closed(lot, status, hammer_price_fen)
    entries, told = [], set()
    for d in deposits:
        people = ([(d["user_id"], d["email"])] if d.get("email") and d.get("active")
                  else uow.notifications.members_of([d["bidder_id"]]))
        kind, (subject, text) = ("lot_won", won) if d["bidder_id"] == winner_id else ("lot_lost", lost)
        entries += [(p, kind, f"{kind}:{lot_id}", subject, text, data) for p in people]
        told.update(uid for uid, _ in people)
    entries += _deposit_entries(uow, lot, [d for d in deposits if d["status"] == "released"])
    tell_many(uow, entries, now)
    uow.notifications.add_jobs("fanout", [{"rule": "lot_closed", "lot_id": lot_id, "data": data,
                                           "subject": closed[0], "text": closed[1], "exclude": sorted(told)}], now)


FANOUT_CLAIM = timedelta(minutes=2)


def expand_fanouts(uow_factory, now: datetime, limit: int = 20) -> int:
    """Watchers' rows of the fan-out jobs (run by the after-commit hook of the transaction that
    wrote them, and by the sweep for any left over): each job in one transaction with its rows,
    so a job is expanded once (and the dedupe keys would absorb a second time anyway)."""
    token = uuid.uuid4().hex
    with uow_factory() as uow:
        claimed = uow.notifications.claim_jobs("fanout", token, now, now + FANOUT_CLAIM, limit)
        uow.commit()
    told = 0
    for job_id, job in claimed:
        with uow_factory() as uow:
            lot = uow.notifications.lot_facts(job["lot_id"])
            exclude = set(job.get("exclude") or ())
            people = [p for p in uow.notifications.watchers_with_address(_targets(lot)) if p[0] not in exclude]
            told += tell_many(uow, [(p, "lot_closed", f"closed:{lot['id']}", job["subject"], job["text"], job["data"])
                                    for p in people], now)
            uow.notifications.finish_jobs([job_id], token)
            uow.commit()
    return told


def on_confirmation_forfeited(uow, *, lot_id: int, winner_id: int, seller_id: int, hammer_price_fen: int,
                              sign_by, now: datetime) -> None:
    lot = uow.notifications.lot_facts(lot_id)
    subject, text = texts.forfeited(lot, hammer_price_fen, sign_by)
    users = _bidder_users(uow, lot_id, [winner_id]) + [u for u, _ in uow.notifications.members_of([seller_id])]
    tell_users(uow, users, "confirmation_forfeited", f"forfeited:{lot_id}", subject, text, {"lot_id": lot_id}, now)
    on_deposits_settled(uow, lot_id=lot_id, now=now)


def remind_due(uow, *, now: datetime, lead: timedelta, calendar, signing_reminder_days: int = 2) -> int:
    """The passing of time (the scheduler's sweep): watched lots opening within `lead`, winners
    whose signing deadline is within `signing_reminder_days` working days. Once each (dedupe)."""
    count = 0
    for lot_id in uow.notifications.lots_opening_between(now, now + lead):
        lot = uow.notifications.lot_facts(lot_id)
        subject, text = texts.opening_soon(lot)
        count += tell_users(uow, _watchers(uow, lot), "lot_opening_soon", f"opening:{lot_id}:{lot['starts_at']:%Y%m%d%H%M}",
                            subject, text, {"lot_id": lot_id}, now)
    last_day = calendar.deadline_day(now, signing_reminder_days)
    for c in uow.notifications.confirmations_pending_by(last_day):
        lot = uow.notifications.lot_facts(c["lot_id"])
        subject, text = texts.signing_deadline(lot, c["hammer_price_fen"], c["sign_by"].isoformat())
        count += tell_users(uow, _bidder_users(uow, c["lot_id"], [c["winner_id"]]), "signing_deadline",
                            f"signing:{c['id']}", subject, text, {"lot_id": c["lot_id"], "confirmation_id": c["id"]}, now)
    return count
