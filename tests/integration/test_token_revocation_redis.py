"""Revocation reaches every worker at once: two app instances (two workers, each with its own
token cache) share the database and Redis; what one revokes, the other refuses on the next request,
though its cache would otherwise keep the token for a minute."""
from __future__ import annotations

import logging
import uuid

import pytest

from market import create_app


@pytest.fixture
def workers(database_url, clock, redis_url, tmp_path):
    key = f"market-test:{uuid.uuid4().hex}:revocations"    # one run's own key
    config = dict(DATABASE_URL=database_url, CLOCK=clock, REDIS_URL=redis_url, AUTH_CACHE_SECONDS=60,
                  AUTH_REVOCATION_KEY=key, SEARCH_INDEX_DIR=str(tmp_path / "idx"))
    apps = [create_app("testing", **config) for _ in range(2)]
    yield apps
    import redis
    redis.Redis.from_url(redis_url).delete(key)
    for app in apps:
        app.extensions["market"].extra["engine"].dispose()


@pytest.fixture
def member(workers):
    from market.services.accounts import create_user
    s = workers[0].extensions["market"]
    create_user(s.uow_factory(), s.hasher, email="w@example.cn", password="tide-lantern-quartz-7",
                display_name="w", role="admin", now=s.clock.now())
    return {"email": "w@example.cn", "password": "tide-lantern-quartz-7"}


def _token(client, member) -> dict:
    response = client.post("/api/v1/auth/login", json=member)
    assert response.status_code == 201
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def test_a_logout_on_one_worker_is_refused_by_another_at_once(workers, member):
    a, b = (app.test_client() for app in workers)
    headers = _token(a, member)
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 200    # b caches it
    assert len(workers[1].extensions["market"].extra["token_cache"]._entries) == 1
    assert a.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_password_change_on_one_worker_ends_sessions_cached_by_another(workers, member):
    a, b = (app.test_client() for app in workers)
    headers = _token(a, member)
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 200
    changed = a.post("/api/v1/auth/password", headers=headers,
                     json={"current_password": member["password"], "new_password": "new-river-stone-88"})
    assert changed.status_code == 200
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_cached_token_is_reused_while_nothing_was_revoked(workers, member):
    a, b = (app.test_client() for app in workers)
    headers = _token(a, member)
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 200
    cache = workers[1].extensions["market"].extra["token_cache"]
    cached = next(iter(cache._entries.values()))
    assert b.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert next(iter(cache._entries.values())) is cached       # served from the cache, not re-read


def test_production_without_redis_warns_loudly_at_start_up(sqlite_url, caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app("testing", DATABASE_URL=sqlite_url, ENV_NAME="production",
                         RATELIMIT_STORAGE_URI="memory://")
    app.extensions["market"].extra["engine"].dispose()
    assert any("PRODUCTION WITHOUT REDIS" in r.getMessage() for r in caplog.records)


def test_production_with_redis_does_not_warn(sqlite_url, redis_url, caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app("testing", DATABASE_URL=sqlite_url, ENV_NAME="production", RATELIMIT_STORAGE_URI=redis_url)
    app.extensions["market"].extra["engine"].dispose()
    assert not any("PRODUCTION WITHOUT REDIS" in r.getMessage() for r in caplog.records)
