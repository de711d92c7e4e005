"""Deal use cases (协议成交): register and answer interest, make and answer offers, accept one
(the agreement, and its publicity notice for a publicly funded seller), sign (the contract).

Rules of this module:
- what changes an achievement's place in the market (an accepted offer, a signature) takes the
  achievement's row lock first, as adding an auction lot does, so an agreement racing a lot or
  another agreement queues behind it and finds the achievement gone (409); a partial unique
  index on live agreements is the database's own guard;
- offers are answered under the negotiation's row lock: one accepted offer per negotiation;
- a party, or a listing market's operator, who may not see a deal gets a 404, not a 403, so
  that nobody learns which negotiations exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Mapping

from market.domain import taxonomy
from market.domain.deals import Agreement, Interest
from market.domain.errors import Conflict, DuplicateWrite, NotFound, ValidationFailed
from market.domain.publicity import PublicityNotice, publicity_days
from market.domain.onboarding import require_may_trade

from .common import get_or_404, load_actor, local_today
from .contracts import record_agreement_contract
from .deal_views import agreement_view, interest_view, negotiation_view, offer_view, page_view


@dataclass(frozen=True)
class DealRules:
    """PUBLICITY_DAYS: one figure for every market or {market: days}; never below 15."""
    publicity_days: Mapping[str, int] | int | None = None

    def __post_init__(self):
        for code in taxonomy.MARKET_CODES:     # a length below the statutory 15 days is refused up front
            self.days_for(code)

    def days_for(self, market_code: str) -> int:
        return publicity_days(market_code, self.publicity_days)


def rules_from_config(config: Mapping) -> DealRules:
    return DealRules(publicity_days=config.get("PUBLICITY_DAYS"))


def deals_repo(uow):
    """Kept for callers written before `uow.deals` existed: the unit of work's deal repository."""
    return uow.deals


def _visible(obj, user, label: str, ident: int):
    if obj is None or not obj.visible_to(user):
        raise NotFound(f"{label} {ident} 不存在 (not found)")
    return obj


def _commit(uow) -> None:
    """A unique index refusing the write means another deal got there first."""
    try:
        uow.commit()
    except DuplicateWrite as exc:
        uow.rollback()
        raise Conflict("该成果已有协议成交或已被占用 (the achievement was taken meanwhile)",
                       {"achievement_id": ["taken"]}) from exc


# =========================================================================== interest

def register_interest(uow, *, actor_id: int, achievement_id: int, message: str, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        achievement = get_or_404(uow.achievements, achievement_id, "成果")
        if not achievement.visible_to(user):
            raise NotFound(f"成果 {achievement_id} 不存在 (not found)")
        require_may_trade(user, "make_offer")
        interest = Interest(achievement=achievement, buyer_org=user.organisation, user=user,
                            message=message, now=now)
        repo = uow.deals
        if repo.open_interest(achievement.id, interest.buyer_org_id) is not None:
            raise Conflict("本企业对该成果已有进行中的意向 (your company already has an open interest in it)",
                           {"achievement_id": ["duplicate"]})
        repo.add(interest)
        uow.commit()
        return interest_view(interest)


def get_interest(uow, *, actor_id: int, interest_id: int) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        interest = _visible(repo.interest(interest_id), user, "意向", interest_id)
        negotiation = repo.negotiation_of_interest(interest.id)
        return interest_view(interest, negotiation.id if negotiation else None)


def _scope(user) -> dict:
    """Members list their organisation's deals, operators their market's, the admin all."""
    return {"org_id": user.organisation_id if user.role == "member" else None,
            "market_code": user.market_code if user.role == "operator" else None,
            "everything": user.is_admin}


def list_interests(uow, *, actor_id: int, status: str | None = None, page: int = 1, per_page: int = 20) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        items, total = repo.interests(**_scope(user), status=status, page=page, per_page=per_page)
        return page_view([interest_view(i) for i in items], total, page, per_page)


def accept_interest(uow, *, actor_id: int, interest_id: int, now: datetime) -> dict:
    """The holder accepts to negotiate: the negotiation opens."""
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        interest = _visible(repo.interest(interest_id, lock=True), user, "意向", interest_id)
        existing = repo.negotiation_of_interest(interest.id)
        if existing is not None and interest.status == "negotiating":
            interest.require_holder(user)
            return negotiation_view(existing, now)        # a retried accept: the same negotiation
        negotiation = interest.accept(user, now)
        negotiation.interest_id = interest.id
        repo.add(negotiation)
        uow.commit()
        return negotiation_view(negotiation, now)


def decline_interest(uow, *, actor_id: int, interest_id: int, reason: str, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        interest = _visible(uow.deals.interest(interest_id, lock=True), user, "意向", interest_id)
        interest.decline(user, reason, now)
        uow.commit()
        return interest_view(interest)


# =========================================================================== negotiations and offers

def get_negotiation(uow, *, actor_id: int, negotiation_id: int, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        negotiation = _visible(repo.negotiation(negotiation_id), user, "洽谈", negotiation_id)
        agreement = repo.agreement_of_negotiation(negotiation.id)
        return negotiation_view(negotiation, now, agreement.id if agreement else None)


def list_negotiations(uow, *, actor_id: int, now: datetime, status: str | None = None, page: int = 1,
                      per_page: int = 20) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        items, total = uow.deals.negotiations(**_scope(user), status=status, page=page, per_page=per_page)
        return page_view([negotiation_view(n, now) for n in items], total, page, per_page)


def _terms(uow, negotiation, terms: dict) -> dict:
    """The offer's terms, with the transfer modes the holder listed the achievement for."""
    achievement = uow.achievements.get(negotiation.achievement_id)
    return {"price_fen": terms.get("price_fen"), "transfer_mode": terms.get("transfer_mode"),
            "payment_terms": terms.get("payment_terms"), "valid_days": terms.get("valid_days"),
            "allowed_modes": tuple(achievement.transfer_modes or ()) if achievement else ()}


def make_offer(uow, *, actor_id: int, negotiation_id: int, terms: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        negotiation = _visible(uow.deals.negotiation(negotiation_id, lock=True), user, "洽谈", negotiation_id)
        require_may_trade(user, "make_offer")
        offer = negotiation.propose(user, now=now, **_terms(uow, negotiation, terms))
        uow.commit()
        return offer_view(offer, now)


def _offer_under_lock(uow, user, offer_id: int):
    """The offer and its negotiation, read under the negotiation's row lock."""
    repo = uow.deals
    negotiation_id = repo.negotiation_id_of_offer(offer_id)
    negotiation = repo.negotiation(negotiation_id, lock=True) if negotiation_id is not None else None
    negotiation = _visible(negotiation, user, "报价", offer_id)
    offer = next(o for o in negotiation.offers if o.id == offer_id)
    return negotiation, offer


def counter_offer(uow, *, actor_id: int, offer_id: int, terms: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        negotiation, offer = _offer_under_lock(uow, user, offer_id)
        require_may_trade(user, "make_offer")
        counter = negotiation.counter(user, offer, now=now, **_terms(uow, negotiation, terms))
        uow.commit()
        return offer_view(counter, now)


def decline_offer(uow, *, actor_id: int, offer_id: int, reason: str | None, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        negotiation, offer = _offer_under_lock(uow, user, offer_id)
        negotiation.decline(user, offer, reason, now)
        uow.commit()
        return offer_view(offer, now)


def accept_offer(uow, *, actor_id: int, offer_id: int, now: datetime, rules: DealRules = DealRules()) -> dict:
    """The other side accepts: the agreement is made and the achievement leaves the market; a
    publicly funded seller's agreement opens its publicity notice, anyone else's is signable."""
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        negotiation, offer = _offer_under_lock(uow, user, offer_id)
        replay = _accepted_before(repo, negotiation, offer, user)
        if replay is not None:
            return replay
        negotiation.accept(user, offer, now)
        achievement = uow.achievements.get_for_update(negotiation.achievement_id)
        if repo.live_agreement_for_achievement(achievement.id) is not None:
            raise Conflict("该成果已有协议成交 (already agreed with another buyer)", {"achievement_id": ["in_agreement"]})
        achievement.start_agreement(user.id, now, detail={"negotiation_id": negotiation.id})   # or 409
        seller = uow.organisations.get(negotiation.seller_org_id)
        agreement = Agreement(negotiation=negotiation, offer=offer, publicly_funded=seller.publicly_funded, now=now)
        repo.add(agreement)
        uow.flush()
        notice = None
        if agreement.status == "in_publicity":
            buyer = uow.organisations.get(negotiation.buyer_org_id)
            notice = PublicityNotice(agreement=agreement, achievement_title=achievement.title,
                                     seller_name=seller.name, buyer_name=buyer.name,
                                     days=rules.days_for(agreement.market_code), now=now)
            repo.add(notice)
            uow.flush()
        _commit(uow)
        return agreement_view(agreement, notice.id if notice else None)


def _signing_day(agreement, notice, signed_on: date | None, now: datetime) -> date:
    """The contract's date: today by default; never before the agreement, nor before the
    publicity ended (the law's point is that the public sees the price before the signature)."""
    if signed_on is None:
        return local_today(now)
    earliest = local_today(notice.ends_at if notice is not None else agreement.created_at)
    if signed_on < earliest:
        raise ValidationFailed.on("signed_on", f"签订日期不能早于 {earliest.isoformat()} "
                                               "(not before the agreement and its publicity)")
    return signed_on


def _accepted_before(repo, negotiation, offer, user) -> dict | None:
    """A retried accept by the side that accepted answers the agreement it made."""
    if offer.status != "accepted" or negotiation.side_of(user) is None or negotiation.side_of(user) == offer.side:
        return None
    agreement = repo.agreement_of_negotiation(negotiation.id)
    if agreement is None or agreement.offer_id != offer.id:
        return None
    notice = repo.notice_of_agreement(agreement.id)
    return agreement_view(agreement, notice.id if notice else None)


# =========================================================================== agreements

def get_agreement(uow, *, actor_id: int, agreement_id: int) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        agreement = _visible(repo.agreement(agreement_id), user, "协议", agreement_id)
        notice = repo.notice_of_agreement(agreement.id)
        return agreement_view(agreement, notice.id if notice else None)


def sign_agreement(uow, *, actor_id: int, agreement_id: int, now: datetime, signed_on: date | None = None) -> dict:
    """The signature: the achievement is sold and the contract is made through the contracts
    service, in one transaction. A retried signing answers the signed agreement again."""
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        agreement = _visible(repo.agreement(agreement_id, lock=True), user, "协议", agreement_id)
        notice = repo.notice_of_agreement(agreement.id)
        if agreement.status == "signed" and agreement.contract_id is not None:
            return agreement_view(agreement, notice.id if notice else None)
        agreement.sign(user, now)
        day = _signing_day(agreement, notice, signed_on, now)
        uow.achievements.get_for_update(agreement.achievement_id).sell_by_agreement(
            user.id, now, detail={"agreement_id": agreement.id})
        contract = record_agreement_contract(uow, agreement=agreement, publicity_notice_id=notice.id if notice else None,
                                             signed_on=day, now=now, actor_id=user.id)
        agreement.contract_id = contract.id
        _commit(uow)
        return agreement_view(agreement, notice.id if notice else None)
