"""Fixtures of the notification e2e tests: the app mails through a real SMTP server (aiosmtpd on
127.0.0.1), and `deliver` runs what the scheduler's sweep runs, on the app's frozen clock."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "auctions"))   # auction_http's steps


@pytest.fixture
def app_config(tmp_path, smtp_server):
    from market.adapters.mail import SmtpMailer
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
            "MAILER": SmtpMailer(smtp_server.url, "长三角技术市场 <noreply@yrd.example>"),
            "NOTIFY_RETRY_SECONDS": 30.0, "TOKEN_TTL_HOURS": 24 * 60}


@pytest.fixture
def deliver(app):
    """One scheduler sweep (lots, deadlines, then notifications and the mail outbox)."""
    from market.scheduler import runtime_from_app, set_runtime, sweep_job

    def run():
        set_runtime(runtime_from_app(app))
        try:
            sweep_job()
        finally:
            set_runtime(None)
    return run
