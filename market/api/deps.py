"""What a view needs from the app: a fresh unit of work, the clock, the
current user. Adapters are built in `create_app` and found here."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from market.domain.errors import Unauthorized

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
            user = authenticate(uow(), token, now(), max_age=auth_cache_seconds())
            if user is None:
                raise Unauthorized("令牌无效、已过期或已撤销 (invalid, expired or revoked token)")
        g.market_user = user
    return g.market_user


def auth_cache_seconds() -> float:
    """How long this process may reuse a token lookup (AUTH_CACHE_SECONDS; 1 s by default, off
    under TESTING unless set). See market.services.accounts.TokenCache for why that is safe."""
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
