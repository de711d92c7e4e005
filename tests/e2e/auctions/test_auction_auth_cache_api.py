"""The bid route reuses token lookups for AUTH_CACHE_SECONDS; revocation and expiry still hold.
(Across workers: tests/integration/test_token_revocation_redis.py.)"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from market.adapters.revocations import LocalRevocations
from market.services.accounts import TokenCache


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "AUTH_CACHE_SECONDS": 60,
            "REVOCATIONS": LocalRevocations()}


def test_logout_revokes_a_cached_token_at_once(client, cast):
    headers = cast["corp_member"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200   # now cached
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_cached_token_stops_working_when_it_expires(app, client, cast, clock):
    headers = cast["corp_member"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.set(clock.now() + timedelta(hours=app.config["TOKEN_TTL_HOURS"], seconds=1))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_cache_forgets_entries_older_than_max_age():
    ticks = Ticks()
    cache = TokenCache(monotonic=ticks)
    now = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    cache.put("h", 0, now + timedelta(days=1), {"id": 7})
    ticks.now = 0.9
    assert cache.get("h", now, max_age=1.0, version=0) == {"id": 7}
    ticks.now = 1.0
    assert cache.get("h", now, max_age=1.0, version=0) is None
    assert cache.get("h", now, max_age=60, version=0) is None   # forgotten, not just hidden


def test_token_cache_drops_an_entry_once_any_revocation_moved_the_version_on():
    cache = TokenCache(monotonic=Ticks())
    now = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    cache.put("h", 4, now + timedelta(days=1), {"id": 7})
    assert cache.get("h", now, max_age=60, version=4) == {"id": 7}
    assert cache.get("h", now, max_age=60, version=5) is None
    assert cache.get("h", now, max_age=60, version=4) is None   # forgotten


def test_token_cache_checks_expiry_on_every_use_and_stays_bounded():
    ticks = Ticks()
    cache = TokenCache(max_size=2, monotonic=ticks)
    now = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    cache.put("a", 0, now + timedelta(seconds=5), {"id": 1})
    assert cache.get("a", now + timedelta(seconds=5), max_age=60, version=0) is None
    for key in ("b", "c", "d"):
        cache.put(key, 0, now + timedelta(days=1), {"id": key})
    assert len(cache._entries) <= 2 and cache.get("d", now, max_age=60, version=0) == {"id": "d"}
