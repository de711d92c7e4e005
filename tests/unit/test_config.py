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
