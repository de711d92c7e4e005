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
    from market.api.security_headers import init_security_headers
    from market.web import init_web
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
        engine=engine, session_factory=session_factory, before_commit=before_commit,
        after_commit=after_commit,
    )
    _build_features(app, values)
    _build_auth(app, values)
    limiter.init_app(app)
    init_security_headers(app)
    init_api(app)
    init_web(app)
    cli.register(app)
    return app


def _build_features(app: Flask, values: dict) -> None:
    """Feature adapters (search index, payment gateway, live events) are built here."""
    from market.adapters.events import build_event_bus
    from market.adapters.mail import build_mailer
    from market.adapters.payments.stripe_gateway import build_payment_gateway
    s = app.extensions["market"]
    s.payment_gateway = values.get("PAYMENT_GATEWAY") or build_payment_gateway(app.config)
    s.events = values.get("EVENT_BUS") or build_event_bus(app.config)
    s.mailer = values.get("MAILER") or build_mailer(app.config)
    _build_search(app, values)
    _build_notifications(app)
    _build_federation(app, values)


def _build_notifications(app: Flask) -> None:
    """Notifications (issue 18): a close's fan-out to its watchers runs right after its commit."""
    from market.services.notifications.worker import after_commit
    s = app.extensions["market"]
    s.extra["after_commit"].append(after_commit(s.uow_factory, s.clock))


def _build_auth(app: Flask, values: dict) -> None:
    """Log-in throttling per account, the shared revocation version, this worker's token cache."""
    from market.adapters.login_throttle import build_account_throttle
    from market.adapters.revocations import build_revocations
    from market.services.accounts import TokenCache
    extra = app.extensions["market"].extra
    extra["account_throttle"] = values.get("ACCOUNT_THROTTLE") or build_account_throttle(app.config)
    extra["revocations"] = values.get("REVOCATIONS") or build_revocations(app.config)
    extra["token_cache"] = TokenCache()
    _warn_about_per_worker_limits(app)


def _warn_about_per_worker_limits(app: Flask) -> None:
    """In production without Redis every limit is counted per worker process: say so loudly."""
    if app.config.get("ENV_NAME") != "production":
        return
    if str(app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory"):
        app.logger.warning(
            "!!! PRODUCTION WITHOUT REDIS: log-in rate limits and account lock-outs are counted in "
            "memory, separately by each worker process (a client gets that many tries per worker). "
            "Set REDIS_URL (or RATELIMIT_STORAGE_URI) to share them. !!!")


def _build_search(app: Flask, values: dict) -> None:
    """Search (issue 4): the index follows the database through the unit of work's hooks."""
    from market.adapters.search import build_search_index, synonyms
    from market.services.search import SearchIndexer
    s = app.extensions["market"]
    synonyms.use_file(app.config.get("SEARCH_SYNONYMS_FILE", synonyms.DEFAULT_PATH))
    s.search_index = build_search_index(values, s.extra["engine"])
    indexer = SearchIndexer(s.search_index, s.extra["session_factory"], now=s.clock.now)
    s.extra["search_indexer"] = indexer
    s.extra["before_commit"].append(indexer.record)    # outbox row in the same transaction
    s.extra["after_commit"].append(indexer.after_commit)  # drain once committed


def _build_federation(app: Flask, values: dict) -> None:
    """Federation out (issue 18): the change feed is written by one before-commit hook, after the
    search outbox's; registered contracts are watched like achievements and demands; the webhook
    sender is the scheduler's."""
    from market.adapters.unit_of_work import track
    from market.adapters.webhooks import build_webhook_sender
    from market.domain.contracts import Contract
    from market.domain.federation import RetryPolicy
    from market.services.federation.changes import ChangeRecorder
    s = app.extensions["market"]
    track(Contract, "contract")
    s.extra["before_commit"].append(ChangeRecorder(now=s.clock.now).record)   # same transaction
    s.extra["webhook_sender"] = values.get("WEBHOOK_SENDER") or build_webhook_sender(app.config)
    s.extra["allowed_hosts"] = tuple(app.config.get("WEBHOOK_ALLOWED_PRIVATE_HOSTS", ()))
    s.extra["webhook_policy"] = RetryPolicy(int(app.config.get("WEBHOOK_MAX_ATTEMPTS", 8)),
                                            float(app.config.get("WEBHOOK_BACKOFF_SECONDS", 10.0)),
                                            float(app.config.get("WEBHOOK_BACKOFF_CAP_SECONDS", 3600.0)))
