"""My achievements and demands through the pages: the API's validation with Chinese field
messages, drafts edited, submitted, rejected with a comment and approved in the operators'
queue, and the public demand page with its matches and why they matched. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from tests.e2e.achievement_payloads import ACHIEVEMENT
from tests.e2e.web.member_world import PageUser, new_id, words

pytestmark = pytest.mark.usefixtures("cast")

GOOD = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": ACHIEVEMENT["abstract"],
        "keywords": "石墨烯，散热膜", "ip_type": "发明专利", "field": "新材料", "maturity": "中试",
        "price_fen": "800000", "market_code": "SH"}


def test_a_bad_achievement_form_shows_the_apis_field_messages_in_chinese_and_saves_nothing(app):
    uni = PageUser(app, "uni_member")
    response = uni.post("/my/achievements/new", {**GOOD, "title": "", "ip_type": "专利", "price_fen": "12.345"})
    text = words(response)
    assert response.status_code == 422 and "请修改标红的项目后再保存" in text
    assert "必填字段" in text and "必须是以下之一" in text and "请输入金额（元），最多两位小数" in text
    assert "(required)" not in text and "must be one of" not in text        # Chinese only on the page
    assert 'value="石墨烯，散热膜"' in response.get_data(as_text=True)           # what was typed stays
    assert "共 0 项" in words(uni.get("/my/achievements"))


def test_a_member_lists_an_achievement_edits_and_submits_it_and_the_operator_rejects_then_approves(app, client):
    uni, operator = PageUser(app, "uni_member"), PageUser(app, "op_sh")
    ident = new_id(uni.post("/my/achievements/new", {**GOOD, "transfer_modes": ["转让", "普通许可"]}), "achievements")
    page = words(uni.get(f"/my/achievements/{ident}"))
    assert "草稿" in page and "¥800,000" in page and "转让、普通许可" in page
    edited = uni.post(f"/my/achievements/{ident}/edit", {**GOOD, "price_fen": "", "transfer_modes": ["转让"]})
    assert edited.status_code == 302
    assert "面议" in words(uni.get(f"/my/achievements/{ident}"))
    assert uni.post(f"/my/achievements/{ident}/submit").status_code == 302
    assert "待审核" in words(uni.get(f"/my/achievements/{ident}"))

    queue = words(operator.get("/operator/review"))
    assert "待审核科技成果（1）" in queue and GOOD["title"] in queue and "沪东理工大学" in queue
    refused = operator.post(f"/operator/review/achievements/{ident}", {"decision": "reject"}, follow=True)
    assert "驳回必须说明理由" in words(refused)
    operator.post(f"/operator/review/achievements/{ident}", {"decision": "reject", "reason": "请补充专利权属证明"})
    mine = words(uni.get(f"/my/achievements/{ident}"))
    assert "审核意见（已驳回）： 请补充专利权属证明" in mine and "待审核 → 草稿" in mine

    uni.post(f"/my/achievements/{ident}/submit")
    approved = operator.post(f"/operator/review/achievements/{ident}", {"decision": "approve"}, follow=True)
    assert "已通过并发布" in words(approved) and "待审核科技成果（0）" in words(approved)
    assert "已发布" in words(uni.get(f"/my/achievements/{ident}"))
    assert f"/achievements/{ident}" in client.get("/achievements", query_string={"q": "石墨烯"}).get_data(as_text=True)


def test_only_drafts_are_edited_and_the_refusal_is_said_on_the_page(app):
    uni = PageUser(app, "uni_member")
    ident = new_id(uni.post("/my/achievements/new", GOOD), "achievements")
    uni.post(f"/my/achievements/{ident}/submit")
    refused = uni.post(f"/my/achievements/{ident}/edit", {**GOOD, "title": "改名"})
    assert refused.status_code == 409 and "只有草稿可以修改" in words(refused)
    again = uni.post(f"/my/achievements/{ident}/submit", follow=True)
    assert "操作未完成" in words(again) and "不能提交审核" in words(again)


def test_a_company_member_cannot_list_achievements_and_an_operator_sees_only_its_market(app):
    assert PageUser(app, "corp_member").get("/my/achievements").status_code == 403
    uni = PageUser(app, "uni_member")
    ident = new_id(uni.post("/my/achievements/new", GOOD), "achievements")
    uni.post(f"/my/achievements/{ident}/submit")
    assert GOOD["title"] not in words(PageUser(app, "op_js").get("/operator/review"))
    assert PageUser(app, "op_js").post(f"/operator/review/achievements/{ident}", {"decision": "approve"}).status_code == 302
    assert "待审核" in words(uni.get(f"/my/achievements/{ident}"))       # JS's operator changed nothing


def test_signed_out_member_pages_send_to_the_login_page_and_come_back(app):
    anonymous = PageUser(app, None)
    response = anonymous.get("/my/demands")
    assert response.status_code == 302 and "/login?next=/my/demands" in response.headers["Location"]


def test_a_member_form_without_its_csrf_token_is_refused(app):
    uni = PageUser(app, "uni_member")
    response = uni.post("/my/achievements/new", GOOD, csrf=False)
    assert response.status_code == 400 and "安全令牌" in words(response)
    assert "共 0 项" in words(uni.get("/my/achievements"))


DEMAND = {"title": "寻求石墨烯散热膜量产工艺合作", "description": "我公司生产5G手机散热模组，需要石墨烯散热膜的量产工艺。",
          "field": "新材料", "budget_min_fen": "500000", "budget_max_fen": "1,000,000", "deadline": "2025-12-31",
          "cooperation_mode": "技术转让"}


def test_a_company_posts_a_demand_which_once_approved_lists_publicly_with_its_matches_and_why(app, client):
    uni, corp, operator = PageUser(app, "uni_member"), PageUser(app, "corp_member"), PageUser(app, "op_js")
    achievement = new_id(uni.post("/my/achievements/new", GOOD), "achievements")
    uni.post(f"/my/achievements/{achievement}/submit")
    PageUser(app, "op_sh").post(f"/operator/review/achievements/{achievement}", {"decision": "approve"})

    bad = corp.post("/my/demands/new", {**DEMAND, "deadline": "2025-13-40"})
    assert bad.status_code == 422 and "日期格式应为 YYYY-MM-DD" in words(bad)
    ident = new_id(corp.post("/my/demands/new", DEMAND), "demands")
    assert "¥500,000 ~ ¥1,000,000" in words(corp.get(f"/my/demands/{ident}"))
    corp.post(f"/my/demands/{ident}/submit")
    assert DEMAND["title"] not in words(client.get("/demands"))
    operator.post(f"/operator/review/demands/{ident}", {"decision": "approve"})

    listed = words(client.get("/demands", query_string={"market": "JS"}))
    assert DEMAND["title"] in listed and "苏州精密传感有限公司" in listed
    page = client.get(f"/demands/{ident}")
    text = words(page)
    assert page.status_code == 200 and "匹配的科技成果" in text and "沪东理工大学" in text
    assert f'href="/achievements/{achievement}"' in page.get_data(as_text=True)
    assert "匹配原因： 共同关键词 散热 、 石墨" in text and "出现在成果的名称、关键词、简介" in text
    assert "跨省" in text       # a Shanghai answer to a Jiangsu demand


def test_the_demand_list_refuses_a_bad_filter_with_the_apis_message(client):
    response = client.get("/demands", query_string={"market": "XX"})
    assert response.status_code == 422 and "必须是以下之一" in words(response)


def test_a_draft_demand_is_not_public(app, client):
    ident = new_id(PageUser(app, "corp_member").post("/my/demands/new", DEMAND), "demands")
    assert client.get(f"/demands/{ident}").status_code == 404
