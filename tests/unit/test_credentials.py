"""Password policy, log-in back-off, equal work for unknown e-mails, password change, an admin's
reset and "log out everywhere" (services on fakes)."""
from __future__ import annotations

import pytest
from limits.storage import MemoryStorage

from foundation_fakes import FakeUnitOfWork, PlainHasher
from market.adapters.clock import FrozenClock
from market.adapters.login_throttle import AccountThrottle
from market.adapters.revocations import LocalRevocations
from market.domain.credentials import (FREE_FAILURES, MAX_LOCK_SECONDS, AccountLocked, lock_seconds,
                                       password_problem)
from market.domain.errors import Forbidden, Unauthorized, ValidationFailed
from market.services import accounts, credentials

GOOD = "tide-lantern-quartz-7"


@pytest.fixture
def uow():
    return FakeUnitOfWork()


@pytest.fixture
def clock():
    return FrozenClock()


class CountingHasher(PlainHasher):
    """Records which hashes were verified: the proof that an unknown e-mail costs a verification."""

    def __init__(self):
        self.verified = []

    def verify(self, hashed, password):
        self.verified.append(hashed)
        return super().verify(hashed, password)


def _admin(uow, clock, email="root@x.cn", hasher=None):
    return accounts.create_user(uow, hasher or PlainHasher(), email=email, password=GOOD, display_name="管",
                                role="admin", now=clock.now())


def _login(uow, clock, email="root@x.cn", password=GOOD, **kw):
    return accounts.login(uow, kw.pop("hasher", PlainHasher()), email=email, password=password, now=clock.now(),
                          ttl_hours=1, **kw)


@pytest.mark.parametrize("password, email, problem", [
    ("eleven-char", "a@x.cn", "至少12位"),
    ("123qweasdzxc", "a@x.cn", "常见"),              # 12 characters, but in zxcvbn's common list
    ("1Q2W3E4R5T6Y", "a@x.cn", "常见"),              # case does not hide it
    ("zhang.wei@example.cn", "Zhang.Wei@example.cn", "邮箱"),
    ("zhang.wei.2025", "zhang.wei.2025@example.cn", "邮箱"),   # nor the part before the @
    ("x" * 257, "a@x.cn", "256"),
])
def test_password_policy_refuses_short_common_and_own_email(password, email, problem):
    assert problem in password_problem(password, email)


def test_password_policy_accepts_a_long_uncommon_password():
    assert password_problem(GOOD, "a@x.cn") is None


def test_lock_grows_by_doubling_after_the_free_failures_up_to_a_cap():
    assert [lock_seconds(n) for n in range(1, FREE_FAILURES + 1)] == [0] * FREE_FAILURES
    locks = [lock_seconds(FREE_FAILURES + n) for n in range(1, 6)]
    assert locks == [2, 4, 8, 16, 32]
    assert lock_seconds(100) == MAX_LOCK_SECONDS


def test_an_unknown_email_costs_one_verification_like_a_wrong_password(uow, clock):
    hasher = CountingHasher()
    _admin(uow, clock, hasher=hasher)
    for email in ("root@x.cn", "nobody@x.cn"):
        with pytest.raises(Unauthorized):
            _login(uow, clock, email=email, password="wrong-password-123", hasher=hasher)
    assert hasher.verified == ["plain:" + GOOD, PlainHasher.dummy_hash]


def test_a_deactivated_account_is_verified_too(uow, clock):
    hasher = CountingHasher()
    _admin(uow, clock, hasher=hasher)
    uow.users.by_email("root@x.cn").active = False
    with pytest.raises(Unauthorized):
        _login(uow, clock, hasher=hasher)
    assert len(hasher.verified) == 1


def test_repeated_failures_lock_the_account_even_for_the_right_password(uow, clock):
    _admin(uow, clock)
    throttle = AccountThrottle(MemoryStorage())
    for _ in range(FREE_FAILURES + 1):
        with pytest.raises(Unauthorized):
            _login(uow, clock, password="wrong-password-123", throttle=throttle)
    with pytest.raises(AccountLocked) as exc:
        _login(uow, clock, throttle=throttle)
    assert 1 <= exc.value.retry_after <= lock_seconds(FREE_FAILURES + 1)
    assert exc.value.status == 429


def test_an_unknown_email_is_locked_the_same_way(uow, clock):
    throttle = AccountThrottle(MemoryStorage())
    for _ in range(FREE_FAILURES + 1):
        with pytest.raises(Unauthorized):
            _login(uow, clock, email="nobody@x.cn", throttle=throttle)
    with pytest.raises(AccountLocked):
        _login(uow, clock, email="NOBODY@x.cn ", throttle=throttle)


def test_a_success_before_the_lock_forgets_the_failures(uow, clock):
    _admin(uow, clock)
    throttle = AccountThrottle(MemoryStorage())
    for _ in range(FREE_FAILURES):
        with pytest.raises(Unauthorized):
            _login(uow, clock, password="wrong-password-123", throttle=throttle)
    _login(uow, clock, throttle=throttle)
    with pytest.raises(Unauthorized):
        _login(uow, clock, password="wrong-password-123", throttle=throttle)   # counted from 1 again
    assert throttle.wait_seconds("root@x.cn") == 0


def test_change_password_needs_the_current_one_and_the_policy(uow, clock):
    user = _admin(uow, clock)
    change = dict(user_id=user["id"], now=clock.now(), ttl_hours=1)
    with pytest.raises(ValidationFailed) as wrong:
        credentials.change_password(uow, PlainHasher(), current_password="not-it-at-all", new_password=GOOD + "x",
                                    **change)
    assert "current_password" in wrong.value.errors
    for bad in ("short-one", "123qweasdzxc", "root@x.cn", GOOD):
        with pytest.raises(ValidationFailed) as exc:
            credentials.change_password(uow, PlainHasher(), current_password=GOOD, new_password=bad, **change)
        assert "new_password" in exc.value.errors, bad


def test_change_password_ends_every_session_and_returns_a_new_one(uow, clock):
    user = _admin(uow, clock)
    old = [_login(uow, clock)["token"] for _ in range(2)]
    revocations = LocalRevocations()
    fresh = credentials.change_password(uow, PlainHasher(), user_id=user["id"], current_password=GOOD,
                                        new_password="new-river-stone-88", now=clock.now(), ttl_hours=1,
                                        revocations=revocations)
    assert [accounts.authenticate(uow, t, clock.now()) for t in old] == [None, None]
    assert accounts.authenticate(uow, fresh["token"], clock.now())["id"] == user["id"]
    assert revocations.version() == 1
    with pytest.raises(Unauthorized):
        _login(uow, clock)
    _login(uow, clock, password="new-river-stone-88")


def test_log_out_everywhere_revokes_every_token(uow, clock):
    user = _admin(uow, clock)
    tokens = [_login(uow, clock)["token"] for _ in range(3)]
    assert credentials.log_out_everywhere(uow, user["id"], clock.now()) == 3
    assert all(accounts.authenticate(uow, t, clock.now()) is None for t in tokens)


def test_only_an_admin_resets_a_password(uow, clock):
    admin = _admin(uow, clock)
    target = _admin(uow, clock, email="other@x.cn")
    with pytest.raises(Forbidden):
        credentials.reset_password(uow, PlainHasher(), admin={**admin, "role": "operator"}, user_id=target["id"],
                                   now=clock.now())


def test_a_reset_replaces_the_password_ends_sessions_and_requires_a_change(uow, clock):
    admin = _admin(uow, clock)
    target = _admin(uow, clock, email="other@x.cn")
    session = _login(uow, clock, email="other@x.cn")["token"]
    reset = credentials.reset_password(uow, PlainHasher(), admin=admin, user_id=target["id"], now=clock.now())
    assert accounts.authenticate(uow, session, clock.now()) is None
    assert reset["user"]["password_reset_required"] is True
    with pytest.raises(Unauthorized):
        _login(uow, clock, email="other@x.cn")
    token = _login(uow, clock, email="other@x.cn", password=reset["temporary_password"])
    assert accounts.authenticate(uow, token["token"], clock.now())["password_reset_required"] is True
    credentials.change_password(uow, PlainHasher(), user_id=target["id"], current_password=reset["temporary_password"],
                                new_password="new-river-stone-88", now=clock.now(), ttl_hours=1)
    assert uow.users.get(target["id"]).password_reset_required is False
