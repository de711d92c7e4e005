"""`flask market import` and `flask market import-demo`."""
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def test_cli_import_prints_a_summary_and_the_rejected_rows(app):
    result = app.test_cli_runner().invoke(args=["market", "import", "--market", "JS",
                                                str(FIXTURES / "js_achievements.csv")])
    assert result.exit_code == 0, result.output
    assert "rows_read" in result.output and "JS-T-003" in result.output and "挂牌日期" in result.output


def test_cli_import_of_an_unreadable_file_fails_with_the_reason(app):
    result = app.test_cli_runner().invoke(args=["market", "import", "--market", "AH",
                                                str(FIXTURES / "js_achievements.csv")])
    assert result.exit_code == 1 and "GB18030" in result.output


def test_cli_import_as_an_operator_of_another_market_is_refused(app, cast):
    result = app.test_cli_runner().invoke(args=["market", "import", "--market", "SH", "--as", "op_js@example.cn",
                                                str(FIXTURES / "sh_achievements.jsonl")])
    assert result.exit_code == 1 and "运营人员" in result.output


def test_demo_feeds_import_and_reimport_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    tmp_path = tmp_path / "demo"
    first = runner.invoke(args=["market", "import-demo", "--per-market", "12", "--dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ah_demo_achievements.csv", "js_demo_achievements.csv",
                                                         "sh_demo_achievements.jsonl", "zj_demo_achievements.json"]
    from market.services.demo_feed import import_demo_feeds
    services = app.extensions["market"]
    reports = import_demo_feeds(services.uow_factory, services.clock.now(), tmp_path, per_market=12)
    assert all(r["counts"]["created"] == r["counts"]["updated"] == 0 for r in reports)


def test_cli_import_lists_the_warnings_beside_the_rejected_rows(app, tmp_path):
    import json
    row = json.loads((FIXTURES / "sh_achievements.jsonl").read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "sh.jsonl"
    path.write_text(json.dumps(row | {"summary": "<p>第一段</p>", "grade": "A"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["market", "import", "--market", "SH", str(path)])
    assert result.exit_code == 0, result.output
    assert "警告" in result.output and "summary" in result.output and "grade" in result.output
