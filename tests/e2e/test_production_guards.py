"""Under production settings the demo commands refuse to run, and the app keeps no cookie
session (so there is no SECRET_KEY to guess)."""
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


def test_nothing_can_sign_a_cookie_session(app):
    assert app.secret_key is None
    with app.test_request_context():
        from flask import session
        with pytest.raises(RuntimeError):
            session["x"] = 1
