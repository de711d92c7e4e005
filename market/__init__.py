"""The Yangtze River Delta technology market: app factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import sessionmaker

from config import load_config


def create_app(config: dict | str | None = None, **overrides) -> Flask:
    """Build the app and every adapter it uses (the only place that does).

    `config` is a config name ("development", "testing", "production") or a
    mapping; `overrides` win over both (tests pass DATABASE_URL, a clock...).
    """
    from market.adapters import orm
    from market.adapters.clock import SystemClock
    from market.adapters.db import make_engine
    from market.adapters.passwords import Argon2PasswordHasher
    from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
    from market.api import init_api
    from market.api.deps import Services, limiter
    from market import cli

    values = load_config(config) if config is None or isinstance(config, str) else dict(config)
    values.update(overrides)
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.update({k: v for k, v in values.items() if k.isupper()})
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    orm.start_mappers()
    engine = values.get("ENGINE") or make_engine(app.config["DATABASE_URL"])
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    before_commit, after_commit = [], []

    def uow_factory():
        return SqlAlchemyUnitOfWork(session_factory, before_commit=before_commit, after_commit=after_commit)

    app.extensions["market"] = Services(
        uow_factory=uow_factory,
        clock=values.get("CLOCK") or SystemClock(),
        hasher=Argon2PasswordHasher(fast=app.config.get("TESTING", False)),
        extra={"engine": engine, "session_factory": session_factory,
               "before_commit": before_commit, "after_commit": after_commit},
    )
    _build_features(app, values)
    limiter.init_app(app)
    init_api(app)
    cli.register(app)
    return app


def _build_features(app: Flask, values: dict) -> None:
    """Feature adapters (search index, payment gateway, live events) are built here."""
