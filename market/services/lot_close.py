"""Opening and closing lots, settling their deposits, and the sweep that catches up on both: the
one home of a lot's close and of its money.

The lot's row lock and its version-conditional UPDATE make a close happen once whoever runs it
(the scheduler, the sweep after a crash, an operator by hand) and however often; a crash before
the commit leaves the lot open, to be closed by the next sweep. A deposit's move is recorded on the
deposit as a domain event; the message bus turns it into the payment command it implies in the
same transaction, and the lot's live events are published only once the commit succeeded.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from market.domain.auctions import SHANGHAI, Confirmation, Deposit
from market.domain.errors import NotFound, StaleWrite

from market.views.auctions import confirmation_view

from .auction_common import DEFAULT_RULES, AuctionRules, now_of
from .common import load_actor
from .federation.changes import lot_closed
from .notifications import auctions as notify

log = logging.getLogger(__name__)


def settle_deposit(uow, deposit: Deposit, action: str, now: datetime,
                   rules: AuctionRules = DEFAULT_RULES) -> None:
    """The single place where a deposit's money moves: apply (the winner's, captured towards the
    price), release (the others'), forfeit (a winner who did not sign), refund.

    Only the domain state changes here, inside the caller's transaction; the deposit records the
    move, and the message bus's payment handler writes the matching gateway command (capture /
    cancel / refund) to the outbox in the same transaction, so a rolled-back close moves no money and a committed
    one is carried out, once, by the outbox worker. Manual (bank-transfer) deposits are settled by
    the market's finance desk from the same state, by the release day recorded here."""
    if action not in ("apply", "release", "forfeit", "refund"):
        raise ValueError(f"unknown deposit action {action}")
    if action == "release":
        deposit.release(now, rules.calendar.deadline_day(now, rules.deposit_release_working_days))
        return
    getattr(deposit, action)(now)


# =========================================================================== open and close

def open_lot(uow, lot_id: int, clock, bus=None) -> bool:
    """Open a lot whose start has come. False when there is nothing to do (already open, closed,
    or not due): the scheduler and the first bid may both try."""
    return _lot_change(uow, lot_id, clock, bus, lambda lot, now: lot.open(now)
                       if lot.is_due_to_open(now) and now < lot.ends_at else [])


def start_timed_window(uow, lot_id: int, clock, bus=None) -> bool:
    """Announce that a lot's free period is over (`timed_window_started`), once: under the lot's
    row lock, and only if no bid has announced it already. False when there is nothing to do."""
    return _lot_change(uow, lot_id, clock, bus, lambda lot, now: lot.start_timed_window(now),
                       then=lambda lot, now: notify.on_timed_window(
                           uow, lot_id=lot.id, price_fen=lot.current_price_fen, ends_at=lot.ends_at, now=now))


def _lot_change(uow, lot_id: int, clock, bus, change, then=None) -> bool:
    """Under the lot's row lock, `change(lot, now)` returns the events of a change it made (or
    none); they are stored with it and published after the commit. `then(lot, now)` runs in the
    same transaction when there was a change (its notifications)."""
    with uow:
        uow.publish_to(bus)
        repo = uow.auctions
        lot = repo.lot_for_update(lot_id)
        if lot is None:
            return False
        now = now_of(clock)
        if not repo.add_events(lot, change(lot, now)):
            return False
        if then is not None:
            then(lot, now)
        try:
            uow.commit()
        except StaleWrite:
            return False
    return True


def close_lot(uow, lot_id: int, clock, rules: AuctionRules = DEFAULT_RULES, bus=None) -> dict | None:
    """Record the result of a lot whose last window has passed, exactly once.

    The lot's row lock and the version-conditional UPDATE make a second close (another scheduler,
    a retry, a sweep after a crash) find the lot already closed and do nothing; a crash before the
    commit leaves the lot open, to be closed by the next sweep. Returns the result, or None when
    this call did not close the lot."""
    with uow:
        uow.publish_to(bus)
        repo = uow.auctions
        lot = repo.lot_for_update(lot_id)
        now = now_of(clock)
        if lot is None or not lot.is_due_to_close(now):
            return None
        result = lot.close(now)
        session = repo.auction(lot.session_id)
        achievement = uow.achievements.get(lot.achievement_id)
        confirmation = None
        if result.status == "sold":
            confirmation = Confirmation.issue(lot=lot, result=result, market_code=session.market_code,
                                              now=now, calendar=rules.calendar,
                                              working_days=rules.signing_working_days)
            repo.add(confirmation)
            achievement.mark_sold(None, now)
            uow.flush()   # the confirmation exists before the deposits move (payments reads it)
        else:
            achievement.return_from_auction(None, now, reason="流拍 (unsold)")
        for registration in repo.registrations_of(lot.id):
            deposit = registration.deposit
            if registration.bidder_id == result.winner_id and deposit.status == "held":
                settle_deposit(uow, deposit, "apply", now)
            elif deposit.status in ("pending", "held"):
                settle_deposit(uow, deposit, "release", now, rules)
        repo.add_events(lot, [lot.closed_event(now)])
        lot_closed(uow, lot.id)   # federation: the result goes into the change feed at commit
        notify.on_lot_closed(uow, lot_id=lot.id, status=result.status, winner_id=result.winner_id,
                             hammer_price_fen=result.hammer_price_fen,
                             sign_by=confirmation.sign_by.isoformat() if confirmation else None, now=now)
        try:
            uow.commit()
        except StaleWrite:
            log.info("lot %s was closed concurrently", lot_id)
            return None
        return {"lot_id": lot.id, "status": result.status, "winner_id": result.winner_id,
                "hammer_price_fen": result.hammer_price_fen, "closed_at": now, "ends_at": lot.ends_at,
                "confirmation_id": confirmation.id if confirmation else None}


def close_lot_by_hand(uow_factory, *, actor_id: int, lot_id: int, clock, rules: AuctionRules = DEFAULT_RULES,
                      bus=None) -> dict | None:
    """`close_lot` for an operator of the lot's market (or the regional admin): an act of who the
    caller is, not of what the caller may read (the seller reads its lot's reserve, yet may not
    close the lot). None when the lot is not due or already closed."""
    with uow_factory() as uow:
        lot = uow.auctions.lot(lot_id)
        if lot is None:
            raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
        load_actor(uow, actor_id).require_operator_of(uow.auctions.auction(lot.session_id).market_code)
    return close_lot(uow_factory(), lot_id, clock, rules, bus)


def forfeit_confirmation(uow, confirmation_id: int, now: datetime) -> dict | None:
    """On the deadline: the winner's deposit is forfeited and the achievement is published again,
    ready to be re-offered. None when there is nothing to do (signed, already forfeited, not due)."""
    with uow:
        repo = uow.auctions
        confirmation = repo.confirmation_for_update(confirmation_id)
        if confirmation is None or not confirmation.is_overdue(now):
            return None
        confirmation.forfeit(now)
        registration = repo.registration(confirmation.lot_id, confirmation.winner_id)
        if registration is not None and registration.deposit.status in ("held", "applied"):
            settle_deposit(uow, registration.deposit, "forfeit", now)
        uow.achievements.get(confirmation.achievement_id).reinstate(
            None, now, reason="买受人未在期限内签约 (winner did not sign in time)")
        notify.on_confirmation_forfeited(uow, lot_id=confirmation.lot_id, winner_id=confirmation.winner_id,
                                         seller_id=confirmation.seller_id, hammer_price_fen=confirmation.hammer_price_fen,
                                         sign_by=confirmation.sign_by.isoformat(), now=now)
        uow.commit()
        return confirmation_view(confirmation)


# =========================================================================== sweep

@dataclass
class SweepResult:
    opened: list[int] = field(default_factory=list)
    windows: list[int] = field(default_factory=list)   # timed windows announced
    closed: list[int] = field(default_factory=list)
    forfeited: list[int] = field(default_factory=list)


def sweep(uow_factory, clock, rules: AuctionRules = DEFAULT_RULES, bus=None) -> SweepResult:
    """Catch up on everything overdue: lots to open, lots to close, deadlines passed. Safe to run
    from several processes at once and as often as wanted."""
    result = SweepResult()
    now = now_of(clock)
    with uow_factory() as uow:
        repo = uow.auctions
        to_open = repo.lot_ids_due_to_open(now)
        to_close = repo.lot_ids_due_to_close(now)
        to_announce = repo.lot_ids_due_to_start_window(now)
        overdue = repo.confirmation_ids_pending_before(_deadline_day(now))
    for lot_id in to_close:
        if close_lot(uow_factory(), lot_id, clock, rules, bus):
            result.closed.append(lot_id)
    for lot_id in to_open:
        if open_lot(uow_factory(), lot_id, clock, bus):
            result.opened.append(lot_id)
    for lot_id in to_announce:
        if start_timed_window(uow_factory(), lot_id, clock, bus):
            result.windows.append(lot_id)
    for confirmation_id in overdue:
        if forfeit_confirmation(uow_factory(), confirmation_id, now_of(clock)):
            result.forfeited.append(confirmation_id)
    return result


def _deadline_day(now: datetime):
    """Confirmations whose signing day ended before `now` (local dates)."""
    return now.astimezone(SHANGHAI).date()
