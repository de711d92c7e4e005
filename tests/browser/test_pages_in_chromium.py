"""The pages in a real browser: Chinese text, search, log-in with CSRF, the live auction hall
updated by a bid placed through the API, nothing overflowing a 390 px phone, offline API docs."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.auctions.auction_http import INC, START, bid
from tests.e2e.web.web_world import market_day  # noqa: F401 - the fixture

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.usefixtures("cast")


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_home_and_marketplace_render_chinese(page, live_server, market_day):
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("长三角技术市场协同平台")
    expect(page.get_by_role("heading", name="上海技术交易所", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="基于深度学习的钢材表面缺陷检测系统").first).to_be_visible()
    page.get_by_role("link", name="科技成果", exact=True).click()
    expect(page.locator("h1")).to_have_text("科技成果检索")


def test_a_search_from_the_home_page_finds_the_achievement(page, live_server, market_day):
    page.goto(live_server + "/")
    page.get_by_placeholder(re.compile("检索科技成果")).fill("钢材")
    page.get_by_role("button", name="检索").click()
    hit = page.get_by_role("link", name="基于深度学习的钢材表面缺陷检测系统")
    expect(hit).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()      # the matched term is highlighted
    hit.click()
    expect(page.locator("h1")).to_have_text("基于深度学习的钢材表面缺陷检测系统")
    expect(page.get_by_text("沪东理工大学")).to_be_visible()


def test_login_with_the_forms_csrf_token_signs_in(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("邮箱").fill("corp_member@example.cn")
    page.get_by_label("密码").fill("correct-horse-42")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("欢迎，corp_member")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_a_form_sent_without_its_csrf_token_is_refused(page, live_server):
    page.goto(live_server + "/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("邮箱").fill("corp_member@example.cn")
    page.get_by_label("密码").fill("correct-horse-42")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("缺少安全令牌")).to_be_visible()
    page.goto(live_server + "/")
    expect(page.get_by_role("link", name="登录")).to_be_visible()   # still signed out


def test_the_auction_hall_updates_when_a_bid_is_placed_through_the_api(page, live_server, client, cast,
                                                                        market_day):
    page.goto(f"{live_server}/lots/{market_day['lot_id']}")
    expect(page.locator("#lot-price")).to_have_text("¥500,000")
    expect(page.locator("#lot-hall")).to_have_attribute("data-live", "connected")
    response = bid(client, cast, "corp_zj_member", market_day["lot_id"], amount_fen=START + INC)
    assert response.status_code == 201, response.get_json()
    expect(page.locator("#lot-price")).to_have_text("¥510,000")
    expect(page.locator("#lot-bid-count")).to_have_text("2")
    expect(page.locator("#lot-bids tr").first).to_contain_text("¥510,000")
    expect(page.locator("#lot-bids")).not_to_contain_text("杭州云栖")   # paddle numbers, never names


@pytest.mark.parametrize("path", ["/", "/achievements?q=材料", "/achievements/{achievement_id}", "/lots/{lot_id}",
                                  "/login"])
def test_nothing_overflows_a_390px_phone(page, live_server, market_day, path):
    page.set_viewport_size(PHONE)
    page.goto(live_server + path.format(**market_day))
    expect(page.locator("h1")).to_be_visible()
    assert _no_horizontal_overflow(page)


def test_api_docs_render_the_operations_without_the_internet(page, live_server):
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(live_server + "/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/achievements").first).to_be_visible()
    assert outside == []
