"""Rules for the auction's people: bidders, watchers, winners. Each is a handler of one fact,
called inside the unit of work that records the fact (or by the scheduler's sweep for facts that
are the passing of time); `now` is an argument. The message bus (issue 16) can call them as they
are."""
from __future__ import annotations

from datetime import datetime, timedelta

from . import texts
from .compose import tell, tell_users


def _bidder_users(uow, lot_id: int, org_ids) -> list[int]:
    """The users who registered these bidders (their organisation's members if none is known)."""
    users = [u for u in uow.notifications.registrant_users(lot_id, org_ids) if u is not None]
    return users or [uid for uid, _ in uow.notifications.members_of(org_ids)]


def _watchers(uow, lot: dict) -> list[int]:
    return uow.notifications.watchers([("lot", lot["id"]), ("auction", lot["session_id"]),
                                       ("achievement", lot["achievement_id"])])


def on_registered(uow, *, lot_id: int, user_id: int, paddle_no: int, deposit_fen: int, now: datetime) -> None:
    lot = uow.notifications.lot_facts(lot_id)
    subject, text = texts.registration(lot, paddle_no, deposit_fen)
    tell_users(uow, [user_id], "registration_confirmed", f"registered:{lot_id}", subject, text,
               {"lot_id": lot_id, "paddle_no": paddle_no}, now)


def on_deposit_changed(uow, *, deposit_id: int, status: str, now: datetime) -> None:
    """held / released / forfeited (applied towards the price says nothing: the win says it)."""
    kind = {"held": "deposit_held", "released": "deposit_released", "forfeited": "deposit_forfeited"}.get(status)
    facts = uow.notifications.deposit_facts(deposit_id) if kind else None
    if facts is None:
        return
    lot = uow.notifications.lot_facts(facts["lot_id"])
    release_by = facts["release_by"].isoformat() if facts.get("release_by") and status == "released" else None
    subject, text = texts.deposit(kind, lot, facts["amount_fen"], release_by)
    people = ([(facts["user_id"], facts["email"])] if facts.get("email") and facts.get("active")
              else uow.notifications.members_of([facts["bidder_id"]]))
    tell(uow, people, kind, f"{kind}:{deposit_id}", subject, text, {"lot_id": lot["id"], "deposit_id": deposit_id}, now)


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
    """Won / lost to the bidders, the result to the watchers: a handful of statements whatever
    the number of watchers (one multi-row INSERT), so the close stays as fast as before."""
    lot = uow.notifications.lot_facts(lot_id)
    data = {"lot_id": lot_id, "status": status, "hammer_price_fen": hammer_price_fen}
    registrants = uow.notifications.lot_registrants(lot_id)
    told: set[int] = set()
    if winner_id is not None:
        winners = _bidder_users(uow, lot_id, [winner_id])
        subject, text = texts.won(lot, hammer_price_fen, sign_by)
        tell_users(uow, winners, "lot_won", f"won:{lot_id}", subject, text, data, now)
        told.update(winners)
    losers = [u for org, u in registrants if org != winner_id and u is not None]
    subject, text = texts.lost(lot, status, hammer_price_fen)
    tell_users(uow, losers, "lot_lost", f"lost:{lot_id}", subject, text, data, now)
    told.update(losers)
    people = [p for p in uow.notifications.recipients(_watchers(uow, lot)) if p[0] not in told]
    subject, text = texts.closed(lot, status, hammer_price_fen)
    tell(uow, people, "lot_closed", f"closed:{lot_id}", subject, text, data, now)


def on_confirmation_forfeited(uow, *, lot_id: int, winner_id: int, seller_id: int, hammer_price_fen: int,
                              sign_by, now: datetime) -> None:
    lot = uow.notifications.lot_facts(lot_id)
    subject, text = texts.forfeited(lot, hammer_price_fen, sign_by)
    users = _bidder_users(uow, lot_id, [winner_id]) + [u for u, _ in uow.notifications.members_of([seller_id])]
    tell_users(uow, users, "confirmation_forfeited", f"forfeited:{lot_id}", subject, text, {"lot_id": lot_id}, now)


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
