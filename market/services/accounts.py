"""Accounts: organisations, users, login tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from market.domain.accounts import ApiToken, Organisation, User
from market.domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed

from .views import organisation_view, user_view

MIN_PASSWORD = 8


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_organisation(uow, *, name: str, kind: str, province: str, now: datetime,
                        city: str | None = None, credit_code: str | None = None) -> dict:
    org = Organisation(name=name, kind=kind, province=province, city=city,
                       credit_code=credit_code, created_at=now)
    with uow:
        if org.credit_code and uow.organisations.by_credit_code(org.credit_code):
            raise Conflict("该统一社会信用代码已登记 (credit code already registered)",
                           {"credit_code": ["已存在"]})
        uow.organisations.add(org)
        uow.commit()
        return organisation_view(org)


def get_organisation(uow, org_id: int) -> dict:
    with uow:
        org = uow.organisations.get(org_id)
        if org is None:
            raise NotFound(f"机构 {org_id} 不存在")
        return organisation_view(org)


def list_organisations(uow, *, kind=None, province=None, page=1, per_page=50):
    with uow:
        result = uow.organisations.list(kind=kind, province=province, page=page, per_page=per_page)
        result.items = [organisation_view(o) for o in result.items]
        return result


def create_user(uow, hasher, *, email: str, password: str, display_name: str, role: str, now: datetime,
                organisation_id: int | None = None, market_code: str | None = None) -> dict:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed.on("password", f"密码至少{MIN_PASSWORD}位")
    with uow:
        if uow.users.by_email(email):
            raise Conflict("该邮箱已注册 (email already registered)", {"email": ["已存在"]})
        if organisation_id is not None and uow.organisations.get(organisation_id) is None:
            raise ValidationFailed.on("organisation_id", f"机构 {organisation_id} 不存在")
        if market_code is not None and uow.markets.get(market_code) is None:
            raise ValidationFailed.on("market_code", f"市场 {market_code} 不存在")
        user = User(email=email, display_name=display_name, password_hash=hasher.hash(password),
                    role=role, organisation_id=organisation_id, market_code=market_code, created_at=now)
        uow.users.add(user)
        uow.commit()
        return user_view(user)


def login(uow, hasher, *, email: str, password: str, now: datetime, ttl_hours: int) -> dict:
    """Returns a new bearer token. The same message for unknown email and wrong
    password, so the endpoint does not reveal who has an account."""
    with uow:
        user = uow.users.by_email(email or "")
        if user is None or not user.active or not hasher.verify(user.password_hash, password or ""):
            raise Unauthorized("邮箱或密码错误 (wrong email or password)")
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=ttl_hours)
        uow.tokens.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                                expires_at=expires))
        uow.commit()
        return {"token": token, "token_type": "Bearer", "expires_at": expires, "user": user_view(user)}


def authenticate(uow, token: str, now: datetime) -> dict | None:
    """The user behind a bearer token, or None if unknown, expired or revoked."""
    with uow:
        record = uow.tokens.by_hash(hash_token(token))
        if record is None or not record.is_valid(now):
            return None
        user = uow.users.get(record.user_id)
        if user is None or not user.active:
            return None
        return user_view(user)


def revoke_token(uow, token: str, now: datetime) -> None:
    with uow:
        record = uow.tokens.by_hash(hash_token(token))
        if record is not None and record.revoked_at is None:
            record.revoked_at = now
            uow.commit()


def get_user(uow, user_id: int) -> dict:
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound(f"用户 {user_id} 不存在")
        return user_view(user)
