"""Accounts: organisations, users, login tokens."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta

from market.domain.accounts import ApiToken, Organisation, User
from market.domain.credentials import AccountLocked, check_password
from market.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed

from .common import default_market_for
from .views import organisation_view, user_view


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_organisation(uow, *, name: str, kind: str, province: str, now: datetime,
                        city: str | None = None, credit_code: str | None = None,
                        publicly_funded: bool | None = None) -> dict:
    org = Organisation(name=name, kind=kind, province=province, city=city,
                       credit_code=credit_code, created_at=now, publicly_funded=publicly_funded)
    with uow:
        org.market_code = default_market_for(uow, org.province)   # its home market (issue 20)
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
    check_password(password, email)
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


def login(uow, hasher, *, email: str, password: str, now: datetime, ttl_hours: int, throttle=None) -> dict:
    """Returns a new bearer token. The same message, and the same work, for an unknown e-mail
    and a wrong password (an unknown one is verified against a dummy hash), so neither the
    answer nor its time reveals who has an account. `throttle` locks an account out after
    repeated failures (see market.adapters.login_throttle)."""
    throttle = throttle or NO_THROTTLE
    wait = throttle.wait_seconds(email)
    if wait:
        raise AccountLocked(wait)
    with uow:
        user = uow.users.by_email(email or "")
        matches = hasher.verify(user.password_hash if user else hasher.dummy_hash, password or "")
        if user is None or not user.active or not matches:
            throttle.failed(email)
            raise Unauthorized("邮箱或密码错误 (wrong email or password)")
        throttle.succeeded(email)
        if not getattr(user, "email_confirmed", True):   # the right password only: reveals nothing
            raise Forbidden("请先打开确认邮件中的链接确认邮箱 (confirm your e-mail address first: see the mail "
                            "we sent)", {"email": ["unconfirmed"]})
        answer = issue_token(uow, user, now, ttl_hours)
        uow.commit()
        return answer


def issue_token(uow, user, now: datetime, ttl_hours: int) -> dict:
    """A new bearer token for `user` (added to the unit of work; the caller commits)."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=ttl_hours)
    uow.tokens.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=expires))
    return {"token": token, "token_type": "Bearer", "expires_at": expires, "user": user_view(user)}


class _NoThrottle:
    def wait_seconds(self, email):
        return 0

    def failed(self, email):
        return 0

    def succeeded(self, email):
        pass


NO_THROTTLE = _NoThrottle()


class TokenCache:
    """Who a bearer token belongs to, remembered by one worker process for at most `max_age` s.

    Why it still honours revocation at once: each entry records the shared revocation version
    (market.adapters.revocations) read before the database was asked; every logout, "log out
    everywhere" and password change bumps that version after its commit, and an entry is used only
    while its version is still current. So no worker accepts a token after its revocation was
    committed. Expiry is exact: `expires_at` is checked on every use. Without a shared version
    (no Redis) nothing is cached."""

    def __init__(self, max_size: int = 10_000, monotonic=time.monotonic):
        self.max_size = max_size
        self.monotonic = monotonic
        self._entries: dict[str, tuple[float, int, datetime, dict]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str, now: datetime, max_age: float, version: int) -> dict | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        fetched, cached_version, expires_at, view = entry
        if cached_version != version or self.monotonic() - fetched >= max_age or now >= expires_at:
            self.forget(token_hash)
            return None
        return view

    def put(self, token_hash: str, version: int, expires_at: datetime, view: dict) -> None:
        with self._lock:
            if len(self._entries) >= self.max_size:
                self._entries.clear()   # crude, but bounded; a miss costs one query
            self._entries[token_hash] = (self.monotonic(), version, expires_at, view)

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)


def authenticate(uow, token: str, now: datetime, max_age: float = 0.0, cache: TokenCache | None = None,
                 revocations=None) -> dict | None:
    """The user behind a bearer token, or None if unknown, expired or revoked.

    One joined query (token, user, organisation), read outside any transaction. With a `cache`,
    `max_age` > 0 and a shared revocation version, the answer is reused (see TokenCache)."""
    token_hash = hash_token(token)
    version = revocations.version() if cache is not None and max_age > 0 and revocations else None
    if version is not None:
        cached = cache.get(token_hash, now, max_age, version)
        if cached is not None:
            return cached
    with uow:
        found = _token_owner(uow, token_hash, now)
    if found is not None and version is not None:
        cache.put(token_hash, version, *found)
    return found[1] if found else None


def _token_owner(uow, token_hash: str, now: datetime) -> tuple[datetime, dict] | None:
    """(token expiry, user view) for a valid token of an active user."""
    owner = uow.accounts.token_owner(token_hash)
    if owner is None or not owner.valid_at(now):
        return None
    return owner.token.expires_at, owner.user


def revoke_token(uow, token: str, now: datetime, revocations=None) -> None:
    """Revoke the token; once committed, every worker refuses it (the shared version moves on)."""
    with uow:
        record = uow.tokens.by_hash(hash_token(token))
        if record is not None and record.revoked_at is None:
            record.revoked_at = now
            uow.commit()
    if revocations is not None:
        revocations.bump()


def get_user(uow, user_id: int) -> dict:
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound(f"用户 {user_id} 不存在")
        return user_view(user)
