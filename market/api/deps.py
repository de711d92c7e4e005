"""What a view needs from the app: a fresh unit of work, the clock, the
current user. Adapters are built in `create_app` and found here."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from market.domain.errors import Forbidden, Unauthorized

limiter = Limiter(key_func=get_remote_address, default_limits=[])


@dataclass
class Services:
    """The adapters `create_app` built, reachable from views and CLI commands."""
    uow_factory: object
    clock: object
    hasher: object
    search_index: object = None
    payment_gateway: object = None
    events: object = None
    mailer: object = None
    extra: dict | None = None


def services() -> Services:
    return current_app.extensions["market"]


def uow():
    return services().uow_factory()


def now():
    return services().clock.now()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization 头应为 'Bearer <token>'")
    return token.strip()


def current_user() -> dict | None:
    """The authenticated user (a dict), None if anonymous; a bad token is a 401."""
    if "market_user" not in g:
        from market.services.accounts import authenticate
        token = bearer_token()
        user = None
        if token:
            extra = services().extra
            user = authenticate(uow(), token, now(), max_age=auth_cache_seconds(), cache=extra["token_cache"],
                                revocations=extra["revocations"])
            if user is None:
                raise Unauthorized("令牌无效、已过期或已撤销 (invalid, expired or revoked token)")
            _refuse_until_password_changed(user)
        g.market_user = user
    return g.market_user


# what a temporary password (an admin's reset) opens: choosing a new one, and leaving
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.Password", "auth.Me", "auth.Logout", "auth.LogoutEverywhere"})


def _refuse_until_password_changed(user: dict) -> None:
    if user.get("password_reset_required") and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        raise Forbidden("管理员已重置密码，请先设置新密码 (your password was reset: choose a new one first)",
                        {"password": ["POST /api/v1/auth/password"]})


def revocations():
    return services().extra["revocations"]


def account_throttle():
    return services().extra["account_throttle"]


def auth_cache_seconds() -> float:
    """How long this process may reuse a token lookup (AUTH_CACHE_SECONDS; 1 s by default, off
    under TESTING unless set; never without a shared revocation version). See TokenCache."""
    config = current_app.config
    return float(config.get("AUTH_CACHE_SECONDS", 0.0 if config.get("TESTING") else 1.0))


def current_user_id() -> int | None:
    user = current_user()
    return user["id"] if user else None


def require_user() -> dict:
    user = current_user()
    if user is None:
        raise Unauthorized()
    return user


def login_required(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        require_user()
        return fn(*args, **kwargs)
    return wrapper
