"""Configuration classes. `create_app` takes one of these (or a mapping).

Development is the embedded default (SQLite file under `instance/`, Whoosh index
under `search_index/`), so `make run` works on a bare machine. Production reads
everything from the environment and refuses to start on settings meant for a laptop.

SECRET_KEY signs the pages' cookie session and their CSRF tokens only (market/web); the API keeps
no cookie session (bearer tokens are random and stored hashed). Development and testing carry a
known value; production requires its own (>= 32 bytes, not a known value).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: Keys anyone can read here: production refuses them.
DEV_SECRET_KEY = "dev-only-secret-key-of-the-yrd-market-do-not-deploy"
TEST_SECRET_KEY = "test-only-secret-key-of-the-yrd-market-do-not-deploy"
KNOWN_SECRET_KEYS = frozenset({DEV_SECRET_KEY, TEST_SECRET_KEY, "dev", "secret", "changeme", "change-me",
                               "secret-key", "development", "your-secret-key", "please-change-me"})
MIN_SECRET_KEY_BYTES = 32


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET_KEY    # the pages' session cookie and CSRF tokens (see production_secret_key)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "market_session"
    PERMANENT_SESSION_LIFETIME = 8 * 3600   # seconds: a working day
    WTF_CSRF_CHECK_DEFAULT = False   # the pages' blueprints check CSRF; the API (bearer tokens) needs none
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'market.sqlite'}"
    SEARCH_BACKEND = "whoosh"                       # "whoosh" | "postgres"
    SEARCH_INDEX_DIR = str(ROOT / "search_index")
    SEARCH_SYNONYMS_FILE = str(ROOT / "config" / "synonyms.txt")   # re-read when edited
    TOKEN_TTL_HOURS = 24 * 7
    AUTH_CACHE_SECONDS = 1.0      # a process may reuse a token lookup this long (with Redis; revocation is shared at once)
    LOGIN_RATE_LIMIT = "10 per minute"
    # sign-up and password-reset requests (issue 20): per client address, and per e-mail address
    ACCOUNT_MAIL_RATE_LIMIT = "20 per hour"
    ACCOUNT_MAIL_EMAIL_RATE_LIMIT = "3 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    SIGNING_DEADLINE_WORKING_DAYS = 5
    DEPOSIT_RELEASE_WORKING_DAYS = 3
    REDIS_URL: str | None = None
    STRIPE_SECRET_KEY: str | None = None
    STRIPE_WEBHOOK_SECRET: str | None = None
    STRIPE_API_BASE: str | None = None
    SCHEDULER_SWEEP_SECONDS = 2
    PUBLICITY_DAYS: dict | int = 15    # 协议定价公示: days, for all markets or {"SH": 20, ...}; never below 15
    # the live feed (server-sent events); every one may be set from the environment (FEED_ENV)
    SSE_HEARTBEAT_SECONDS = 15.0    # keep-alive interval: a departed client is noticed within one
    SSE_RETRY_MS = 2000             # the client's reconnection delay
    SSE_MAX_SECONDS = 300.0         # the longest stream; the client reconnects with Last-Event-ID
    SSE_QUEUE_SIZE = 256            # events a watcher may fall behind before it is told to reconnect
    SSE_POLL_SECONDS = 2.0          # a process re-reads its watched lots' positions this often
    SSE_SEND_BUFFER_BYTES = 0       # a stream socket's kernel send buffer (0: the kernel's default)
    EVENTS_CHANNEL_PREFIX = "market:"   # Redis channel names start with this
    CORS_ORIGINS: tuple = ()      # the portals allowed to call the API from a browser; none by default
    # mail: unset SMTP_URL writes mails to the log (development); smtp://, smtp+starttls://, smtps://
    SMTP_URL: str | None = None
    MAIL_FROM = "长三角技术市场 <noreply@yrd.example>"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"   # links in mails point here
    # notifications (issue 18): the unsubscribe links' signing key (production: UNSUBSCRIBE_SECRET,
    # else derived from SECRET_KEY), lead time of "opens soon", reminders, matching threshold, outbox
    UNSUBSCRIBE_SECRET = "dev-only-unsubscribe-secret-of-the-yrd-market"
    NOTIFY_LOT_OPENING_LEAD_MINUTES = 30
    NOTIFY_SIGNING_REMINDER_WORKING_DAYS = 2
    NOTIFY_MATCH_MIN_SCORE = 0.0        # a demand matches a new achievement from this score on
    NOTIFY_SAVED_SEARCH_MIN_SHARE = 0.5  # share of a saved search's key terms a new achievement must carry
    NOTIFY_MAIL_BATCH = 200             # mails claimed per outbox run
    NOTIFY_SMTP_CONNECTIONS = 4         # ... sent over this many SMTP connections at once
    NOTIFY_RETRY_SECONDS = 30.0         # first retry after this, doubling
    # webhooks (federation out): retries with exponential backoff, short timeouts; private or
    # loopback targets only for the hosts listed (tests and development post to 127.0.0.1)
    WEBHOOK_MAX_ATTEMPTS = 8
    WEBHOOK_BACKOFF_SECONDS = 10.0      # 10 s, 20 s, 40 s ... at most the cap
    WEBHOOK_BACKOFF_CAP_SECONDS = 3600.0
    WEBHOOK_CONNECT_TIMEOUT_SECONDS = 2.0
    WEBHOOK_TIMEOUT_SECONDS = 5.0
    WEBHOOK_WORKERS = 8
    WEBHOOK_DELIVERY_SECONDS = 1.0      # the scheduler's delivery job runs this often
    WEBHOOK_ALLOWED_PRIVATE_HOSTS: tuple = ("127.0.0.1", "localhost", "::1")

    # flask-smorest / OpenAPI
    API_TITLE = "长三角技术交易市场 API (YRD technology market)"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "api/v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "api/docs"
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"   # served by the app from the swagger-ui-bundle package
    JSON_AS_ASCII = False
    TESTING = False


class DevelopmentConfig(Config):
    REDIS_URL = os.environ.get("REDIS_URL")
    SMTP_URL = os.environ.get("SMTP_URL")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = TEST_SECRET_KEY
    DATABASE_URL = "sqlite://"
    SEARCH_BACKEND = "fake"
    LOGIN_RATE_LIMIT = "1000 per minute"
    ACCOUNT_MAIL_RATE_LIMIT = "1000 per minute"
    ACCOUNT_MAIL_EMAIL_RATE_LIMIT = "1000 per minute"
    AUTH_CACHE_SECONDS = 0.0
    RATELIMIT_ENABLED = True
    # a test run that reaches a Redis (REDIS_URL set) hears only its own live events
    EVENTS_CHANNEL_PREFIX = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"


class ProductionConfig(Config):
    """Everything from the environment; a missing or laptop-grade setting stops the start-up."""
    ENV_NAME = "production"

    def __init__(self) -> None:
        env = os.environ
        url = env.get("DATABASE_URL")
        if not url:
            raise RuntimeError("missing required environment variable: DATABASE_URL")
        if database_family(url) == "sqlite":
            raise RuntimeError("production refuses SQLite (DATABASE_URL): one file cannot serve several "
                               "workers' writes; use postgresql+psycopg://...")
        self.DATABASE_URL = url
        self.SECRET_KEY = production_secret_key(env.get("SECRET_KEY"))
        self.SEARCH_BACKEND = env.get("SEARCH_BACKEND", "postgres")
        self.SEARCH_INDEX_DIR = env.get("SEARCH_INDEX_DIR", Config.SEARCH_INDEX_DIR)
        self.SEARCH_SYNONYMS_FILE = env.get("SEARCH_SYNONYMS_FILE", Config.SEARCH_SYNONYMS_FILE)
        self.REDIS_URL = env.get("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY")
        self.STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET")
        self.STRIPE_API_BASE = env.get("STRIPE_API_BASE")
        self.SMTP_URL = env.get("SMTP_URL")
        self.MAIL_FROM = env.get("MAIL_FROM", Config.MAIL_FROM)
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", Config.PUBLIC_BASE_URL)
        self.UNSUBSCRIBE_SECRET = env.get("UNSUBSCRIBE_SECRET") or hmac.new(
            self.SECRET_KEY.encode(), b"unsubscribe-links", hashlib.sha256).hexdigest()
        self.CORS_ORIGINS = tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
        self.WEBHOOK_ALLOWED_PRIVATE_HOSTS = tuple(
            h.strip() for h in env.get("WEBHOOK_ALLOWED_PRIVATE_HOSTS", "").split(",") if h.strip())


def production_secret_key(value: str | None) -> str:
    """The pages' session key in production: whoever knows it can sign in as anyone through the
    pages, so it must be set, long (>= 32 bytes: `python -c 'import secrets; print(secrets.token_hex(32))'`)
    and not a value published here."""
    if not value:
        raise RuntimeError("missing required environment variable: SECRET_KEY (signs the pages' session "
                           "cookie; at least 32 bytes, e.g. secrets.token_hex(32))")
    if value.strip() in KNOWN_SECRET_KEYS:
        raise RuntimeError("SECRET_KEY is a known development value: set a random one of your own")
    if len(value.encode()) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(f"SECRET_KEY is too short ({len(value.encode())} bytes): at least "
                           f"{MIN_SECRET_KEY_BYTES} bytes")
    return value


def database_family(url: str) -> str:
    """The database family of a SQLAlchemy URL ("sqlite", "postgresql"...)."""
    return url.split(":", 1)[0].split("+", 1)[0].strip().lower()


# Settings read from the environment in every config (development, testing and production).
FEED_ENV = {"SSE_HEARTBEAT_SECONDS": float, "SSE_RETRY_MS": int, "SSE_MAX_SECONDS": float,
            "SSE_QUEUE_SIZE": int, "SSE_POLL_SECONDS": float, "SSE_SEND_BUFFER_BYTES": int,
            "EVENTS_CHANNEL_PREFIX": str}

CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def require_explicit_config() -> str:
    """The entry point (wsgi.py: gunicorn and the `flask` CLI) runs only with MARKET_CONFIG set, so a
    production server that forgot it cannot come up on development settings (`make` sets it)."""
    name = os.environ.get("MARKET_CONFIG", "").strip()
    if not name:
        raise RuntimeError("MARKET_CONFIG is not set: say which configuration to run "
                           f"({', '.join(CONFIGS)}); `make run` sets development")
    return name


def load_config(name: str | None = None) -> dict:
    """Config as a plain dict: the class named by `name` or `MARKET_CONFIG`,
    with `DATABASE_URL`, `SEARCH_BACKEND` and `REDIS_URL` overridable from the
    environment in every mode (so `make test` can point at PostgreSQL), and the live feed's
    settings (`FEED_ENV`) too."""
    name = name or os.environ.get("MARKET_CONFIG", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"MARKET_CONFIG={name!r}: expected one of {', '.join(CONFIGS)}")
    cls = CONFIGS[name]
    obj = cls()
    values = {k: getattr(obj, k) for k in dir(obj) if k.isupper()}
    if name != "production":
        for key in ("DATABASE_URL", "SEARCH_BACKEND", "REDIS_URL", "SEARCH_INDEX_DIR"):
            if os.environ.get(key):
                values[key] = os.environ[key]
    for key, cast in FEED_ENV.items():
        if os.environ.get(key):
            try:
                values[key] = cast(os.environ[key])
            except ValueError:
                raise RuntimeError(f"{key} must be a {cast.__name__}: {os.environ[key]!r}") from None
    return values
