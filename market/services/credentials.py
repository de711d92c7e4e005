"""Passwords and sessions after log-in: change a password, an admin's forced reset, and
"log out everywhere". Each ends every session the user had, in the same transaction as the
change, and then moves the shared revocation version on so that no worker's cache keeps one."""
from __future__ import annotations

import secrets
from datetime import datetime

from market.domain.credentials import AccountLocked, check_password
from market.domain.errors import Forbidden, NotFound, ValidationFailed

from .accounts import NO_THROTTLE, issue_token
from .views import user_view


def _revoke_all(uow, user_id: int, now: datetime) -> int:
    tokens = uow.tokens.live_for_user(user_id)
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def _published(revocations) -> None:
    if revocations is not None:
        revocations.bump()


def log_out_everywhere(uow, user_id: int, now: datetime, revocations=None) -> int:
    """Revoke every live token of the user; returns how many there were."""
    with uow:
        count = _revoke_all(uow, user_id, now)
        uow.commit()
    _published(revocations)
    return count


def change_password(uow, hasher, *, user_id: int, current_password: str, new_password: str, now: datetime,
                    ttl_hours: int, revocations=None, throttle=None) -> dict:
    """The user proves the current password and picks a new one under the policy. Every session
    ends; the answer is a fresh token, so the caller stays logged in here only."""
    throttle = throttle or NO_THROTTLE
    with uow:
        user = uow.users.get(user_id)
        if user is None or not user.active:
            raise NotFound(f"用户 {user_id} 不存在")
        wait = throttle.wait_seconds(user.email)
        if wait:
            raise AccountLocked(wait)
        if not hasher.verify(user.password_hash, current_password or ""):
            throttle.failed(user.email)
            raise ValidationFailed.on("current_password", "当前密码不正确 (the current password is wrong)")
        throttle.succeeded(user.email)
        check_password(new_password, user.email, field="new_password")
        if hasher.verify(user.password_hash, new_password):
            raise ValidationFailed.on("new_password", "新密码不能与当前密码相同 (choose a different password)")
        user.password_hash = hasher.hash(new_password)
        user.password_reset_required = False
        _revoke_all(uow, user.id, now)
        answer = issue_token(uow, user, now, ttl_hours)
        uow.commit()
    _published(revocations)
    return answer


def reset_password(uow, hasher, *, admin: dict, user_id: int, now: datetime, revocations=None) -> dict:
    """An admin forces a reset: a one-time temporary password (shown once, to the admin) replaces
    the old one, every session ends, and until the user picks a new password the temporary one
    opens nothing but the password change."""
    if admin.get("role") != "admin":
        raise Forbidden("只有区域管理员可以重置密码 (regional admin only)")
    temporary = secrets.token_urlsafe(12)
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound(f"用户 {user_id} 不存在")
        check_password(temporary, user.email)
        user.password_hash = hasher.hash(temporary)
        user.password_reset_required = True
        _revoke_all(uow, user.id, now)
        uow.commit()
        view = user_view(user)
    _published(revocations)
    return {"temporary_password": temporary, "user": view}
