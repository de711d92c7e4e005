"""Password policy and the back-off after failed log-ins: plain rules, no I/O.

The policy applies to every way a password is set (a new user, a change, an admin's reset), so it
lives here once. The common-password list is the 30,000 most used passwords that the maintained
`zxcvbn` package ships, not a list typed into this repository."""
from __future__ import annotations

import functools

from .errors import TooManyRequests, ValidationFailed

MIN_PASSWORD = 12
MAX_PASSWORD = 256

# log-in back-off: the first FREE_FAILURES wrong passwords for an account cost nothing; each
# further one locks the account for twice as long as the one before, up to MAX_LOCK_SECONDS
FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 2
MAX_LOCK_SECONDS = 15 * 60
FAILURE_WINDOW_SECONDS = 60 * 60     # failures older than this are forgotten


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str | None) -> str | None:
    """Why `password` may not be used by the account `email`, or None when it may."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return f"密码至少{MIN_PASSWORD}位 (at least {MIN_PASSWORD} characters)"
    if len(password) > MAX_PASSWORD:
        return f"密码不能超过{MAX_PASSWORD}位 (at most {MAX_PASSWORD} characters)"
    folded = password.strip().lower()
    if folded in _common_passwords():
        return "密码过于常见 (this password is among the most common ones)"
    address = (email or "").strip().lower()
    if address and folded in (address, address.split("@")[0]):
        return "密码不能与邮箱相同 (the password may not be the e-mail address)"
    return None


def check_password(password: str, email: str | None, field: str = "password") -> None:
    problem = password_problem(password, email)
    if problem:
        raise ValidationFailed.on(field, problem)


def lock_seconds(failures: int) -> int:
    """How long an account is locked after its `failures`-th consecutive failed log-in."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES - 1))


class AccountLocked(TooManyRequests):
    """Too many wrong passwords for one account: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"登录失败次数过多，请 {retry_after} 秒后再试 "
                         f"(too many failed log-ins for this account; retry in {retry_after} s)")
        self.retry_after = retry_after
