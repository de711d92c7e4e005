"""Auction use cases: sessions and lots, registration and deposits, cancelling and re-offering,
signing the sale confirmation. Opening, closing and settling are in `lot_close`, bidding in
`bidding`, the read models in `market.views.auctions`, the demo seed in `seed_auction`; their
names are re-exported here for the callers that import them from this module.

Rules of this module:
- every lot UPDATE is conditional on the version read, so a close happens once whoever runs it
  and however often; lot changes other than bids take the lot's row lock (`lot_for_update`);
- live events are stored with the change and published only after the commit (the message bus);
- every deposit state change goes through `settle_deposit`, the one place money moves (the
  deposit records the move; the message bus writes the gateway command in the same transaction).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from market.domain.auctions import AuctionSession, Confirmation, Lot
from market.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from market.domain.onboarding import require_may_trade
from market.domain.payments import PaymentError
from market.views.auctions import (  # noqa: F401 (re-exported: the read models' old home)
    _session_status, auction_view, confirmation_view, deposit_view, get_auction, get_confirmation,
    get_lot, list_auctions, list_lot_bids, lot_events_after, lot_is_final, lot_schedule, lot_times,
    lot_view, my_registrations, operator_bid_view, public_bid_view, registration_view)

from .auction_common import (  # noqa: F401 (re-exported)
    BIDDER_KINDS, DEFAULT_RULES, AuctionRules, auctions_repo, lot_or_404, market_of, now_of,
    require_operator, rules_from_config)
from .bidding import OPTIMISTIC_TRIES, bid_response, place_bid  # noqa: F401 (re-exported)
from .common import load_actor, require_market
from .contracts import record_auction_sale
from .lot_close import (  # noqa: F401 (re-exported)
    SweepResult, close_lot, close_lot_by_hand, forfeit_confirmation, open_lot, settle_deposit,
    start_timed_window, sweep)
from .deposit_payments import start_deposit_payment
from .notifications import auctions as notify

log = logging.getLogger(__name__)


# =========================================================================== sessions and lots

def create_auction(uow, *, actor_id: int, market_code: str, title: str, now: datetime,
                   description: str = "") -> dict:
    with uow:
        require_market(uow, market_code)
        user = require_operator(uow, actor_id, market_code)
        session = AuctionSession(market_code=market_code, title=title, description=description,
                                 operator_id=user.id, created_at=now)
        uow.auctions.add(session)
        uow.commit()
        return auction_view(session, [], now, operator=True)


def add_lot(uow, *, actor_id: int, auction_id: int, achievement_id: int, starting_price_fen: int,
            increment_fen: int, deposit_fen: int, starts_at: datetime, free_period_ends_at: datetime,
            window_seconds: int = 300, reserve_price_fen: int | None = None, now: datetime,
            reoffer_of_id: int | None = None) -> dict:
    """Offer a published achievement in a session (it goes `in_auction` until the lot ends)."""
    with uow:
        repo = uow.auctions
        session = repo.auction(auction_id, lock=True)   # lot numbers are given one at a time
        if session is None:
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        user = require_operator(uow, actor_id, session.market_code)
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
        uow.publish_to(bus)
        repo = uow.auctions
        lot = lot_or_404(uow, lot_id, lock=True)
        require_operator(uow, actor_id, market_of(uow, lot))
        cancelled = lot.cancel(now, reason)
        uow.achievements.get(lot.achievement_id).return_from_auction(actor_id, now, reason=f"撤拍: {reason}")
        for registration in repo.registrations_of(lot.id):
            if registration.deposit.status in ("pending", "held"):
                settle_deposit(uow, registration.deposit, "release", now, rules)
        notify.on_deposits_settled(uow, lot_id=lot.id, now=now)
        repo.add_events(lot, cancelled)
        uow.commit()
        return lot_view(lot, now, operator=True)


def reoffer_lot(uow, *, actor_id: int, lot_id: int, starts_at: datetime,
                free_period_ends_at: datetime, now: datetime, auction_id: int | None = None,
                starting_price_fen: int | None = None, increment_fen: int | None = None,
                reserve_price_fen: int | None = None, deposit_fen: int | None = None,
                window_seconds: int | None = None) -> dict:
    """Offer again an achievement whose lot did not sell, was cancelled, or whose winner forfeited."""
    with uow:
        repo = uow.auctions
        old = lot_or_404(uow, lot_id)
        confirmation = repo.confirmation_of_lot(old.id)
        forfeited = confirmation is not None and confirmation.status == "forfeited"
        if old.status not in ("unsold", "cancelled") and not forfeited:
            raise Conflict("只有流拍、撤拍或买受人违约的拍品可以重新拍卖 (only unsold, cancelled or forfeited lots)")
        session = repo.auction(auction_id or old.session_id, lock=True)
        if session is None:
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        user = require_operator(uow, actor_id, session.market_code)
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
        repo = uow.auctions
        lot = lot_or_404(uow, lot_id, lock=True)
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
    uow.flush()
    notify.on_registered(uow, lot_id=lot.id, user_id=user.id, paddle_no=registration.paddle_no,
                         deposit_fen=registration.deposit.amount_fen, now=now)
    uow.commit()
    return registration


def _open_online_hold(uow, gateway, actor_id: int, deposit_id: int, now: datetime) -> dict | None:
    """Ask an online gateway for the deposit's hold once the registration is committed: a provider
    call never runs inside our transaction (nor holds the lot's lock). If the provider cannot be
    reached, the registration stands and the bidder asks again (POST /deposits/{id}/payment/intent)."""
    if gateway is None or getattr(gateway, "name", "manual") == "manual":
        return None
    try:
        return start_deposit_payment(lambda: uow, gateway, actor_id=actor_id, deposit_id=deposit_id,
                                     now=now)
    except PaymentError:
        log.warning("deposit %s: payment provider unavailable at registration", deposit_id)
        return None


def confirm_deposit(uow, *, actor_id: int, deposit_id: int, now: datetime,
                    reference: str | None = None) -> dict:
    """The operator has seen the bank transfer arrive (manual gateway): the deposit is held."""
    with uow:
        repo = uow.auctions
        deposit = uow.deposits.get(deposit_id, lock=True)
        if deposit is None:
            raise NotFound(f"保证金 {deposit_id} 不存在 (deposit not found)")
        lot = repo.lot(uow.deposits.lot_id_of(deposit.id))
        require_operator(uow, actor_id, market_of(uow, lot))
        if deposit.gateway != "manual":
            raise Conflict("线上支付的保证金由支付渠道确认 (online deposits are confirmed by the gateway)")
        deposit.hold(now, reference=reference or deposit.reference)
        notify.on_deposit_changed(uow, deposit_id=deposit.id, status=deposit.status, now=now)
        uow.commit()
        return deposit_view(deposit)


# =========================================================================== confirmations

def sign_confirmation(uow, *, actor_id: int, confirmation_id: int, now: datetime) -> dict:
    """The operator records the winner's signature: the deal becomes a technology contract in the
    same transaction (the achievement has been sold since the close)."""
    with uow:
        repo = uow.auctions
        confirmation = repo.confirmation_for_update(confirmation_id)
        if confirmation is None:
            raise NotFound(f"成交确认书 {confirmation_id} 不存在 (confirmation not found)")
        user = require_operator(uow, actor_id, confirmation.market_code)
        confirmation.sign(now, user.id)
        contract_id = _record_contract(uow, confirmation, now)
        uow.commit()
        view = confirmation_view(confirmation)
        view["contract_id"] = contract_id
        return view


def _record_contract(uow, confirmation: Confirmation, now: datetime) -> int | None:
    contract = record_auction_sale(
        uow, lot_id=confirmation.lot_id, achievement_id=confirmation.achievement_id,
        seller_org_id=confirmation.seller_id, buyer_org_id=confirmation.winner_id,
        market_code=confirmation.market_code, amount_fen=confirmation.hammer_price_fen,
        signed_on=now, now=now)
    return getattr(contract, "id", None)


def seed_demo_auction(uow, now: datetime) -> list[str]:
    """Kept for callers of the old name: see `seed_auction.seed_demo_auction`."""
    from .seed_auction import seed_demo_auction as seed   # the seed imports this module's use cases
    return seed(uow, now)
