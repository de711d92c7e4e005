"""Sign-up and reset requests are rate-limited per e-mail address and per client address, with one
budget for both routes (and the pages)."""
from __future__ import annotations

import pytest

from market.adapters.mail import FakeMailer

PASSWORD = "long-enough-pass"


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "MAILER": FakeMailer(),
            "ACCOUNT_MAIL_EMAIL_RATE_LIMIT": "2 per hour", "ACCOUNT_MAIL_RATE_LIMIT": "5 per hour"}


@pytest.fixture(autouse=True)
def fresh_limits(app):
    from market.api.deps import limiter
    limiter.reset()   # the limiter's memory is the process's: start every test from zero


def test_sign_up_and_reset_requests_are_rate_limited_per_email_and_per_address(client, smtp_server):
    codes = [client.post("/api/v1/accounts/password-reset", json={"email": "flood@x.cn"}).status_code
             for _ in range(3)]
    assert codes == [202, 202, 429]
    codes = [client.post("/api/v1/accounts/password-reset", json={"email": f"n{i}@x.cn"}).status_code
             for i in range(3)]
    assert codes == [202, 202, 429]     # the address's 5 are spent (a refused request counts too)
    assert client.post("/api/v1/accounts/signup", json={"email": "z@x.cn", "display_name": "z",
                                                        "password": PASSWORD}).status_code == 429
