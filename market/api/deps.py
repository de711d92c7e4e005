"""What a view needs from the app: a fresh unit of work, the clock, the
current user. Adapters are built in `create_app` and found here."""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Callable, Protocol

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from market.domain.errors import Forbidden, Unauthorized
from market.services.accounts import authenticate

if TYPE_CHECKING:   # names for the annotations only
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import sessionmaker

    from market.domain.payments import PaymentGateway
    from market.services.unit_of_work import AbstractUnitOfWork

limiter = Limiter(key_func=get_remote_address, default_limits=[])


@dataclass
class Services:
    """The adapters `create_app` built, reachable from views and CLI commands, one typed field
    each. `extra` is the older dict-shaped way in: it reads and writes these same fields (and
    keeps any other key a feature adds), so code written against it keeps working."""
    uow_factory: Callable[[], AbstractUnitOfWork]
    clock: Clock
    hasher: object
    search_index: object = None
    payment_gateway: PaymentGateway | None = None
    events: object = None                     # the live-feed event bus (Redis or in-process)
    mailer: object = None                     # the Mailer port (adapters/mail.py)
    engine: Engine | None = None
    session_factory: sessionmaker | None = None
    before_commit: list = field(default_factory=list)    # unit-of-work hooks (see adapters.unit_of_work)
    after_commit: list = field(default_factory=list)
    search_indexer: object = None
    account_throttle: object = None
    revocations: object = None
    token_cache: object = None
    live_feed: object = None                  # built on first use, after gunicorn forked the worker
    others: dict = field(default_factory=dict)

    def __post_init__(self):
        self.extra = _Extra(self)


class Clock(Protocol):
    def now(self) -> datetime: ...


class _Extra(MutableMapping):
    """`services().extra[name]`: a field of `Services` when it has one, else a free-form key."""

    def __init__(self, owner: Services):
        self._owner = owner

    def _field(self, key: str) -> bool:
        return key in _FIELDS

    def __getitem__(self, key):
        if self._field(key):
            return getattr(self._owner, key)
        return self._owner.others[key]

    def get(self, key, default=None):
        value = self[key] if self._field(key) else self._owner.others.get(key, default)
        return default if value is None else value

    def __setitem__(self, key, value):
        if self._field(key):
            setattr(self._owner, key, value)
        else:
            self._owner.others[key] = value

    def __delitem__(self, key):
        if self._field(key):
            setattr(self._owner, key, None)
        else:
            del self._owner.others[key]

    def __iter__(self):
        return iter([*(k for k in _FIELDS if getattr(self._owner, k) is not None), *self._owner.others])

    def __len__(self):
        return sum(1 for _ in self)


_FIELDS = frozenset(f.name for f in fields(Services)) - {"others"}


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
