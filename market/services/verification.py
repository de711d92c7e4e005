"""Verifying organisations that signed themselves up (实名认证, issue 20): the queue of a market's
unverified organisations, and an operator's decision (who and when are recorded on the
organisation; its members are told by mail)."""
from __future__ import annotations

from datetime import datetime

from market.domain import onboarding

from . import account_mail as mails
from .common import get_or_404, load_actor
from .views import organisation_view


def verification_queue(uow, *, actor_id: int, market_code: str | None = None) -> list[dict]:
    """An operator's own market's queue; the admin sees every market's, or the one named."""
    with uow:
        user = load_actor(uow, actor_id)
        if user.role == "operator":
            user.require_operator_of(market_code or user.market_code)
            market_code = user.market_code
        elif not user.is_admin:
            user.require_operator_of(market_code)
        return [organisation_view(o) for o in uow.organisations.awaiting_verification(market_code)]


def decide(uow, post, *, actor_id: int, org_id: int, verified: bool, now: datetime,
           reason: str | None = None) -> dict:
    with uow:
        operator = load_actor(uow, actor_id)
        org = get_or_404(uow.organisations, org_id, "机构")
        if verified:
            onboarding.verify(org, operator, now)
        else:
            onboarding.reject(org, operator, now, reason)
        uow.commit()
        view = organisation_view(org)
        letters = [mails.verification_mail(post, m.email, org.name, verified, org.rejection_reason)
                   for m in uow.users.members_of(org.id) if m.active]
    for letter in letters:
        post.send(letter)
    return view
