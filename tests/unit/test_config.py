import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY, TEST_SECRET_KEY, load_config, require_explicit_config

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_to_start_without_a_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        load_config("production")


@pytest.mark.parametrize("url", ["sqlite:///instance/market.sqlite", "sqlite://", "SQLite+pysqlite:///x.db"])
def test_production_refuses_sqlite(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(RuntimeError, match="SQLite"):
        load_config("production")


GOOD_KEY = "k" * 16 + "e2c1f0a9b8d7c6e5f4a3"


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    return monkeypatch


def test_production_reads_everything_from_the_environment(production_env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    values = load_config("production")
    assert values["DATABASE_URL"].startswith("postgresql") and values["STRIPE_SECRET_KEY"] == "sk_test_x"
    assert values["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3" and values["ENV_NAME"] == "production"


def test_production_takes_the_pages_secret_key_from_the_environment(production_env):
    assert load_config("production")["SECRET_KEY"] == GOOD_KEY


@pytest.mark.parametrize("value, reason", [(None, "missing"), ("", "missing"), ("short-key-31-bytes-long-xxxxxxx", "too short"),
                                           (DEV_SECRET_KEY, "known"), (TEST_SECRET_KEY, "known"), ("changeme", "known")])
def test_production_refuses_a_missing_short_or_known_secret_key(production_env, value, reason):
    if value is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", value)
    with pytest.raises(RuntimeError, match=f"SECRET_KEY.*{reason}|{reason}.*SECRET_KEY"):
        load_config("production")


@pytest.mark.parametrize("name", ["development", "testing"])
def test_development_and_testing_ignore_a_secret_key_in_the_environment(monkeypatch, name):
    monkeypatch.setenv("SECRET_KEY", "left-over-from-an-old-deployment-xxxxxxxxxxxx")
    assert load_config(name)["SECRET_KEY"] in (DEV_SECRET_KEY, TEST_SECRET_KEY)


def test_an_unknown_configuration_name_is_refused():
    with pytest.raises(RuntimeError, match="MARKET_CONFIG"):
        load_config("prod")


def test_the_entry_point_needs_market_config_set_explicitly(monkeypatch):
    monkeypatch.delenv("MARKET_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="MARKET_CONFIG is not set"):
        require_explicit_config()
    monkeypatch.setenv("MARKET_CONFIG", "production")
    assert require_explicit_config() == "production"


def test_gunicorns_entry_module_does_not_start_without_market_config():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "MARKET_CONFIG is not set" in result.stderr


def test_development_default_is_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    values = load_config("development")
    assert values["DATABASE_URL"].startswith("sqlite:///") and values["SEARCH_BACKEND"] == "whoosh"


@pytest.mark.parametrize("name", ["development", "testing", "production"])
def test_live_feed_settings_come_from_the_environment_in_every_config(monkeypatch, name):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SSE_HEARTBEAT_SECONDS", "5")
    monkeypatch.setenv("SSE_RETRY_MS", "500")
    monkeypatch.setenv("SSE_MAX_SECONDS", "900")
    monkeypatch.setenv("EVENTS_CHANNEL_PREFIX", "run-42:")
    values = load_config(name)
    assert (values["SSE_HEARTBEAT_SECONDS"], values["SSE_RETRY_MS"], values["SSE_MAX_SECONDS"]) == (5.0, 500, 900.0)
    assert values["EVENTS_CHANNEL_PREFIX"] == "run-42:"


def test_a_live_feed_setting_that_is_not_a_number_stops_the_start_up(monkeypatch):
    monkeypatch.setenv("SSE_HEARTBEAT_SECONDS", "often")
    with pytest.raises(RuntimeError, match="SSE_HEARTBEAT_SECONDS"):
        load_config("development")
