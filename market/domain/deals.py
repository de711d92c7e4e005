"""Deals without an auction (协议成交): interest, negotiation, offers, the agreement.

A company registers interest (意向登记) in a published achievement; the holder accepts to
negotiate (洽谈) or declines with a reason. In a negotiation either side proposes a price and
terms (报价); the other side accepts, declines or counters, and an offer lapses at its
`expires_at`. The first accepted offer makes the agreement (协议定价); there is at most one per
negotiation, and the achievement leaves the market (`in_agreement`) so that no lot or second
agreement can take it. A publicly funded seller's agreement goes through the publicity period
(see `publicity.py`) before it can be signed; any other seller's is signable at once.

Every rule takes `now` (and money in integer fen) as arguments: the domain never reads a clock.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from . import taxonomy
from .errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from .money import MAX_AMOUNT_FEN

MAX_MESSAGE, MAX_REASON, MAX_TERMS = 2000, 500, 2000
OFFER_VALID_DAYS, MAX_OFFER_VALID_DAYS = 7, 60

INTEREST_STATUSES = ("pending", "negotiating", "declined", "closed")
NEGOTIATION_STATUSES = ("open", "agreed", "closed")
OFFER_STATUSES = ("open", "accepted", "declined", "countered", "expired")
AGREEMENT_STATUSES = ("in_publicity", "signable", "signed", "voided")
#: agreements that hold the achievement (at most one per achievement, enforced by an index too)
LIVE_AGREEMENT_STATUSES = ("in_publicity", "signable", "signed")
SIDES = ("buyer", "holder")

#: an agreement's transfer mode -> the type its contract is registered as
CONTRACT_TYPE_OF_MODE = {"转让": "技术转让", "普通许可": "技术许可", "独占许可": "技术许可",
                         "作价入股": "技术转让", "合作开发": "技术开发"}


def clean_text(value: str | None, field: str, max_len: int, *, required: bool, label: str) -> str:
    """Trimmed text within its length; required ones must say something."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.on(field, f"{label}不能为空 ({field} is required)")
    if len(text) > max_len:
        raise ValidationFailed.on(field, f"{label}不能超过{max_len}字 (too long)")
    return text


def _move(entity, allowed: tuple[str, ...], target: str, label: str, action: str) -> None:
    if entity.status not in allowed:
        raise IllegalTransition(f"{label}当前状态为「{entity.status}」，不能{action} "
                                f"(cannot {action} from {entity.status})")
    entity.status = target


def side_of(user, seller_org_id: int, buyer_org_id: int) -> str | None:
    """Which side a user speaks for: members of the buyer or of the holder organisation only."""
    if user is None or getattr(user, "role", None) != "member":
        return None
    org = getattr(user, "organisation_id", None)
    if org == buyer_org_id:
        return "buyer"
    if org == seller_org_id:
        return "holder"
    return None


class Interest:
    """意向登记: a company's interest in a published achievement, answered by the holder."""

    def __init__(self, *, achievement, buyer_org, user, message: str, now: datetime):
        if achievement.status != "published":
            raise Conflict(f"成果当前状态为「{achievement.status}」，不能登记意向 (achievement not on the market)",
                           {"achievement_id": [achievement.status]})
        if getattr(buyer_org, "kind", None) != "enterprise" or user.organisation_id != buyer_org.id:
            raise Forbidden("只有企业成员可以为本企业登记意向 (members of a company, for their company)")
        if buyer_org.id == achievement.holder_id:
            raise ValidationFailed.on("achievement_id", "不能对本机构的成果登记意向 (own achievement)")
        self.achievement_id, self.buyer_org_id = achievement.id, buyer_org.id
        self.seller_org_id, self.market_code = achievement.holder_id, achievement.market_code
        self.message = clean_text(message, "message", MAX_MESSAGE, required=True, label="意向说明")
        self.status, self.decline_reason = "pending", None
        self.created_by_id, self.answered_by_id = user.id, None
        self.created_at = self.updated_at = now
        self.answered_at = None

    def visible_to(self, user) -> bool:
        return user is not None and (side_of(user, self.seller_org_id, self.buyer_org_id) is not None
                                     or user.operates(self.market_code))

    def require_holder(self, user) -> None:
        if side_of(user, self.seller_org_id, self.buyer_org_id) != "holder":
            raise Forbidden("只有成果所属机构的成员可以答复意向 (holder's members only)")

    def accept(self, user, now: datetime) -> "Negotiation":
        self.require_holder(user)
        _move(self, ("pending",), "negotiating", "意向", "接受洽谈")
        self.answered_by_id, self.answered_at, self.updated_at = user.id, now, now
        return Negotiation(interest=self, now=now)

    def decline(self, user, reason: str, now: datetime) -> None:
        self.require_holder(user)
        reason = clean_text(reason, "reason", MAX_REASON, required=True, label="拒绝理由")
        _move(self, ("pending",), "declined", "意向", "拒绝")
        self.decline_reason = reason
        self.answered_by_id, self.answered_at, self.updated_at = user.id, now, now

    def close(self, now: datetime) -> None:
        """Its deal was voided: the company may register a new interest."""
        _move(self, ("negotiating",), "closed", "意向", "关闭")
        self.updated_at = now


def check_offer_terms(price_fen, transfer_mode, valid_days, allowed_modes=()) -> int:
    """An offer's price, mode and validity, all checked at once; returns the validity in days."""
    errors: dict[str, list[str]] = {}
    if not isinstance(price_fen, int) or isinstance(price_fen, bool) or not 0 < price_fen <= MAX_AMOUNT_FEN:
        errors["price_fen"] = ["报价必须是大于0的整数(分) (a positive whole number of fen)"]
    if transfer_mode not in taxonomy.TRANSFER_MODES:
        errors["transfer_mode"] = [f"交易方式必须是以下之一: {'、'.join(taxonomy.TRANSFER_MODES)}"]
    elif allowed_modes and transfer_mode not in allowed_modes:
        errors["transfer_mode"] = [f"该成果只接受: {'、'.join(allowed_modes)} (mode not offered by the holder)"]
    days = OFFER_VALID_DAYS if valid_days is None else valid_days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_OFFER_VALID_DAYS:
        errors["valid_days"] = [f"有效期应为 1 到 {MAX_OFFER_VALID_DAYS} 天 (1 to {MAX_OFFER_VALID_DAYS} days)"]
    if errors:
        raise ValidationFailed("报价有误 (invalid offer)", errors)
    return days


class Offer:
    """报价: a price and terms proposed by one side, answered by the other before it lapses."""

    def __init__(self, *, negotiation_id: int | None, side: str, user_id: int, price_fen, transfer_mode,
                 payment_terms: str | None, now: datetime, valid_days: int | None = None,
                 allowed_modes=(), replaces_id: int | None = None):
        days = check_offer_terms(price_fen, transfer_mode, valid_days, allowed_modes)
        self.negotiation_id, self.side, self.created_by_id = negotiation_id, side, user_id
        self.price_fen, self.transfer_mode = price_fen, transfer_mode
        self.payment_terms = clean_text(payment_terms, "payment_terms", MAX_TERMS, required=False, label="付款安排")
        self.status, self.replaces_id = "open", replaces_id
        self.created_at = now
        self.expires_at = now + timedelta(days=days)
        self.answered_at = self.answered_by_id = self.decline_reason = None

    def display_status(self, now: datetime) -> str:
        """An open offer past its time reads `expired` without anyone writing it."""
        return "expired" if self.status == "open" and now >= self.expires_at else self.status

    def _answer(self, user_id: int, now: datetime, target: str, action: str) -> None:
        if self.display_status(now) == "expired":
            raise IllegalTransition(f"报价已于 {self.expires_at.isoformat()} 过期，不能{action} (offer expired)")
        _move(self, ("open",), target, "报价", action)
        self.answered_by_id, self.answered_at = user_id, now


class Negotiation:
    """洽谈: the exchange of offers between one buyer and the holder over one achievement."""

    def __init__(self, *, interest: Interest, now: datetime):
        self.interest_id = getattr(interest, "id", None)
        self.achievement_id, self.market_code = interest.achievement_id, interest.market_code
        self.buyer_org_id, self.seller_org_id = interest.buyer_org_id, interest.seller_org_id
        self.status = "open"
        self.created_at = self.updated_at = now
        self.offers: list[Offer] = []

    # --- who ---------------------------------------------------------------
    def side_of(self, user) -> str | None:
        return side_of(user, self.seller_org_id, self.buyer_org_id)

    def visible_to(self, user) -> bool:
        """The two parties and the listing market's operators; nobody else sees the offers."""
        return user is not None and (self.side_of(user) is not None or user.operates(self.market_code))

    def _require_side(self, user) -> str:
        side = self.side_of(user)
        if side is None:
            raise Forbidden("只有洽谈双方的成员可以报价或答复 (members of the two parties only)")
        return side

    def _require_open(self) -> None:
        if self.status != "open":
            raise IllegalTransition(f"洽谈当前状态为「{self.status}」，不能再报价 (negotiation is {self.status})")

    def open_offer(self, now: datetime) -> Offer | None:
        return next((o for o in self.offers if o.display_status(now) == "open"), None)

    # --- offers --------------------------------------------------------------
    def propose(self, user, *, price_fen, transfer_mode, payment_terms=None, valid_days=None,
                allowed_modes=(), now: datetime) -> Offer:
        """A new offer while none is open (an open one is answered, or countered, first)."""
        side = self._require_side(user)
        self._require_open()
        pending = self.open_offer(now)
        if pending is not None:
            raise Conflict(f"已有待答复的报价 #{pending.id}，请先答复或还价 (an offer is open: answer or counter it)",
                           {"offer_id": [str(pending.id)]})
        return self._add(side, user, price_fen, transfer_mode, payment_terms, valid_days, allowed_modes, now)

    def _add(self, side, user, price_fen, transfer_mode, payment_terms, valid_days, allowed_modes, now,
             replaces_id=None) -> Offer:
        offer = Offer(negotiation_id=getattr(self, "id", None), side=side, user_id=user.id,
                      price_fen=price_fen, transfer_mode=transfer_mode, payment_terms=payment_terms,
                      valid_days=valid_days, allowed_modes=allowed_modes, now=now, replaces_id=replaces_id)
        self.offers.append(offer)
        self.updated_at = now
        return offer

    def _require_answerer(self, user, offer: Offer) -> None:
        side = self._require_side(user)
        if offer not in self.offers:
            raise ValidationFailed.on("offer_id", "报价不属于该洽谈 (offer of another negotiation)")
        if side == offer.side:
            raise Forbidden("报价须由另一方答复 (the other side answers an offer)")
        self._require_open()

    def counter(self, user, offer: Offer, *, price_fen, transfer_mode, payment_terms=None, valid_days=None,
                allowed_modes=(), now: datetime) -> Offer:
        """还价: the answer is a new offer from the other side; the old one is marked countered."""
        self._require_answerer(user, offer)
        check_offer_terms(price_fen, transfer_mode, valid_days, allowed_modes)   # before the old one moves
        clean_text(payment_terms, "payment_terms", MAX_TERMS, required=False, label="付款安排")
        offer._answer(user.id, now, "countered", "还价")
        return self._add(self.side_of(user), user, price_fen, transfer_mode, payment_terms, valid_days,
                         allowed_modes, now, replaces_id=getattr(offer, "id", None))

    def decline(self, user, offer: Offer, reason: str | None, now: datetime) -> None:
        self._require_answerer(user, offer)
        text = clean_text(reason, "reason", MAX_REASON, required=False, label="拒绝理由")
        offer._answer(user.id, now, "declined", "拒绝")
        offer.decline_reason = text or None
        self.updated_at = now

    def close(self, now: datetime) -> None:
        """Its agreement was voided: no more offers here."""
        _move(self, ("agreed",), "closed", "洽谈", "关闭")
        self.updated_at = now

    def accept(self, user, offer: Offer, now: datetime) -> None:
        """The one accepted offer of this negotiation (a second accept finds it agreed: 409)."""
        self._require_answerer(user, offer)
        offer._answer(user.id, now, "accepted", "接受")
        self.status, self.updated_at = "agreed", now


class Agreement:
    """协议成交: the accepted offer's price and terms, on their way to a signed contract."""

    def __init__(self, *, negotiation: Negotiation, offer: Offer, publicly_funded: bool, now: datetime):
        self.negotiation_id, self.offer_id = getattr(negotiation, "id", None), getattr(offer, "id", None)
        self.achievement_id, self.market_code = negotiation.achievement_id, negotiation.market_code
        self.seller_org_id, self.buyer_org_id = negotiation.seller_org_id, negotiation.buyer_org_id
        self.price_fen, self.transfer_mode = offer.price_fen, offer.transfer_mode
        self.payment_terms = offer.payment_terms
        self.publicly_funded = bool(publicly_funded)
        # a publicly funded seller must publish the deal first (协议定价公示); others sign at once
        self.status = "in_publicity" if self.publicly_funded else "signable"
        self.created_at = self.updated_at = now
        self.signed_at = self.voided_at = self.void_reason = None
        self.contract_id = None

    @property
    def contract_type(self) -> str:
        return CONTRACT_TYPE_OF_MODE[self.transfer_mode]

    def side_of(self, user) -> str | None:
        return side_of(user, self.seller_org_id, self.buyer_org_id)

    def visible_to(self, user) -> bool:
        return user is not None and (self.side_of(user) is not None or user.operates(self.market_code))

    def become_signable(self, now: datetime) -> None:
        _move(self, ("in_publicity",), "signable", "协议", "进入待签约")
        self.updated_at = now

    def void(self, reason: str, now: datetime) -> None:
        _move(self, ("in_publicity", "signable"), "voided", "协议", "作废")
        self.void_reason, self.voided_at, self.updated_at = reason, now, now

    def sign(self, user, now: datetime) -> None:
        """Either party's member records the signature (or the listing market's operator)."""
        if self.side_of(user) is None and not user.operates(self.market_code):
            raise Forbidden("只有协议双方的成员或挂牌市场的运营人员可以签约 (the parties or the market only)")
        if self.status == "in_publicity":
            raise IllegalTransition("公示期未结束或仍有异议未处理，不能签约 (publicity not over)")
        _move(self, ("signable",), "signed", "协议", "签约")
        self.signed_at = self.updated_at = now
