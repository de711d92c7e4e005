"""Password hashing with argon2 (argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    def __init__(self, fast: bool = False):
        # `fast` keeps the test suite quick; production uses the library defaults.
        self._ph = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._ph.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False
