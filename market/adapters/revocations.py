"""A revocation version shared by every worker, so that a per-worker token cache can never
accept a token another worker has revoked.

Every logout, "log out everywhere" or password change increments the version after its commit; a
cached token lookup is used only while the version it was cached under is still current. The
version lives in Redis (one GET per authenticated request). Without Redis there is nothing fast
to share, so `version()` is None and tokens are not cached at all: every request asks the
database, which is always right."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class RedisRevocations:
    def __init__(self, client, key: str = "market:auth:revocation-version"):
        self.client, self.key = client, key

    def version(self) -> int | None:
        try:
            return int(self.client.get(self.key) or 0)
        except Exception:   # noqa: BLE001 - no cache then; the database still answers
            log.warning("revocation version unreadable: token cache off for this request", exc_info=True)
            return None

    def bump(self) -> None:
        try:
            self.client.incr(self.key)
        except Exception:   # noqa: BLE001
            log.error("could not publish a token revocation: other workers may accept the token "
                      "until their cache entry ages out (AUTH_CACHE_SECONDS)", exc_info=True)


class LocalRevocations:
    """One process only (unit tests, and a single-worker set-up without Redis)."""

    def __init__(self):
        self._version = 0

    def version(self) -> int | None:
        return self._version

    def bump(self) -> None:
        self._version += 1


class NoSharedRevocations:
    def version(self) -> int | None:
        return None

    def bump(self) -> None:
        pass


def build_revocations(config):
    url = config.get("REDIS_URL")
    if not url:
        return NoSharedRevocations()
    import redis
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return RedisRevocations(client, config.get("AUTH_REVOCATION_KEY", "market:auth:revocation-version"))
