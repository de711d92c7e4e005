"""Read models of the auction feature: what the API and the pages show of sessions, lots, bids,
registrations, deposits and confirmations, and who sees what (operators see reserves, leaders,
registrations and refusals; parties see their own part, see `services.auction_parties`).

Times stay `datetime` here; the API's schemas and the pages format them."""
from __future__ import annotations

from datetime import datetime, timedelta

from market.domain.auctions import (LIVE_LOT_STATUSES, REFUSALS, AuctionSession, Confirmation,
                                    Deposit, Lot)
from market.domain.errors import Forbidden, NotFound
from market.services.auction_common import lot_or_404, market_of
from market.services.auction_parties import party_view, winner_confirmation
from market.services.common import load_actor, load_optional_actor


def list_auctions(uow, *, market_code: str | None, now: datetime) -> list[dict]:
    with uow:
        repo = uow.auctions
        return [auction_view(s, repo.lots_of(s.id), now, operator=False, with_lots=False)
                for s in repo.auctions(market_code)]


def my_registrations(uow, *, actor_id: int) -> list[dict]:
    with uow:
        user = load_actor(uow, actor_id)
        if user.organisation_id is None:
            return []
        repo = uow.auctions
        won = repo.confirmations_won_by(user.organisation_id)
        return [{**registration_view(r, repo.lot(r.lot_id)),
                 "my_confirmation": winner_confirmation(won[r.lot_id]) if r.lot_id in won else None}
                for r in repo.registrations_by_bidder(user.organisation_id)]


def get_confirmation(uow, *, actor_id: int, confirmation_id: int) -> dict:
    with uow:
        repo = uow.auctions
        confirmation = repo.confirmation(confirmation_id)
        if confirmation is None:
            raise NotFound(f"成交确认书 {confirmation_id} 不存在 (confirmation not found)")
        user = load_actor(uow, actor_id)
        if not (user.operates(confirmation.market_code)
                or user.organisation_id in (confirmation.winner_id, confirmation.seller_id)):
            raise Forbidden()
        return confirmation_view(confirmation)


def lot_schedule(uow, now: datetime, horizon: timedelta) -> list[tuple[int, str, datetime, datetime]]:
    """For the scheduler: live lots that open or end within the horizon."""
    with uow:
        return uow.auctions.upcoming_lot_times(now + horizon)


def lot_times(uow, lot_id: int) -> tuple[str, datetime, datetime] | None:
    with uow:
        lot = uow.auctions.lot(lot_id)
        return (lot.status, lot.starts_at, lot.ends_at) if lot else None


def get_lot(uow, lot_id: int, *, now: datetime, viewer_id: int | None = None) -> dict:
    with uow:
        repo = uow.auctions
        lot = lot_or_404(uow, lot_id)
        user = load_optional_actor(uow, viewer_id)
        market = market_of(uow, lot)
        view = lot_view(lot, now, operator=bool(user and user.operates(market)))
        view["market_code"] = market
        if user is not None and user.organisation_id is not None:
            registration = repo.registration(lot.id, user.organisation_id)
            view["my_registration"] = registration_view(registration, lot) if registration else None
            view["leading"] = lot.leader_id == user.organisation_id
            view.update(party_view(repo, lot, user.organisation_id))
        view["recent_bids"] = [public_bid_view(b) for b in repo.bids(lot.id, accepted_only=True,
                                                                     limit=10, newest_first=True)]
        return view


def list_lot_bids(uow, lot_id: int, *, viewer_id: int | None) -> list[dict]:
    """Accepted bids for everyone; the operator also sees refused ones and who bid."""
    with uow:
        repo = uow.auctions
        lot = lot_or_404(uow, lot_id)
        user = load_optional_actor(uow, viewer_id)
        operator = bool(user and user.operates(market_of(uow, lot)))
        bids = repo.bids(lot.id, accepted_only=not operator)
        return [operator_bid_view(b) if operator else public_bid_view(b) for b in bids]


def get_auction(uow, auction_id: int, *, now: datetime, viewer_id: int | None = None) -> dict:
    """The live view of a session: every lot's state; operators also see reserves, leaders,
    registrations and deposits."""
    with uow:
        repo = uow.auctions
        session = repo.auction(auction_id)
        if session is None:
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        user = load_optional_actor(uow, viewer_id)
        operator = bool(user and user.operates(session.market_code))
        lots = repo.lots_of(session.id)
        view = auction_view(session, lots, now, operator=operator)
        if not operator and user is not None:
            for lot_view_, lot in zip(view["lots"], lots):
                lot_view_.update(party_view(repo, lot, user.organisation_id))
        if operator:
            for lot_view_, lot in zip(view["lots"], lots):
                regs = repo.registrations_of(lot.id)
                lot_view_["registrations"] = [registration_view(r, lot) for r in regs]
                confirmation = repo.confirmation_of_lot(lot.id)
                lot_view_["confirmation"] = confirmation_view(confirmation) if confirmation else None
        return view


def lot_events_after(uow, lot_id: int, seq: int) -> list[dict]:
    with uow:
        return uow.auctions.events_after(lot_id, seq)


def lot_is_final(uow, lot_id: int) -> bool | None:
    with uow:
        lot = uow.auctions.lot(lot_id)
        return None if lot is None else lot.status not in LIVE_LOT_STATUSES


# ---- view builders ---------------------------------------------------------------------------

def lot_view(lot: Lot, now: datetime, *, operator: bool) -> dict:
    view = {
        "id": lot.id, "auction_id": lot.session_id, "lot_no": lot.lot_no,
        "achievement_id": lot.achievement_id, "seller_id": lot.seller_id, "title": lot.title,
        "status": lot.status, "phase": lot.phase(now),
        "starting_price_fen": lot.starting_price_fen, "increment_fen": lot.increment_fen,
        "deposit_fen": lot.deposit_fen, "current_price_fen": lot.current_price_fen,
        "minimum_next_bid_fen": lot.minimum_next_bid(), "bid_count": lot.bid_count,
        "leader_paddle_no": lot.leader_paddle_no, "reserve_met": lot.reserve_met(),
        "starts_at": lot.starts_at, "free_period_ends_at": lot.free_period_ends_at,
        "window_seconds": lot.window_seconds, "ends_at": lot.ends_at,
        "seconds_left": max(0.0, (lot.ends_at - now).total_seconds()) if lot.status in LIVE_LOT_STATUSES else 0.0,
        "opened_at": lot.opened_at, "closed_at": lot.closed_at, "cancel_reason": lot.cancel_reason,
        "reoffer_of_id": lot.reoffer_of_id, "last_event_id": lot.event_seq,
        "server_now": now,
    }
    if operator:
        view.update(reserve_price_fen=lot.reserve_price_fen, leader_id=lot.leader_id)
    return view


def auction_view(session: AuctionSession, lots: list[Lot], now: datetime, *, operator: bool,
                 with_lots: bool = True) -> dict:
    live = [lot for lot in lots if lot.status in LIVE_LOT_STATUSES]
    view = {
        "id": session.id, "market_code": session.market_code, "title": session.title,
        "description": session.description, "operator_id": session.operator_id,
        "created_at": session.created_at, "server_now": now,
        "status": _session_status(lots, now), "lot_count": len(lots),
        "sold_count": sum(lot.status == "sold" for lot in lots),
        "unsold_count": sum(lot.status == "unsold" for lot in lots),
        "sold_total_fen": sum(lot.current_price_fen or 0 for lot in lots if lot.status == "sold"),
        "next_end": min((lot.ends_at for lot in live), default=None),
    }
    if with_lots:
        view["lots"] = [lot_view(lot, now, operator=operator) for lot in lots]
    return view


def _session_status(lots: list[Lot], now: datetime) -> str:
    if not lots or all(lot.status == "scheduled" and now < lot.starts_at for lot in lots):
        return "scheduled"
    if all(lot.status not in LIVE_LOT_STATUSES for lot in lots):
        return "finished"
    return "live"


def deposit_view(d: Deposit) -> dict:
    return {"id": d.id, "bidder_id": d.bidder_id, "amount_fen": d.amount_fen, "gateway": d.gateway,
            "reference": d.reference, "status": d.status, "created_at": d.created_at,
            "held_at": d.held_at, "settled_at": d.settled_at, "release_by": d.release_by}


def registration_view(r, lot: Lot | None) -> dict:
    return {"id": r.id, "lot_id": r.lot_id, "bidder_id": r.bidder_id, "user_id": r.user_id,
            "paddle_no": r.paddle_no, "created_at": r.created_at, "deposit": deposit_view(r.deposit),
            "lot_title": lot.title if lot else None}


def public_bid_view(b) -> dict:
    return {"seq": b.seq, "paddle_no": b.paddle_no, "amount_fen": b.amount_fen, "kind": b.kind,
            "at": b.at, "accepted": b.accepted}


def operator_bid_view(b) -> dict:
    return {**public_bid_view(b), "id": b.id, "bidder_id": b.bidder_id, "user_id": b.user_id,
            "max_amount_fen": b.max_amount_fen, "refusal": b.refusal,
            "refusal_message": REFUSALS.get(b.refusal) if b.refusal else None}


def confirmation_view(c: Confirmation) -> dict:
    return {"id": c.id, "lot_id": c.lot_id, "achievement_id": c.achievement_id,
            "market_code": c.market_code, "seller_id": c.seller_id, "winner_id": c.winner_id,
            "hammer_price_fen": c.hammer_price_fen, "deposit_fen": c.deposit_fen,
            "sign_by": c.sign_by, "deadline": c.deadline, "status": c.status,
            "created_at": c.created_at, "signed_at": c.signed_at, "signed_by_id": c.signed_by_id,
            "forfeited_at": c.forfeited_at}

