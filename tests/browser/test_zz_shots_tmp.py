"""Throwaway (not committed): screenshots of the member pages into /tmp/shots-members."""
import re
import sys
sys.path.insert(0, "/work/wt/pages-members/tests/e2e")
from datetime import timedelta

import pytest

from tests.browser.conftest import PHONE
from tests.e2e.auctions.auction_http import create_auction, lot_terms, publish_achievement
from tests.e2e.deals.deal_flow import agree
from tests.e2e.web.member_world import PageUser

OUT = "/tmp/shots-members"


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "TOKEN_TTL_HOURS": 24 * 60}


def login(page, base, who):
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("邮箱").fill(f"{who}@example.cn")
    page.get_by_label("密码").fill("correct-horse-42")
    page.get_by_role("button", name="登录").click()


def shot(page, base, path, name):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(base + path)
    page.screenshot(path=f"{OUT}/{name}-1400.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(base + path)
    page.screenshot(path=f"{OUT}/{name}-390.png", full_page=True)


def test_shots(page, live_server, app, client, cast, clock):
    a1 = publish_achievement(client, cast, title="一种基于石墨烯的柔性散热膜及其制备方法")
    client.patch  # noqa
    a2 = publish_achievement(client, cast, title="高镍三元正极材料包覆改性方法")
    uni, corp = PageUser(app, "uni_member"), PageUser(app, "corp_member")
    r = uni.post("/my/achievements/new", {"title": "一种钙钛矿叠层太阳能电池的界面钝化方法", "abstract": "通过界面钝化层降低复合损失。",
                                          "ip_type": "发明专利", "field": "新能源与高效节能", "price_fen": "1200000", "market_code": "SH"})
    draft = int(re.search(r"/my/achievements/(\d+)", r.headers["Location"]).group(1))
    uni.post(f"/my/achievements/{draft}/submit")
    PageUser(app, "op_sh").post(f"/operator/review/achievements/{draft}", {"decision": "reject", "reason": "请补充专利权属证明材料"})
    r = uni.post("/my/achievements/new", {"title": "低功耗MEMS压力传感器晶圆级封装工艺", "ip_type": "发明专利", "field": "电子信息", "market_code": "SH"})
    pending = int(re.search(r"/my/achievements/(\d+)", r.headers["Location"]).group(1))
    uni.post(f"/my/achievements/{pending}/submit")
    r = corp.post("/my/demands/new", {"title": "寻求石墨烯散热膜量产工艺合作", "description": "我公司生产5G手机散热模组，需要石墨烯散热膜的量产工艺，年产能100万片。",
                                       "field": "新材料", "budget_min_fen": "500000", "budget_max_fen": "1000000", "deadline": "2025-12-31", "cooperation_mode": "技术转让"})
    demand = int(re.search(r"/my/demands/(\d+)", r.headers["Location"]).group(1))
    corp.post(f"/my/demands/{demand}/submit")
    PageUser(app, "op_js").post(f"/operator/review/demands/{demand}", {"decision": "approve"})
    # a deal: interest, counter-offer, agreement in publicity with an objection
    agreement = agree(client, cast, a2)
    notice = agreement["publicity_notice_id"]
    clock.set(clock.now() + timedelta(days=1))
    client.post(f"/api/v1/publicity-notices/{notice}/objections", json={"reason": "价格明显低于资产评估值"}, headers=cast["corp_zj_member"])
    corp.post(f"/achievements/{a1}/interest", {"message": "希望独家转让，用于5G手机散热模组量产"})
    auction = create_auction(client, cast)
    lot = client.post(f"/api/v1/auctions/{auction}/lots", headers=cast["op_sh"], json=lot_terms(clock, publish_achievement(client, cast, title="一种工业机器人关节减速器的精密装配方法"))).get_json()["id"]
    corp.post(f"/lots/{lot}/register", {"agree": "1"})
    shot(page, live_server, "/demands", "demands")
    shot(page, live_server, f"/demands/{demand}", "demand-matches")
    shot(page, live_server, "/publicity", "publicity-list")
    shot(page, live_server, f"/publicity/{notice}", "notice-anonymous")
    login(page, live_server, "uni_member")
    shot(page, live_server, "/my/achievements", "my-achievements")
    shot(page, live_server, f"/my/achievements/{draft}", "my-achievement-rejected")
    page.goto(live_server + "/my/achievements/new")
    page.get_by_role("button", name="保存草稿").click()
    page.screenshot(path=f"{OUT}/achievement-form-errors-1400.png", full_page=True)
    shot(page, live_server, f"/my/deals/negotiations/{agreement['negotiation_id']}", "negotiation-holder")
    shot(page, live_server, "/my/deals", "my-deals-holder")
    login(page, live_server, "op_sh")
    shot(page, live_server, "/operator/review", "review-queue")
    shot(page, live_server, f"/publicity/{notice}", "notice-operator")
    login(page, live_server, "corp_member")
    shot(page, live_server, f"/achievements/{a1}", "achievement-interest")
    shot(page, live_server, f"/lots/{lot}/register", "lot-register")
    shot(page, live_server, "/my/registrations", "my-registrations")
    shot(page, live_server, "/my/demands", "my-demands")
    login(page, live_server, "corp_zj_member")
    shot(page, live_server, f"/publicity/{notice}", "notice-member")
