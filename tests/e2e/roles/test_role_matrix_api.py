"""Every cell of the role matrix (role_matrix.MATRIX) over HTTP, on SQLite and PostgreSQL: a role in
the row gets through (2xx, or a business answer 409/422 about the resource's state); a role not in
it is refused (401/403, or 404 where the resource is hidden from it). An operation of the OpenAPI
document without a row (or a recipe) fails, so no endpoint ships without its rule."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))   # works in every pytest import mode
from role_matrix import ANON, MATRIX, ROLES  # noqa: E402
from role_world import RECIPES, World, _multipart  # noqa: E402

from market.adapters.clock import FrozenClock  # noqa: E402
from market_testing import create_pg_database, create_sqlite_database, migrate  # noqa: E402

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)     # Monday 10:00 in Shanghai
DENIED = frozenset({401, 403, 404})
METHODS = ("get", "post", "put", "patch", "delete")
CELLS = [(op, role) for op in MATRIX for role in ROLES]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """One database, app and cast per database for the whole matrix (cells make their own resources)."""
    from market import create_app
    drop = None
    if request.param == "sqlite":
        url = create_sqlite_database(tmp_path_factory.mktemp("roles") / "market.sqlite")
    else:
        url, drop = create_pg_database("market_roles")
        migrate(url)
    clock = FrozenClock(T0)
    app = create_app("testing", DATABASE_URL=url, CLOCK=clock, SSE_MAX_SECONDS=0.2, SSE_HEARTBEAT_SECONDS=0.1,
                     TOKEN_TTL_HOURS=24 * 60,        # deal cells act weeks later (after the publicity period)
                     SEARCH_INDEX_DIR=str(tmp_path_factory.mktemp("roles_index")))
    yield World(app, app.test_client(), clock)
    app.extensions["market"].extra["engine"].dispose()
    if drop:
        drop()


def call(world: World, operation: str, role: str):
    """Run one cell; returns (status, body)."""
    method, path = operation.split(" ", 1)
    recipe = RECIPES[operation](world)
    if role == ANON:
        headers = {}
    elif recipe.fresh_user:
        headers = world.fresh(role, recipe.market)
    else:
        headers = world.headers[world.user_key(role, recipe.market)]
    url = path.format(**recipe.params)
    kw = {"query_string": recipe.query or {}, "headers": headers}
    if recipe.files is not None:
        kw.update(data=_multipart(recipe.files), content_type="multipart/form-data")
    elif recipe.json is not None:
        kw["json"] = recipe.json
    back = world.clock.now()
    if recipe.clock_offset:
        world.clock.set(back + recipe.clock_offset)
    try:
        response = world.client.open(url, method=method, buffered=not recipe.stream, **kw)
        status = response.status_code
        if recipe.stream:        # read to its end: SSE_MAX_SECONDS bounds a live stream
            body = response.get_data(as_text=True)[:200]
        else:
            body = response.get_json(silent=True)
        response.close()
    finally:
        world.clock.set(back)
    refused = status in DENIED or (status == 409 and isinstance(body, dict) and body.get("refusal") in recipe.refusals)
    return status, body, refused, status in recipe.ok


@pytest.mark.parametrize("operation, role", CELLS, ids=[f"{op} as {role}" for op, role in CELLS])
def test_role_matrix_cell(world, operation, role):
    status, body, refused, through = call(world, operation, role)
    if role in MATRIX[operation]:
        assert through and not refused, f"{role} should get through {operation}: {status} {body}"
    else:
        assert refused, f"WRONGLY ALLOWED: {role} got {status} from {operation}: {body}"


def test_every_operation_has_a_row_and_a_recipe(world):
    spec = world.client.get("/api/v1/openapi.json").get_json()
    documented = {f"{m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops if m in METHODS}
    assert sorted(documented - MATRIX.keys()) == [], "operations without a row in role_matrix.MATRIX"
    assert sorted(MATRIX.keys() - documented) == [], "rows for operations the API does not have"
    assert sorted(MATRIX.keys() - RECIPES.keys()) == [], "rows without a recipe in role_world.RECIPES"
