import pytest

from config import load_config


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")


def test_production_reads_everything_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cr3t")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    values = load_config("production")
    assert values["SECRET_KEY"] == "s3cr3t" and values["DATABASE_URL"].startswith("postgresql")
    assert values["STRIPE_SECRET_KEY"] == "sk_test_x"


def test_development_default_is_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    values = load_config("development")
    assert values["DATABASE_URL"].startswith("sqlite:///") and values["SEARCH_BACKEND"] == "whoosh"


@pytest.mark.parametrize("name", ["development", "testing", "production"])
def test_live_feed_settings_come_from_the_environment_in_every_config(monkeypatch, name):
    monkeypatch.setenv("SECRET_KEY", "s3cr3t")
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
