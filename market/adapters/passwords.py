"""Password hashing with argon2 (argon2-cffi)."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    def __init__(self, fast: bool = False):
        # `fast` keeps the test suite quick; production uses the library defaults.
        self._ph = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
        # a hash of nobody's password with these parameters, made up front: a log-in for an unknown
        # e-mail verifies against it, so it costs what a real account's check costs
        self.dummy_hash = self._ph.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._ph.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False
