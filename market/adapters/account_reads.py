"""Reads of accounts the hot path needs in one query: the owner of a bearer token.

Every API request asks it, so it is one joined query (token, user, organisation)
read outside any transaction (AUTOCOMMIT), not three ORM loads.
"""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from market.domain.accounts import ApiToken, Organisation, TokenOwner, User


class SqlAlchemyAccountReads:
    def __init__(self, session: Session):
        self.session = session

    def token_owner(self, token_hash: str) -> TokenOwner | None:
        row = self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(
            _statement(), {"token_hash": token_hash}).first()
        if row is None:
            return None
        token = ApiToken(user_id=row.id, token_hash=token_hash, created_at=row.created_at,
                         expires_at=row.expires_at, revoked_at=row.revoked_at)
        return TokenOwner(token, row.active, {
            "id": row.id, "email": row.email, "display_name": row.display_name, "role": row.role,
            "organisation_id": row.organisation_id, "market_code": row.market_code,
            "organisation_kind": row.org_kind, "organisation_name": row.org_name,
            "password_reset_required": row.password_reset_required, "org_role": row.org_role,
            "organisation_status": (row.org_status or "verified") if row.org_kind else None})


@functools.cache
def _statement():
    """Built on first use: the classes are mapped by then."""
    return (select(User.id, User.email, User.display_name, User.role, User.organisation_id, User.market_code,
                   User.active, User.password_reset_required, User.org_role, Organisation.kind.label("org_kind"),
                   Organisation.verification_status.label("org_status"),
                   Organisation.name.label("org_name"), ApiToken.created_at, ApiToken.expires_at,
                   ApiToken.revoked_at)
            .select_from(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(ApiToken.token_hash == bindparam("token_hash")))
