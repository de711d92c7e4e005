"""Auction use cases: sessions and lots, registration and deposits, bidding, opening and closing,
confirmations, forfeits and re-offers; plus the read models the API and the scheduler use.

Rules of this module:
- every lot UPDATE is conditional on the version read, so a close happens once whoever runs it
  and however often; lot changes other than bids take the lot's row lock (`lot_for_update`); the
  hot bid path reads and writes with Core statements, not the ORM's flush, and on PostgreSQL
  decides on a snapshot and writes only if the version is unchanged (`place_bid`);
- a bid's server time is read *after* its read of the lot, and a bid is only written if no other
  write came between, so bid times follow the accepted sequence and no bid slips in after
  `ends_at`; a refusal is recorded before it is answered;
- live events are stored with the change and published only after the commit;
- every deposit state change goes through `settle_deposit`, the one place money moves (the
  payments feature turns those changes into gateway commands in the same transaction).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from market.adapters.orm_auctions import AuctionRepository, StaleLot, number_events
from market.adapters.statutory_calendar import StatutoryCalendar
from market.domain.auctions import (LIVE_LOT_STATUSES, REFUSALS, AuctionSession, Bidder,
                                    Confirmation, Deposit, Lot)
from market.domain.calendar import WorkingDayCalendar
from market.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from market.domain.idempotency import key_reused, request_fingerprint, require_same_request
from market.domain.onboarding import require_may_trade

from .auction_parties import party_view, winner_confirmation
from .common import load_actor, load_optional_actor, require_market

log = logging.getLogger(__name__)

BIDDER_KINDS = ("enterprise",)   # 竞买人: enterprises register and bid


@dataclass(frozen=True)
class AuctionRules:
    """The exchanges' deadlines: the winner signs within `signing_working_days`, the other
    bidders' deposits are back within `deposit_release_working_days`, both counted on China's
    statutory working days (holidays and 调休 make-up days) plus the configured ones."""
    signing_working_days: int = 5
    deposit_release_working_days: int = 3
    calendar: WorkingDayCalendar = field(default_factory=StatutoryCalendar)


def rules_from_config(config: Mapping) -> AuctionRules:
    return AuctionRules(
        signing_working_days=int(config.get("SIGNING_DEADLINE_WORKING_DAYS", 5)),
        deposit_release_working_days=int(config.get("DEPOSIT_RELEASE_WORKING_DAYS", 3)),
        calendar=StatutoryCalendar(holidays=config.get("AUCTION_HOLIDAYS", ()),
                                   workdays=config.get("AUCTION_WORKDAYS", ())))


DEFAULT_RULES = AuctionRules()


def auctions_repo(uow) -> AuctionRepository:
    """The feature's repository for this unit of work's session."""
    repo = getattr(uow, "_auctions_repo", None)
    if repo is None or repo.session is not uow.session:
        repo = AuctionRepository(uow.session)
        uow._auctions_repo = repo
    return repo


def _publish(bus, events: list[dict]) -> None:
    if bus is None:
        return
    for event in events:
        bus.publish(event["lot_id"], event)


def _now(clock) -> datetime:
    return clock.now() if hasattr(clock, "now") else clock


def _operator(uow, actor_id: int, market_code: str):
    user = load_actor(uow, actor_id)
    user.require_operator_of(market_code)
    return user


def _lot_or_404(repo: AuctionRepository, lot_id: int, *, lock: bool = False) -> Lot:
    lot = repo.lot_for_update(lot_id) if lock else repo.lot(lot_id)
    if lot is None:
        raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
    return lot


def _market_of(repo: AuctionRepository, lot: Lot) -> str:
    return repo.auction(lot.session_id).market_code


# =========================================================================== money

def settle_deposit(uow, deposit: Deposit, action: str, now: datetime,
                   rules: AuctionRules = DEFAULT_RULES) -> None:
    """The single place where a deposit's money moves: apply (the winner's, captured towards the
    price), release (the others'), forfeit (a winner who did not sign), refund.

    Only the domain state changes here, inside the caller's transaction; the payments feature
    watches deposits' state and writes the matching gateway command (capture / cancel / refund)
    to its outbox in the same transaction, so a rolled-back close moves no money and a committed
    one is carried out, once, by the outbox worker. Manual (bank-transfer) deposits are settled by
    the market's finance desk from the same state, by the release day recorded here."""
    if action not in ("apply", "release", "forfeit", "refund"):
        raise ValueError(f"unknown deposit action {action}")
    if action == "release":
        deposit.release(now, rules.calendar.deadline_day(now, rules.deposit_release_working_days))
        return
    getattr(deposit, action)(now)


# =========================================================================== sessions and lots

def create_auction(uow, *, actor_id: int, market_code: str, title: str, now: datetime,
                   description: str = "") -> dict:
    with uow:
        require_market(uow, market_code)
        user = _operator(uow, actor_id, market_code)
        session = AuctionSession(market_code=market_code, title=title, description=description,
                                 operator_id=user.id, created_at=now)
        auctions_repo(uow).add(session)
        uow.commit()
        return auction_view(session, [], now, operator=True)


def list_auctions(uow, *, market_code: str | None, now: datetime) -> list[dict]:
    with uow:
        repo = auctions_repo(uow)
        return [auction_view(s, repo.lots_of(s.id), now, operator=False, with_lots=False)
                for s in repo.auctions(market_code)]


def add_lot(uow, *, actor_id: int, auction_id: int, achievement_id: int, starting_price_fen: int,
            increment_fen: int, deposit_fen: int, starts_at: datetime, free_period_ends_at: datetime,
            window_seconds: int = 300, reserve_price_fen: int | None = None, now: datetime,
            reoffer_of_id: int | None = None) -> dict:
    """Offer a published achievement in a session (it goes `in_auction` until the lot ends)."""
    with uow:
        repo = auctions_repo(uow)
        session = repo.auction(auction_id, lock=True)   # lot numbers are given one at a time
        if session is None:
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        user = _operator(uow, actor_id, session.market_code)
        lot = _new_lot(uow, repo, session, user.id, achievement_id=achievement_id,
                       starting_price_fen=starting_price_fen, increment_fen=increment_fen,
                       deposit_fen=deposit_fen, starts_at=starts_at,
                       free_period_ends_at=free_period_ends_at, window_seconds=window_seconds,
                       reserve_price_fen=reserve_price_fen, now=now)
        lot.reoffer_of_id = reoffer_of_id
        uow.commit()
        return lot_view(lot, now, operator=True)


def _new_lot(uow, repo, session, actor_id, *, achievement_id, now, **terms) -> Lot:
    # the achievement's row lock: a lot racing an agreement (or another lot) on it queues behind
    # the other and then finds the achievement out of the market (409)
    achievement = uow.achievements.get_for_update(achievement_id)
    if achievement is None:
        raise ValidationFailed.on("achievement_id", f"成果 {achievement_id} 不存在")
    achievement.require_listed_on(session.market_code)   # 403 before anything is written
    if terms["free_period_ends_at"] + timedelta(seconds=terms["window_seconds"] or 0) <= now:
        raise ValidationFailed.on("free_period_ends_at", "拍品须在未来结束 (the lot must end in the future)")
    if repo.live_lot_for_achievement(achievement.id) is not None:
        raise Conflict("该成果已在另一场拍卖中 (already in a live auction)",
                       {"achievement_id": ["in_auction"]})
    lot = Lot(achievement_id=achievement.id, seller_id=achievement.holder_id,
              title=achievement.title, created_at=now, **terms)
    achievement.start_auction(actor_id, now)   # published -> in_auction, or 409
    session.add_lot(lot)
    repo.add(lot)
    uow.flush()
    return lot


def cancel_lot(uow, *, actor_id: int, lot_id: int, reason: str, now: datetime, bus=None,
               rules: AuctionRules = DEFAULT_RULES) -> dict:
    with uow:
        repo = auctions_repo(uow)
        lot = _lot_or_404(repo, lot_id, lock=True)
        _operator(uow, actor_id, _market_of(repo, lot))
        cancelled = lot.cancel(now, reason)
        uow.achievements.get(lot.achievement_id).return_from_auction(actor_id, now, reason=f"撤拍: {reason}")
        for registration in repo.registrations_of(lot.id):
            if registration.deposit.status in ("pending", "held"):
                settle_deposit(uow, registration.deposit, "release", now, rules)
        events = repo.add_events(lot, cancelled)
        uow.commit()
        view = lot_view(lot, now, operator=True)
    _publish(bus, events)
    return view


def reoffer_lot(uow, *, actor_id: int, lot_id: int, starts_at: datetime,
                free_period_ends_at: datetime, now: datetime, auction_id: int | None = None,
                starting_price_fen: int | None = None, increment_fen: int | None = None,
                reserve_price_fen: int | None = None, deposit_fen: int | None = None,
                window_seconds: int | None = None) -> dict:
    """Offer again an achievement whose lot did not sell, was cancelled, or whose winner forfeited."""
    with uow:
        repo = auctions_repo(uow)
        old = _lot_or_404(repo, lot_id)
        confirmation = repo.confirmation_of_lot(old.id)
        forfeited = confirmation is not None and confirmation.status == "forfeited"
        if old.status not in ("unsold", "cancelled") and not forfeited:
            raise Conflict("只有流拍、撤拍或买受人违约的拍品可以重新拍卖 (only unsold, cancelled or forfeited lots)")
        session = repo.auction(auction_id or old.session_id, lock=True)
        if session is None:
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        user = _operator(uow, actor_id, session.market_code)
        lot = _new_lot(uow, repo, session, user.id, achievement_id=old.achievement_id,
                       starting_price_fen=starting_price_fen or old.starting_price_fen,
                       increment_fen=increment_fen or old.increment_fen,
                       deposit_fen=old.deposit_fen if deposit_fen is None else deposit_fen,
                       reserve_price_fen=reserve_price_fen if reserve_price_fen is not None
                       else old.reserve_price_fen,
                       window_seconds=window_seconds or old.window_seconds, starts_at=starts_at,
                       free_period_ends_at=free_period_ends_at, now=now)
        lot.reoffer_of_id = old.id
        uow.commit()
        return lot_view(lot, now, operator=True)


# =========================================================================== registration

def register_for_lot(uow, *, actor_id: int, lot_id: int, now: datetime, gateway=None) -> dict:
    """An enterprise registers; its deposit is pending until the gateway (or operator) holds it.
    Registering twice returns the first registration (and asks an online gateway again for the
    payment hold if it could not be had the first time)."""
    with uow:
        user = load_actor(uow, actor_id)
        org = user.organisation
        if user.role != "member" or org is None:
            raise Forbidden("只有机构成员可以报名竞买 (organisation members only)")
        require_may_trade(user, "register_for_lot")   # verified organisation, trading role
        repo = auctions_repo(uow)
        lot = _lot_or_404(repo, lot_id, lock=True)
        registration = repo.registration(lot.id, org.id)
        if registration is None:
            registration = _new_registration(uow, repo, lot, org, user, now, gateway)
        view = registration_view(registration, lot)
        deposit_id, pending = registration.deposit.id, registration.deposit.status == "pending"
    hold = _open_online_hold(uow, gateway, actor_id, deposit_id, now) if pending else None
    view["deposit"]["client_secret"] = hold["client_secret"] if hold else None
    if hold:
        view["deposit"]["reference"] = hold["reference"]
    return view


def _new_registration(uow, repo, lot, org, user, now, gateway):
    if org.id != lot.seller_id and org.kind not in BIDDER_KINDS:
        raise Forbidden("只有企业可以报名竞买 (only enterprises may bid)")
    registration = lot.register(bidder_id=org.id, user_id=user.id, now=now,
                                paddle_no=repo.next_paddle_no(lot.id),
                                gateway=getattr(gateway, "name", "manual"))
    registration.lot_id = lot.id
    repo.add(registration)
    uow.commit()
    return registration


def _open_online_hold(uow, gateway, actor_id: int, deposit_id: int, now: datetime) -> dict | None:
    """Ask an online gateway for the deposit's hold once the registration is committed: a provider
    call never runs inside our transaction (nor holds the lot's lock). If the provider cannot be
    reached, the registration stands and the bidder asks again (POST /deposits/{id}/payment/intent)."""
    if gateway is None or getattr(gateway, "name", "manual") == "manual":
        return None
    from market.adapters.payments.base import PaymentError
    from market.services.payments import start_deposit_payment
    try:
        return start_deposit_payment(lambda: uow, gateway, actor_id=actor_id, deposit_id=deposit_id,
                                     now=now)
    except PaymentError:
        log.warning("deposit %s: payment provider unavailable at registration", deposit_id)
        return None


def my_registrations(uow, *, actor_id: int) -> list[dict]:
    with uow:
        user = load_actor(uow, actor_id)
        if user.organisation_id is None:
            return []
        repo = auctions_repo(uow)
        won = repo.confirmations_won_by(user.organisation_id)
        return [{**registration_view(r, repo.lot(r.lot_id)),
                 "my_confirmation": winner_confirmation(won[r.lot_id]) if r.lot_id in won else None}
                for r in repo.registrations_by_bidder(user.organisation_id)]


def confirm_deposit(uow, *, actor_id: int, deposit_id: int, now: datetime,
                    reference: str | None = None) -> dict:
    """The operator has seen the bank transfer arrive (manual gateway): the deposit is held."""
    with uow:
        repo = auctions_repo(uow)
        deposit = repo.deposit_for_update(deposit_id)
        if deposit is None:
            raise NotFound(f"保证金 {deposit_id} 不存在 (deposit not found)")
        lot = repo.lot(repo.lot_id_of_deposit(deposit.id))
        _operator(uow, actor_id, _market_of(repo, lot))
        if deposit.gateway != "manual":
            raise Conflict("线上支付的保证金由支付渠道确认 (online deposits are confirmed by the gateway)")
        deposit.hold(now, reference=reference or deposit.reference)
        uow.commit()
        return deposit_view(deposit)


# =========================================================================== bidding

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
        repo = auctions_repo(uow)
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
            now = _now(clock)
            outcome = lot.place_bid(Bidder(ctx.org_id, actor_id, ctx.registration), amount_fen, now,
                                    max_amount_fen=max_amount_fen)
            outcome.own.idempotency_key = idempotency_key
            events = number_events(lot, outcome.events)
            response = bid_response(lot, outcome, now)
            answer = (None if not idempotency_key else
                      {"user_id": actor_id, "key": idempotency_key, "response": response, "now": now,
                       "fingerprint": fingerprint})
            try:
                if repo.write_bid(ctx, outcome.bids, events, answer,
                                  holds_only_on_state_read=outcome.holds_only_on_state_read):
                    break
            except StaleLot:   # cannot happen under the lock; never write over a newer state
                raise Conflict("拍品状态已变化，请重试 (the lot changed meanwhile, retry)") from None
            except IntegrityError:
                if not idempotency_key:
                    raise
                uow.rollback()   # the same request won the race: answer as it did
                previous = _previous_answer(repo, actor_id, idempotency_key, lot_id, clock, fingerprint)
                if previous is None:
                    raise
                return previous
        uow.commit()
    _publish(bus, events)
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
    return {**response, "replayed": True, "server_now": _now(clock).isoformat()}


def bid_response(lot: Lot, outcome, now: datetime) -> dict:
    own = outcome.own
    return {
        "lot_id": lot.id, "accepted": outcome.accepted, "refusal": outcome.refusal,
        "message": outcome.message, "leading": outcome.leading,
        "bid": {"seq": own.seq, "amount_fen": own.amount_fen, "max_amount_fen": own.max_amount_fen,
                "kind": own.kind, "at": own.at.isoformat()},
        "price_fen": lot.current_price_fen, "minimum_next_bid_fen": lot.minimum_next_bid(),
        "bid_count": lot.bid_count, "window_restarted": outcome.window_restarted,
        "ends_at": lot.ends_at.isoformat(), "server_now": now.isoformat(), "replayed": False,
    }


# =========================================================================== open and close

def open_lot(uow, lot_id: int, clock, bus=None) -> bool:
    """Open a lot whose start has come. False when there is nothing to do (already open, closed,
    or not due): the scheduler and the first bid may both try."""
    return _lot_change(uow, lot_id, clock, bus, lambda lot, now: lot.open(now)
                       if lot.is_due_to_open(now) and now < lot.ends_at else [])


def start_timed_window(uow, lot_id: int, clock, bus=None) -> bool:
    """Announce that a lot's free period is over (`timed_window_started`), once: under the lot's
    row lock, and only if no bid has announced it already. False when there is nothing to do."""
    return _lot_change(uow, lot_id, clock, bus, lambda lot, now: lot.start_timed_window(now))


def _lot_change(uow, lot_id: int, clock, bus, change) -> bool:
    """Under the lot's row lock, `change(lot, now)` returns the events of a change it made (or
    none); they are stored with it and published after the commit."""
    with uow:
        repo = auctions_repo(uow)
        lot = repo.lot_for_update(lot_id)
        if lot is None:
            return False
        events = repo.add_events(lot, change(lot, _now(clock)))
        if not events:
            return False
        try:
            uow.commit()
        except StaleDataError:
            return False
    _publish(bus, events)
    return True


def close_lot(uow, lot_id: int, clock, rules: AuctionRules = DEFAULT_RULES, bus=None,
              _fail_before_commit: bool = False) -> dict | None:
    """Record the result of a lot whose last window has passed, exactly once.

    The lot's row lock and the version-conditional UPDATE make a second close (another scheduler,
    a retry, a sweep after a crash) find the lot already closed and do nothing; a crash before the
    commit leaves the lot open, to be closed by the next sweep. Returns the result, or None when
    this call did not close the lot."""
    with uow:
        repo = auctions_repo(uow)
        lot = repo.lot_for_update(lot_id)
        now = _now(clock)
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
        events = repo.add_events(lot, [lot.closed_event(now)])
        if _fail_before_commit:   # tests: a crash mid-close
            raise RuntimeError("simulated crash before commit")
        try:
            uow.commit()
        except StaleDataError:
            log.info("lot %s was closed concurrently", lot_id)
            return None
        outcome = {"lot_id": lot.id, "status": result.status, "winner_id": result.winner_id,
                   "hammer_price_fen": result.hammer_price_fen, "closed_at": now.isoformat(),
                   "ends_at": lot.ends_at.isoformat(),
                   "confirmation_id": confirmation.id if confirmation else None}
    _publish(bus, events)
    return outcome


# =========================================================================== confirmations

def sign_confirmation(uow, *, actor_id: int, confirmation_id: int, now: datetime) -> dict:
    """The operator records the winner's signature: the deal becomes a technology contract in the
    same transaction (the achievement has been sold since the close)."""
    with uow:
        repo = auctions_repo(uow)
        confirmation = repo.confirmation_for_update(confirmation_id)
        if confirmation is None:
            raise NotFound(f"成交确认书 {confirmation_id} 不存在 (confirmation not found)")
        user = _operator(uow, actor_id, confirmation.market_code)
        confirmation.sign(now, user.id)
        contract_id = _record_contract(uow, confirmation, now)
        uow.commit()
        view = confirmation_view(confirmation)
        view["contract_id"] = contract_id
        return view


def _record_contract(uow, confirmation: Confirmation, now: datetime) -> int | None:
    try:
        from market.services.contracts import record_auction_sale
    except ImportError:   # the contracts feature is not installed: the sale stays a confirmation
        log.warning("contracts feature missing: no contract for confirmation %s", confirmation.id)
        return None
    contract = record_auction_sale(
        uow, lot_id=confirmation.lot_id, achievement_id=confirmation.achievement_id,
        seller_org_id=confirmation.seller_id, buyer_org_id=confirmation.winner_id,
        market_code=confirmation.market_code, amount_fen=confirmation.hammer_price_fen,
        signed_on=now, now=now)
    return getattr(contract, "id", None)


def forfeit_confirmation(uow, confirmation_id: int, now: datetime) -> dict | None:
    """On the deadline: the winner's deposit is forfeited and the achievement is published again,
    ready to be re-offered. None when there is nothing to do (signed, already forfeited, not due)."""
    with uow:
        repo = auctions_repo(uow)
        confirmation = repo.confirmation_for_update(confirmation_id)
        if confirmation is None or not confirmation.is_overdue(now):
            return None
        confirmation.forfeit(now)
        registration = repo.registration(confirmation.lot_id, confirmation.winner_id)
        if registration is not None and registration.deposit.status in ("held", "applied"):
            settle_deposit(uow, registration.deposit, "forfeit", now)
        uow.achievements.get(confirmation.achievement_id).reinstate(
            None, now, reason="买受人未在期限内签约 (winner did not sign in time)")
        uow.commit()
        return confirmation_view(confirmation)


def get_confirmation(uow, *, actor_id: int, confirmation_id: int) -> dict:
    with uow:
        repo = auctions_repo(uow)
        confirmation = repo.confirmation(confirmation_id)
        if confirmation is None:
            raise NotFound(f"成交确认书 {confirmation_id} 不存在 (confirmation not found)")
        user = load_actor(uow, actor_id)
        if not (user.operates(confirmation.market_code)
                or user.organisation_id in (confirmation.winner_id, confirmation.seller_id)):
            raise Forbidden()
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
    now = _now(clock)
    with uow_factory() as uow:
        repo = auctions_repo(uow)
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
        if forfeit_confirmation(uow_factory(), confirmation_id, _now(clock)):
            result.forfeited.append(confirmation_id)
    return result


def _deadline_day(now: datetime):
    """Confirmations whose signing day ended before `now` (local dates)."""
    from market.domain.auctions import SHANGHAI
    return now.astimezone(SHANGHAI).date()


def lot_schedule(uow, now: datetime, horizon: timedelta) -> list[tuple[int, str, datetime, datetime]]:
    """For the scheduler: live lots that open or end within the horizon."""
    with uow:
        return auctions_repo(uow).upcoming_lot_times(now + horizon)


def lot_times(uow, lot_id: int) -> tuple[str, datetime, datetime] | None:
    with uow:
        lot = auctions_repo(uow).lot(lot_id)
        return (lot.status, lot.starts_at, lot.ends_at) if lot else None


# =========================================================================== reads

def get_lot(uow, lot_id: int, *, now: datetime, viewer_id: int | None = None) -> dict:
    with uow:
        repo = auctions_repo(uow)
        lot = _lot_or_404(repo, lot_id)
        user = load_optional_actor(uow, viewer_id)
        market = _market_of(repo, lot)
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
        repo = auctions_repo(uow)
        lot = _lot_or_404(repo, lot_id)
        user = load_optional_actor(uow, viewer_id)
        operator = bool(user and user.operates(_market_of(repo, lot)))
        bids = repo.bids(lot.id, accepted_only=not operator)
        return [operator_bid_view(b) if operator else public_bid_view(b) for b in bids]


def get_auction(uow, auction_id: int, *, now: datetime, viewer_id: int | None = None) -> dict:
    """The live view of a session: every lot's state; operators also see reserves, leaders,
    registrations and deposits."""
    with uow:
        repo = auctions_repo(uow)
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
        return auctions_repo(uow).events_after(lot_id, seq)


def lot_is_final(uow, lot_id: int) -> bool | None:
    with uow:
        lot = auctions_repo(uow).lot(lot_id)
        return None if lot is None else lot.status not in LIVE_LOT_STATUSES


# ---- views ----------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


# =========================================================================== demo data

DEMO_AUCTION_TITLE = "G60 科创走廊科技成果拍卖会（演示）"


class _FixedClock:
    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


def seed_demo_auction(uow, now: datetime) -> list[str]:
    """One live auction for `make run`: a lot in its free period with bids (one by proxy), a lot
    about to enter its timed window, and a lot opening later; three enterprises registered, their
    deposits confirmed by the SH operator. Runs each step in its own transaction; does nothing
    when the demo auction exists or the demo accounts are missing."""
    from sqlalchemy import select

    from market.adapters import orm
    from market.domain.accounts import User
    from market.domain.achievements import Achievement

    with uow:
        s = uow.session
        operator = uow.users.by_email("op-sh@yrd.example") or s.scalars(
            select(User).where(orm.users.c.role == "operator", orm.users.c.market_code == "SH")).first()
        if operator is None:
            return ["demo auction skipped: no SH operator (run `market seed-demo` first)"]
        if any(a.title == DEMO_AUCTION_TITLE for a in auctions_repo(uow).auctions("SH")):
            return ["demo auction already there"]
        items = list(s.scalars(select(Achievement).where(orm.achievements.c.status == "published",
                                                         orm.achievements.c.market_code == "SH")
                               .order_by(orm.achievements.c.id).limit(3)))
        bidders = list(s.scalars(select(User).join(orm.organisations, orm.organisations.c.id == orm.users.c.organisation_id)
                                 .where(orm.organisations.c.kind == "enterprise", orm.users.c.role == "member",
                                        orm.users.c.active.is_(True)).order_by(orm.users.c.id).limit(3)))
        operator_id = operator.id
        plan = [(a.id, a.title, a.price_fen) for a in items]
        bidder_ids = [u.id for u in bidders]
    if len(plan) < 3 or len(bidder_ids) < 2:
        return ["demo auction skipped: needs 3 published achievements and 2 enterprise members"]

    auction = create_auction(uow, actor_id=operator_id, market_code="SH", title=DEMO_AUCTION_TITLE,
                             description="限时竞价：自由报价期后进入限时报价期，每次有效出价重新计时（演示数据）。",
                             now=now)
    minute = timedelta(minutes=1)
    timings = [(now - 20 * minute, now + 10 * minute, 300),     # free period, bids coming
               (now - 30 * minute, now + 2 * minute, 120),      # timed window soon
               (now + 30 * minute, now + 90 * minute, 300)]     # opens later today
    lots = []
    for (achievement_id, _title, price), (starts, free_end, window) in zip(plan, timings):
        start = max(price or 0, 500_000_00)
        lots.append(add_lot(uow, actor_id=operator_id, auction_id=auction["id"],
                            achievement_id=achievement_id, starting_price_fen=start,
                            increment_fen=max(start // 100, 1_000_00), deposit_fen=min(start // 10, 50_000_00),
                            reserve_price_fen=start + start // 10, starts_at=starts,
                            free_period_ends_at=free_end, window_seconds=window,
                            now=now - 40 * minute))
    for lot in lots:
        for user_id in bidder_ids:
            reg = register_for_lot(uow, actor_id=user_id, lot_id=lot["id"], now=now - 35 * minute)
            confirm_deposit(uow, actor_id=operator_id, deposit_id=reg["deposit"]["id"],
                            now=now - 30 * minute, reference=f"DEMO-BANK-{reg['deposit']['id']}")
    clock = _FixedClock(now)
    first, second = lots[0], lots[1]
    place_bid(uow, actor_id=bidder_ids[0], lot_id=first["id"], clock=clock,
              amount_fen=first["starting_price_fen"])
    place_bid(uow, actor_id=bidder_ids[1], lot_id=first["id"], clock=clock,
              max_amount_fen=first["starting_price_fen"] + 5 * first["increment_fen"])
    place_bid(uow, actor_id=bidder_ids[0], lot_id=first["id"], clock=clock,
              amount_fen=first["starting_price_fen"] + 2 * first["increment_fen"])
    place_bid(uow, actor_id=bidder_ids[-1], lot_id=second["id"], clock=clock,
              amount_fen=second["starting_price_fen"])
    return [f"demo auction {auction['id']} 「{DEMO_AUCTION_TITLE}」: lots "
            + ", ".join(str(lot["id"]) for lot in lots)
            + f"; live view GET /api/v1/auctions/{auction['id']}, feeds GET /api/v1/lots/{first['id']}/events and GET /api/v1/auctions/{auction['id']}/events"]
