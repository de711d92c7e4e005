"""Shared fixtures: databases (SQLite and PostgreSQL), the app, a frozen clock,
and the cast of users every e2e test needs.

PostgreSQL tests use 127.0.0.1:5432 (user postgres, trust auth). Each run
creates and drops its own database. Without a reachable server they are
skipped with a loud reason, except under CI=true, where that is a failure.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from market.adapters import orm
from market.adapters.clock import FrozenClock
from market_testing import IN_CI, create_pg_database, create_sqlite_database, migrate, require_postgres  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

# Monday 3 March 2025, 10:00 in Shanghai
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def pg_database():
    """One migrated PostgreSQL database for the whole run (tables emptied per test)."""
    url, drop = create_pg_database()
    migrate(url)
    yield url
    drop()


def _truncate_pg(url: str) -> None:
    """Empty what the last test wrote. TRUNCATE costs ~10 ms a table even when it is empty (70+
    tables: 0.6 s a test), so only tables holding rows or whose id sequence has moved are named."""
    orm.start_mappers()
    engine = create_engine(url)
    names = [t.name for t in orm.metadata.sorted_tables if t.name != "markets"]
    with engine.begin() as conn:
        existing = set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")))
        names = [n for n in names if n in existing]
        if names:
            probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
            used = set(conn.scalars(text(probe)))
            used |= set(conn.scalars(text(
                "SELECT d.refobjid::regclass::text FROM pg_sequences s "
                "JOIN pg_class c ON c.relname = s.sequencename AND s.schemaname = 'public' "
                "JOIN pg_depend d ON d.objid = c.oid AND d.deptype IN ('a', 'i') "
                "WHERE s.last_value IS NOT NULL")))
            dirty = [n for n in names if n in used]
            if dirty:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in dirty) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def _sqlite_database(tmp_path: Path) -> str:
    return create_sqlite_database(tmp_path / "market.sqlite")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Every test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_database(tmp_path)
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return _sqlite_database(tmp_path)


@pytest.fixture
def postgres_url(request):
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


# --- app ----------------------------------------------------------------------------------
@pytest.fixture
def clock():
    return FrozenClock(T0)


@pytest.fixture
def app_config(tmp_path):
    """Extra config for the app under test; override in a conftest to change it."""
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index")}


@pytest.fixture
def app(database_url, clock, app_config):
    from market import create_app
    app = create_app("testing", DATABASE_URL=database_url, CLOCK=clock, **app_config)
    yield app
    feed = app.extensions["market"].extra.get("live_feed")
    if feed is not None:   # its listener and poller threads
        feed.stop()
    app.extensions["market"].extra["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["market"]


@pytest.fixture
def uow_factory(services):
    return services.uow_factory


# --- the cast -----------------------------------------------------------------------------
class Cast:
    """Organisations and users of every role, with login headers."""

    PASSWORD = "correct-horse-42"

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.headers: dict[str, dict] = {}
        self.ids: dict[str, int] = {}
        self.orgs: dict[str, int] = {}

    def org(self, key, name, kind, province, city=None, credit_code=None) -> int:
        from market.services.accounts import create_organisation
        s = self.app.extensions["market"]
        view = create_organisation(s.uow_factory(), name=name, kind=kind, province=province, city=city,
                                   credit_code=credit_code, now=s.clock.now())
        self.orgs[key] = view["id"]
        return view["id"]

    def user(self, key, role, organisation=None, market=None) -> dict:
        from market.services.accounts import create_user
        s = self.app.extensions["market"]
        email = f"{key}@example.cn"
        view = create_user(s.uow_factory(), s.hasher, email=email, password=self.PASSWORD, display_name=key,
                           role=role, organisation_id=self.orgs.get(organisation), market_code=market,
                           now=s.clock.now())
        self.ids[key] = view["id"]
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": self.PASSWORD})
        assert response.status_code == 201, response.get_json()
        self.headers[key] = {"Authorization": f"Bearer {response.get_json()['token']}"}
        return view

    def __getitem__(self, key) -> dict:
        return self.headers[key]


@pytest.fixture
def cast(app, client) -> Cast:
    """anonymous (no headers), a university member (SH), an enterprise member (JS),
    operators of SH and JS, and the regional admin."""
    c = Cast(app, client)
    c.org("uni", "沪东理工大学", "university", "上海", "上海")
    c.org("inst", "太湖智能制造研究所", "research_institute", "江苏", "苏州")
    c.org("corp", "苏州精密传感有限公司", "enterprise", "江苏", "苏州")
    c.org("corp_zj", "杭州云栖数字医疗科技有限公司", "enterprise", "浙江", "杭州")
    c.user("uni_member", "member", organisation="uni")
    c.user("inst_member", "member", organisation="inst")
    c.user("corp_member", "member", organisation="corp")
    c.user("corp_zj_member", "member", organisation="corp_zj")
    c.user("op_sh", "operator", market="SH")
    c.user("op_js", "operator", market="JS")
    c.user("admin", "admin")
    return c


@pytest.fixture
def redis_url():
    """The shared Redis; tests namespace their keys and channels per run."""
    import redis
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:   # noqa: BLE001
        if IN_CI:
            pytest.fail("Redis at 127.0.0.1:6379 is not reachable, and CI must run the Redis tests")
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    return url


@pytest.fixture
def shared_data_dir() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (fresh clone): nothing to read")
    return SHARED_DATA


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) for the test; `.received` holds parsed mails."""
    from smtp_testing import SmtpTestServer
    server = SmtpTestServer().start()
    yield server
    server.stop()
