import subprocess
import sys
from pathlib import Path

import pytest

from config import load_config, require_explicit_config

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


def test_production_reads_everything_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    values = load_config("production")
    assert values["DATABASE_URL"].startswith("postgresql") and values["STRIPE_SECRET_KEY"] == "sk_test_x"
    assert values["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3" and values["ENV_NAME"] == "production"


@pytest.mark.parametrize("name", ["development", "testing", "production"])
def test_no_configuration_carries_a_secret_key_nothing_would_use(monkeypatch, name):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "left-over-from-an-old-deployment")
    assert "SECRET_KEY" not in load_config(name)


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
