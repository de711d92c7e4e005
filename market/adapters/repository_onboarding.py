"""Repositories of joining the platform: e-mailed links and join requests."""
from __future__ import annotations

from sqlalchemy import select

from market.domain.onboarding import AccountLink, JoinRequest

from . import orm_onboarding as t
from .repository import Repository


class AccountLinkRepository(Repository):
    model = AccountLink

    def by_hash(self, token_hash: str, *, lock: bool = False) -> AccountLink | None:
        """The link, row-locked when it is about to be spent (two clicks race: one wins)."""
        stmt = select(AccountLink).where(t.account_links.c.token_hash == token_hash)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def open_for(self, email: str, purpose: str) -> list[AccountLink]:
        c = t.account_links.c
        return list(self.session.scalars(select(AccountLink).where(
            c.email == email, c.purpose == purpose, c.used_at.is_(None))))


class JoinRequestRepository(Repository):
    model = JoinRequest

    def pending(self, org_id: int) -> list[JoinRequest]:
        c = t.join_requests.c
        return list(self.session.scalars(select(JoinRequest).where(
            c.organisation_id == org_id, c.status == "pending").order_by(c.id)))

    def pending_of_user(self, user_id: int) -> list[JoinRequest]:
        c = t.join_requests.c
        return list(self.session.scalars(select(JoinRequest).where(
            c.user_id == user_id, c.status == "pending").order_by(c.id)))
