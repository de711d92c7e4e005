"""Browser tests: Playwright for Python driving Debian's Chromium (`/usr/bin/chromium`, launched
by its path: browsers cannot be downloaded here) against the app served on 127.0.0.1 on an
ephemeral port by a werkzeug server in a thread.

Without Chromium (or the playwright package) the tests skip, except under CI=true, where that
is a failure (`.ci/run` installs chromium and fonts-wqy-zenhei). A failing test leaves a
screenshot in tests/browser/artifacts/."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from market_testing import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium is absent ({CHROMIUM}); apt-get install chromium fonts-wqy-zenhei")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is absent (pip install -e '.[dev]')")
    with sync_playwright() as p:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


@pytest.fixture
def database_url(sqlite_url):
    """One SQLite file the server's threads and the test share (the browser flows are not about
    the database family: the e2e tests cover both)."""
    return sqlite_url


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1, an ephemeral port, in a daemon thread; its base URL."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A fresh browser context (cookies of its own) at desktop width; screenshot on failure."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
