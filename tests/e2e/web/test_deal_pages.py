"""Deals by agreement, publicity and lot registration through the pages: interest from the
achievement page, the holder accepts, offers countered and accepted, the publicity notice with
an objection and the operator's ruling, the signature after the period; a company registers for
a lot and follows its deposit. SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.auctions.auction_http import create_auction, lot_terms, publish_achievement
from tests.e2e.web.member_world import PageUser, words

pytestmark = pytest.mark.usefixtures("cast")


@pytest.fixture
def app_config(tmp_path):
    """Deals span weeks of the frozen clock: the page sessions' tokens must outlive the publicity."""
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "TOKEN_TTL_HOURS": 24 * 60}


@pytest.fixture
def sweep(app, services, clock):
    from market import scheduler
    scheduler.set_runtime(scheduler.Runtime(uow_factory=services.uow_factory, clock=clock))
    yield scheduler.sweep_job
    scheduler.set_runtime(None)


def _negotiation_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/my/deals/negotiations/(\d+)", response.headers["Location"]).group(1))


def _open_offer_id(page) -> int:
    return int(re.search(r"/my/deals/offers/(\d+)/accept", page.get_data(as_text=True)).group(1))


def test_a_deal_goes_from_interest_to_offers_publicity_objection_and_signature(app, client, cast, clock, sweep):
    achievement = publish_achievement(client, cast, title="一种基于石墨烯的柔性散热膜及其制备方法")
    corp, uni, rival, operator = (PageUser(app, who) for who in ("corp_member", "uni_member", "corp_zj_member", "op_sh"))

    empty = corp.post(f"/achievements/{achievement}/interest", {"message": ""})
    assert empty.status_code == 422 and "长度" in words(empty)
    assert corp.post(f"/achievements/{achievement}/interest", {"message": "希望独家转让"}).status_code == 302
    again = corp.post(f"/achievements/{achievement}/interest", {"message": "再次登记"})
    assert again.status_code == 409 and "已有进行中的意向" in words(again)

    deals = words(uni.get("/my/deals"))
    assert "意向说明：希望独家转让" in deals and "苏州精密传感有限公司" in deals and "待答复" in deals
    interest = re.search(r"/my/deals/interests/(\d+)/accept", uni.get("/my/deals").get_data(as_text=True)).group(1)
    negotiation = _negotiation_id(uni.post(f"/my/deals/interests/{interest}/accept"))

    bad = corp.post(f"/my/deals/negotiations/{negotiation}/offers", {"price_fen": "六十万", "transfer_mode": "转让"})
    assert bad.status_code == 422 and "请输入金额（元），最多两位小数" in words(bad)
    corp.post(f"/my/deals/negotiations/{negotiation}/offers",
              {"price_fen": "600000", "transfer_mode": "转让", "payment_terms": "签约后一次付清"})
    offer = _open_offer_id(uni.get(f"/my/deals/negotiations/{negotiation}"))
    uni.post(f"/my/deals/offers/{offer}/counter", {"negotiation_id": negotiation, "price_fen": "750000",
                                                    "transfer_mode": "转让", "payment_terms": "分两期支付"})
    page = corp.get(f"/my/deals/negotiations/{negotiation}")
    assert "已还价" in words(page) and "接受报价 ¥750,000" in words(page)
    accepted = corp.post(f"/my/deals/offers/{_open_offer_id(page)}/accept", {"negotiation_id": negotiation}, follow=True)
    text = words(accepted)
    assert "协议成交，进入公示期" in text and "公示中" in text and "¥750,000" in text
    notice = int(re.search(r"/publicity/(\d+)", accepted.get_data(as_text=True)).group(1))

    public = words(client.get("/publicity"))
    assert "一种基于石墨烯的柔性散热膜及其制备方法" in public and "沪东理工大学 → 苏州精密传感有限公司" in public
    clock.set(clock.now() + timedelta(days=1))
    sweep()
    party = corp.post(f"/publicity/{notice}/objections", {"reason": "我方是受让方"})
    assert party.status_code == 403
    assert rival.post(f"/publicity/{notice}/objections", {"reason": "价格明显低于评估值"}).status_code == 302
    ruling_page = operator.get(f"/publicity/{notice}").get_data(as_text=True)
    objection = re.search(r"/publicity/objections/(\d+)/ruling", ruling_page).group(1)
    assert f"/publicity/objections/{objection}/ruling" not in rival.get(f"/publicity/{notice}").get_data(as_text=True)
    ruled = operator.post(f"/publicity/objections/{objection}/ruling",
                          {"notice_id": notice, "decision": "dismissed", "reason": "已提交资产评估报告"}, follow=True)
    assert "异议不成立" in words(ruled) and "裁定理由" in words(ruled) and "已提交资产评估报告" in words(ruled)

    agreement = client.get(f"/api/v1/deals/negotiations/{negotiation}", headers=cast["corp_member"]).get_json()
    early = corp.post(f"/my/deals/agreements/{agreement['agreement_id']}/sign", {"negotiation_id": negotiation},
                      follow=True)
    assert "操作未完成" in words(early)
    clock.set(clock.now() + timedelta(days=15))
    sweep()
    assert "公示期满" in words(client.get(f"/publicity/{notice}"))
    assert "确认签约" in words(corp.get(f"/my/deals/negotiations/{negotiation}"))
    signed = corp.post(f"/my/deals/agreements/{agreement['agreement_id']}/sign", {"negotiation_id": negotiation},
                       follow=True)
    assert "已签约，技术合同已提交认定登记" in words(signed) and "技术合同编号" in words(signed)


def test_the_holder_declines_an_interest_with_a_reason_the_company_reads(app, client, cast):
    achievement = publish_achievement(client, cast)
    corp, uni = PageUser(app, "corp_member"), PageUser(app, "uni_member")
    corp.post(f"/achievements/{achievement}/interest", {"message": "希望普通许可"})
    interest = re.search(r"/my/deals/interests/(\d+)/decline", uni.get("/my/deals").get_data(as_text=True)).group(1)
    blank = uni.post(f"/my/deals/interests/{interest}/decline", {"reason": ""}, follow=True)
    assert "操作未完成" in words(blank)
    uni.post(f"/my/deals/interests/{interest}/decline", {"reason": "已与其他企业洽谈"})
    assert "婉拒理由：已与其他企业洽谈" in words(corp.get("/my/deals")) and "已婉拒" in words(corp.get("/my/deals"))


def test_an_anonymous_visitor_reads_the_notice_but_is_asked_to_sign_in_to_object(app, client, cast):
    assert "暂无公示" in words(client.get("/publicity"))
    assert client.get("/publicity/999999").status_code == 404
    assert client.get("/publicity", query_string={"status": "nonsense"}).status_code == 422


def test_a_company_registers_for_a_lot_and_follows_its_deposit(app, client, cast, clock):
    achievement = publish_achievement(client, cast)
    auction = create_auction(client, cast)
    lot = client.post(f"/api/v1/auctions/{auction}/lots", headers=cast["op_sh"], json=lot_terms(clock, achievement))
    lot_id = lot.get_json()["id"]
    corp = PageUser(app, "corp_member")
    form = words(corp.get(f"/lots/{lot_id}/register"))
    assert "确认报名" in form and "¥50,000" in form and "¥500,000" in form
    unticked = corp.post(f"/lots/{lot_id}/register", {}, follow=True)
    assert "请先阅读并勾选同意竞买规则" in words(unticked)
    registered = words(corp.post(f"/lots/{lot_id}/register", {"agree": "1"}, follow=True))
    assert "报名成功，号牌 1 号" in registered and "待缴纳" in registered
    assert "报名竞买" not in words(corp.get(f"/lots/{lot_id}"))
    assert "我的号牌 1 号 · 保证金待缴纳" in words(corp.get(f"/lots/{lot_id}"))

    deposit = client.get("/api/v1/registrations/mine", headers=cast["corp_member"]).get_json()[0]["deposit"]["id"]
    assert client.post(f"/api/v1/deposits/{deposit}/confirm", headers=cast["op_sh"], json={}).status_code == 200
    mine = words(corp.get("/my/registrations"))
    assert "已冻结" in mine and "1 号" in mine and "¥50,000" in mine
    assert PageUser(app, "uni_member").post(f"/lots/{lot_id}/register", {"agree": "1"}, follow=True).status_code == 200


def test_the_new_pages_carry_no_inline_script(app, client, cast):
    uni = PageUser(app, "uni_member")
    for user, path in ((client, "/demands"), (client, "/publicity"), (uni, "/my/achievements"),
                       (uni, "/my/achievements/new"), (uni, "/my/deals"), (PageUser(app, "op_sh"), "/operator/review"),
                       (PageUser(app, "corp_member"), "/my/registrations")):
        html = user.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert all("src=" in attrs and not body.strip() for attrs, body in scripts), path
