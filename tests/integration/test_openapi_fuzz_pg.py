"""Schemathesis over the whole OpenAPI document on PostgreSQL, as the regional admin (who reaches
the most code) with a fresh token per case: no generated request may get a server error.
FUZZ_EXAMPLES (default 8) examples per operation; the closing figures came from a longer run."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from market_testing import create_pg_database, migrate

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
PASSWORD = "correct-horse-42"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from market import create_app
    from market.services.accounts import create_organisation, create_user
    url, drop = create_pg_database("market_fuzz")
    migrate(url)
    app = create_app("testing", DATABASE_URL=url, SSE_MAX_SECONDS=0.2, SSE_HEARTBEAT_SECONDS=0.1,
                     LOGIN_RATE_LIMIT="100000 per minute", SEARCH_INDEX_DIR=str(tmp_path_factory.mktemp("fuzz")))
    s = app.extensions["market"]
    org = create_organisation(s.uow_factory(), name="沪东理工大学", kind="university", province="上海", now=s.clock.now())
    create_user(s.uow_factory(), s.hasher, email="fuzz-admin@example.cn", password=PASSWORD, display_name="管",
                role="admin", now=s.clock.now())
    create_user(s.uow_factory(), s.hasher, email="fuzz-member@example.cn", password=PASSWORD, display_name="员",
                role="member", organisation_id=org["id"], now=s.clock.now())
    yield app
    s.extra["engine"].dispose()
    drop()


def _token(app) -> str:
    """A token of its own for each case, issued directly: a generated logout, password change or
    reset (of user 1: the admin itself) must not starve the cases after it."""
    from market.services.accounts import issue_token
    s = app.extensions["market"]
    with s.uow_factory() as uow:
        admin = uow.users.by_email("fuzz-admin@example.cn")
        admin.password_reset_required, admin.active = False, True
        token = issue_token(uow, admin, s.clock.now(), ttl_hours=1)["token"]
        uow.commit()
    return token


def test_no_generated_request_gets_a_server_error(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    server_errors, examples, operations = [], [0], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            examples[0] += 1
            headers = {"Authorization": f"Bearer {_token(fuzz_app)}"}
            try:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])
            except Exception as exc:   # noqa: BLE001 - collected, reported together below
                if len(server_errors) < 20:
                    server_errors.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
                raise

        try:
            run()
        except Exception:   # noqa: BLE001 - already recorded (hypothesis re-raises the shrunk failure)
            pass
    print(f"schemathesis: {operations} operations, {examples[0]} generated requests, "
          f"{len(server_errors)} server errors", *server_errors, sep="\n")
    assert operations >= 75
    assert server_errors == [], "\n".join(server_errors)
