"""The pages through the app (test client): Chinese labels, search with the API's filters, the
achievement and lot pages rendered server-side, the session login with CSRF, offline docs."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("cast")


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_home_page_shows_markets_latest_achievements_and_live_lots(client, market_day):
    response = client.get("/")
    html = _text(response)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "长三角技术市场协同平台" in html and "上海技术交易所" in html and "安徽科技大市场" in html
    assert "基于深度学习的钢材表面缺陷检测系统" in html
    assert f'/lots/{market_day["lot_id"]}' in html and "竞价中" in html


def test_search_page_finds_an_achievement_by_keyword(client, market_day):
    response = client.get("/achievements", query_string={"q": "钢材"})
    html = _text(response)
    assert response.status_code == 200 and "<mark>钢材</mark>" in html   # the matched term, highlighted
    words = re.sub(r"<[^>]+>", "", html)
    assert "基于深度学习的钢材表面缺陷检测系统" in words and "高镍三元" not in words
    assert f'/achievements/{market_day["other_id"]}' in html


def test_search_page_filters_by_market_with_the_apis_choices(client, market_day):
    html = _text(client.get("/achievements", query_string={"market": "JS"}))
    assert "钢材表面缺陷" not in html and "共 0 项" in html


def test_search_page_shows_the_apis_field_message_for_a_bad_filter(client):
    response = client.get("/achievements", query_string={"market": "XX"})
    assert response.status_code == 422 and "检索条件有误" in _text(response)


def test_achievement_page_shows_holder_price_and_ip_fields(client, market_day):
    html = _text(client.get(f"/achievements/{market_day['achievement_id']}"))
    assert "沪东理工大学" in html and "¥500,000" in html and "发明专利" in html and "拍卖中" in html
    assert "成果所有人" in html and "知识产权类型" in html


def test_an_unknown_achievement_is_a_404_page_not_json(client):
    response = client.get("/achievements/999999")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_lot_page_renders_price_countdown_and_anonymous_bids_server_side(client, market_day):
    html = _text(client.get(f"/lots/{market_day['lot_id']}"))
    assert "¥500,000" in html and "1 号" in html and "出价记录" in html
    assert "苏州精密传感" not in html   # bidders are shown by paddle number only
    assert f'data-events-url="/api/v1/lots/{market_day["lot_id"]}/events"' in html
    assert re.search(r'id="lot-countdown"[^>]*>\d\d:\d\d<', html)


def test_login_with_the_forms_csrf_token_opens_a_session(client, market_day):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn",
                                           "password": "correct-horse-42"})
    assert response.status_code == 302
    assert "corp_member" in _text(client.get("/"))


def test_login_without_a_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"email": "corp_member@example.cn", "password": "correct-horse-42"})
    assert response.status_code == 400 and "安全令牌" in _text(response)
    assert "corp_member" not in _text(client.get("/"))


def test_a_wrong_password_shows_the_apis_message(client):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn",
                                           "password": "wrong-password-1"})
    assert response.status_code == 401 and "邮箱或密码错误" in _text(response)


def test_repeated_wrong_passwords_lock_the_account_on_the_login_page_too(client):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    statuses = [client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn",
                                            "password": f"wrong-password-{i}"}) for i in range(7)]
    assert [r.status_code for r in statuses[:5]] == [401] * 5
    locked = statuses[-1]
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "登录失败次数过多" in _text(locked)


def test_a_temporary_password_opens_no_page_session(client, cast):
    reset = client.post(f"/api/v1/users/{cast.ids['corp_member']}/password-reset", headers=cast["admin"])
    temporary = reset.get_json()["temporary_password"]
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn",
                                           "password": temporary})
    assert response.status_code == 403 and "请先设置新密码" in _text(response)
    assert "corp_member" not in _text(client.get("/"))


def test_login_never_redirects_to_another_site(client):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login?next=//evil.example/x", data={
        "csrf_token": token, "email": "corp_member@example.cn", "password": "correct-horse-42"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_api_still_takes_no_csrf_token_and_no_session_cookie(client, cast):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn", "password": "correct-horse-42"})
    assert client.get("/api/v1/auth/me").status_code == 401    # the page session is not an API credential
    assert client.get("/api/v1/auth/me", headers=cast["corp_member"]).status_code == 200


def test_logging_out_of_the_pages_revokes_the_sessions_token(client, market_day):
    form = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/login", data={"csrf_token": token, "email": "corp_member@example.cn", "password": "correct-horse-42"})
    home = _text(client.get("/"))
    logout_token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    assert client.post("/logout", data={"csrf_token": logout_token}).status_code == 302
    assert "corp_member" not in _text(client.get("/"))


def test_api_docs_load_swagger_ui_from_this_app_and_the_policy_names_no_cdn(client):
    response = client.get("/api/docs")
    html = _text(response)
    assert "cdn" not in html.lower() and "/api/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in response.headers["Content-Security-Policy"].lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert client.get(f"/api/docs/assets/{asset}").status_code == 200


def test_every_page_has_no_inline_script(client, market_day):
    for path in ("/", "/achievements", f"/achievements/{market_day['achievement_id']}",
                 f"/lots/{market_day['lot_id']}", "/login"):
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", _text(client.get(path)), re.S)
        assert all("src=" in attrs and not body.strip() for attrs, body in scripts), path
