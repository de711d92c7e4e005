"""Joining the platform through the pages: sign up, the mailed link's page confirms, create the
organisation, the operator's verification queue verifies it; forgotten password; field messages."""
from __future__ import annotations

import html
import re

import pytest

from market.adapters.mail import FakeMailer
from market.domain.codes import credit_code_check_char

PASSWORD = "long-enough-pass"
CODE = "91310000MA1FL0000" + credit_code_check_char("91310000MA1FL0000")


@pytest.fixture
def mailer():
    return FakeMailer()


@pytest.fixture
def app_config(tmp_path, mailer):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "MAILER": mailer}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _csrf(client, path) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _text(client.get(path))).group(1)


def _link_path(mailer) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mailer.sent[-1].text).group(1)


def _log_in(client, email, password=PASSWORD):
    response = client.post("/login", data={"csrf_token": _csrf(client, "/login"), "email": email, "password": password})
    assert response.status_code == 302, _text(response)


def test_a_person_signs_up_confirms_creates_an_organisation_and_an_operator_verifies_it(client, cast, mailer):
    response = client.post("/signup", data={"csrf_token": _csrf(client, "/signup"), "email": "li@x.cn",
                                            "display_name": "李老师", "password": PASSWORD})
    assert response.status_code == 202 and "请查收" in _text(response)
    path = _link_path(mailer)
    assert path.startswith("/signup/confirm?token=")
    page = client.get(path)
    assert page.status_code == 200 and "确认邮箱" in _text(page)   # the GET spends nothing
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', _text(page)).group(1)
    confirmed = client.post("/signup/confirm", data={"csrf_token": _csrf(client, path), "token": token})
    assert confirmed.status_code == 302
    again = client.post("/signup/confirm", data={"csrf_token": _csrf(client, path), "token": token})
    assert again.status_code == 410 and "已使用" in _text(again)

    _log_in(client, "li@x.cn")
    form = {"csrf_token": _csrf(client, "/organisation"), "which": "create", "name": "沪南交通大学",
            "kind": "university", "credit_code": CODE[:-1] + "0", "province": "上海",
            "city": "上海", "market_code": "SH"}
    bad = client.post("/organisation", data=form)
    assert bad.status_code == 422 and "校验位" in _text(bad)
    created = client.post("/organisation", data={**form, "credit_code": CODE}, follow_redirects=True)
    assert "待市场认证" in _text(created)

    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    _log_in(client, "op_sh@example.cn", "correct-horse-42")
    queue = _text(client.get("/operator/verification"))
    assert "沪南交通大学" in queue
    org_id = re.search(r'/operator/verification/(\d+)', queue).group(1)
    done = client.post(f"/operator/verification/{org_id}", data={
        "csrf_token": _csrf(client, "/operator/verification"), "decision": "verify"}, follow_redirects=True)
    assert "已认证" in _text(done) and "暂无待认证" in _text(done)
    assert mailer.sent[-1].to == "li@x.cn" and "已通过" in mailer.sent[-1].subject


def test_the_forgotten_password_pages_reset_it_once(client, cast, mailer):
    response = client.post("/password/forgot", data={"csrf_token": _csrf(client, "/password/forgot"),
                                                     "email": "corp_member@example.cn"})
    assert response.status_code == 202
    path = _link_path(mailer)
    token = re.search(r"token=(\S+)", path).group(1)
    weak = client.post("/password/reset", data={"csrf_token": _csrf(client, path), "token": token,
                                                "new_password": "password"})
    assert weak.status_code == 422 and "至少12位" in _text(weak)
    ok = client.post("/password/reset", data={"csrf_token": _csrf(client, path), "token": token,
                                              "new_password": "brand-new-password"})
    assert ok.status_code == 302
    _log_in(client, "corp_member@example.cn", "brand-new-password")


def test_sign_up_page_shows_field_messages(client):
    response = client.post("/signup", data={"csrf_token": _csrf(client, "/signup"), "email": "nope",
                                            "display_name": "甲", "password": PASSWORD, "phone": "123"})
    assert response.status_code == 422
    text = _text(response)
    assert "邮箱格式不正确" in text and "电话格式不正确" in text
