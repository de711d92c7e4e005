"""Per-account log-in throttling on the rate limiter's storage (the `limits` package: memory, or
Redis so that every worker sees the same counts).

Keyed by the e-mail as typed (hashed), whether or not such an account exists, so a lock says
nothing about who has an account. The back-off itself is a domain rule (`lock_seconds`)."""
from __future__ import annotations

import hashlib
import math
import time

from market.domain.credentials import FAILURE_WINDOW_SECONDS, lock_seconds


class AccountThrottle:
    def __init__(self, storage, prefix: str = "market:login", window: int = FAILURE_WINDOW_SECONDS,
                 policy=lock_seconds):
        self.storage, self.prefix, self.window, self.policy = storage, prefix, window, policy

    def _key(self, kind: str, email: str) -> str:
        digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
        return f"{self.prefix}:{kind}:{digest}"

    def wait_seconds(self, email: str) -> int:
        """Seconds until the account may try again (0: now)."""
        key = self._key("lock", email)
        if self.storage.get(key) <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(key) - time.time()))

    def failed(self, email: str) -> int:
        """Count a failure; returns the lock it earned (seconds, 0 for none)."""
        failures = self.storage.incr(self._key("failures", email), self.window)
        seconds = self.policy(failures)
        if seconds:
            self.storage.clear(self._key("lock", email))
            self.storage.incr(self._key("lock", email), seconds)
        return seconds

    def succeeded(self, email: str) -> None:
        self.storage.clear(self._key("failures", email))
        self.storage.clear(self._key("lock", email))


def build_account_throttle(config) -> AccountThrottle:
    from limits.storage import storage_from_string
    storage = storage_from_string(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return AccountThrottle(storage, prefix=config.get("LOGIN_THROTTLE_PREFIX", "market:login"))
