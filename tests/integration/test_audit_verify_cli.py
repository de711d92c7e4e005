"""`flask market audit verify` on a real database: a row edited, deleted or slipped in by hand
in SQL is caught and named (exit 1); `audit head` exports the head it started from."""
import json

import pytest
from sqlalchemy import text


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["market", "audit", *args])


def _sql(app, statement: str, **params) -> None:
    with app.extensions["market"].extra["engine"].begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def trail(app, cast):
    """The cast's accounts: one `user.created` entry each (seven)."""
    result = _run(app, "verify")
    assert result.exit_code == 0, result.output + result.stderr
    assert "audit chain holds" in result.output


def test_a_value_edited_in_sql_is_named(app, trail):
    _sql(app, "UPDATE audit_log SET actor_role = 'admin' WHERE seq = 3")
    result = _run(app, "verify")
    assert result.exit_code == 1
    assert "audit entry 3: altered" in result.stderr


def test_a_row_deleted_in_sql_is_named(app, trail):
    _sql(app, "DELETE FROM audit_log WHERE seq = 4")
    result = _run(app, "verify")
    assert result.exit_code == 1 and "audit entry 4: removed" in result.stderr


def test_the_last_row_deleted_is_caught_by_the_head(app, trail):
    _sql(app, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    result = _run(app, "verify")
    assert result.exit_code == 1 and "removed" in result.stderr


def test_a_row_inserted_in_sql_is_named(app, trail):
    _sql(app, "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5")
    _sql(app, "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1005")
    _sql(app, "INSERT INTO audit_log (seq, at, entity, action, hash) "
              "VALUES (5, CURRENT_TIMESTAMP, 'lot:1', 'lot.cancelled', :h)", h="0" * 64)
    result = _run(app, "verify")
    assert result.exit_code == 1 and "audit entry 5: inserted" in result.stderr


def test_head_prints_and_exports_the_chain_head(app, trail, tmp_path):
    out = tmp_path / "head.json"
    result = _run(app, "head", "--output", str(out))
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert json.loads(out.read_text(encoding="utf-8")) == printed
    with app.extensions["market"].extra["engine"].connect() as conn:
        last = conn.execute(text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).one()
    assert (printed["seq"], printed["hash"]) == tuple(last)
