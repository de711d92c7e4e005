"""The members' flow in a real browser: a university member lists and submits an achievement, an
operator approves it in the review queue, and the search page finds it; the forms work from the
keyboard and show the API's field messages; nothing overflows a 390 px phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.usefixtures("cast")
TITLE = "一种钙钛矿叠层太阳能电池的界面钝化方法"


def sign_in(page, base: str, who: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("邮箱").fill(f"{who}@example.cn")
    page.get_by_label("密码").fill("correct-horse-42")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text(f"欢迎，{who}")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()


def test_a_listed_achievement_is_submitted_approved_in_the_queue_and_found_by_search(page, live_server):
    sign_in(page, live_server, "uni_member")
    page.get_by_role("link", name="我的成果").click()
    page.get_by_role("link", name="新建科技成果").click()

    page.get_by_role("button", name="保存草稿").click()               # empty: the API's messages, in Chinese
    expect(page.get_by_role("alert").filter(has_text="请修改标红的项目")).to_be_visible()
    expect(page.locator("#err-title")).to_have_text("必填字段")

    page.get_by_label("成果名称").fill(TITLE)
    page.get_by_label("成果简介").fill("通过界面钝化层降低复合损失，叠层电池光电转换效率超过百分之二十八。")
    page.get_by_label("关键词").fill("钙钛矿，叠层电池，界面钝化")
    page.get_by_label("知识产权类型").select_option("发明专利")
    page.get_by_label("技术领域").select_option("新能源与高效节能")
    page.get_by_label("转让").check()
    page.get_by_label("挂牌价格（元）").fill("1200000")
    page.get_by_label("技术交易市场").select_option("SH")
    page.get_by_label("所在城市").press("Enter")                      # the keyboard submits the form
    expect(page.get_by_text(f"已保存草稿：{TITLE}")).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".status").first).to_have_text("待审核")
    sign_out(page)

    sign_in(page, live_server, "op_sh")
    page.get_by_role("link", name="审核队列").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_role("button", name=f"通过：{TITLE}").click()
    expect(page.get_by_text(f"已通过并发布：{TITLE}")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE)).to_have_count(0)

    page.get_by_role("link", name="科技成果", exact=True).click()
    page.get_by_label("关键词").fill("钙钛矿")
    page.get_by_label("关键词").press("Enter")
    hit = page.locator(".hit h3 a").first
    expect(hit).to_contain_text("钙钛矿")
    hit.click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.get_by_text("¥1,200,000").first).to_be_visible()


@pytest.mark.parametrize("who,path", [("uni_member", "/my/achievements/new"), ("op_sh", "/operator/review"),
                                      (None, "/demands"), (None, "/publicity"), ("corp_member", "/my/deals")])
def test_the_member_pages_fit_a_390px_phone(page, live_server, who, path):
    if who:
        sign_in(page, live_server, who)
    page.set_viewport_size(PHONE)
    page.goto(live_server + path)
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
