"""Under production settings the demo commands refuse to run, and the API sets no cookie (the
cookie session, signed with SECRET_KEY, is the pages' alone)."""
import pytest
from sqlalchemy import text


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "idx"), "ENV_NAME": "production"}


@pytest.mark.parametrize("command", [["market", "seed-demo"], ["market", "import-demo", "--per-market", "1"]])
def test_demo_commands_refuse_to_run_under_production(app, command):
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code != 0 and "production" in result.output
    with app.extensions["market"].extra["engine"].connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in ("users", "achievements")]
    assert counts == [0, 0]


def test_the_api_sets_no_cookie(app, client):
    """The cookie session is the pages' alone: the API answers without a Set-Cookie."""
    for response in (client.get("/api/v1/achievements"), client.post("/api/v1/auth/login", json={})):
        assert "Set-Cookie" not in response.headers
