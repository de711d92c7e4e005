"""The live lot page's forms, the operators' auction-day console and the big screen, through the
app: bids from a page form (refusals in words, the JSON answer lot.js reads), a whole auction day
run from the console to a signed confirmation and a registered contract."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from market.domain.auctions import SHANGHAI
from tests.e2e.auctions.auction_http import INC, START, bid, run_scheduler_sweep
from tests.e2e.web.page_session import sign_in, text_of

pytestmark = pytest.mark.usefixtures("cast")


def _local(dt) -> str:
    """What a datetime-local input sends: Shanghai time, no offset."""
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def test_a_registered_bidder_sees_the_bid_forms_with_its_paddle(client, market_day):
    sign_in(client, "corp_zj_member")
    html = client.get(f"/lots/{market_day['lot_id']}").get_data(as_text=True)
    assert 'name="amount_yuan"' in html and 'name="max_amount_yuan"' in html
    assert 'data-my-paddle="2"' in html and 'value="510000"' in html   # the next valid bid, prefilled
    assert re.search(r'<label for="amount">出价（元）</label>', html)


def test_someone_not_registered_is_told_why_there_is_no_form(client, market_day):
    sign_in(client, "inst_member")
    response = client.get(f"/lots/{market_day['lot_id']}")
    assert "尚未报名该拍品" in text_of(response) and 'name="amount_yuan"' not in response.get_data(as_text=True)
    signed_out = client.application.test_client().get(f"/lots/{market_day['lot_id']}")
    assert "登录" in text_of(signed_out) and 'name="amount_yuan"' not in signed_out.get_data(as_text=True)


def test_a_bid_from_the_form_is_placed_and_the_page_shows_the_new_price(client, market_day):
    csrf = sign_in(client, "corp_zj_member")
    response = client.post(f"/lots/{market_day['lot_id']}/bids", data={"csrf_token": csrf, "amount_yuan": "510,000"})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "出价成功，当前价 ¥510,000，您是最高出价者" in page and "2 号 ¥510,000" in page


def test_a_refused_bid_shows_the_domains_reason_in_words(client, market_day):
    csrf = sign_in(client, "corp_zj_member")
    response = client.post(f"/lots/{market_day['lot_id']}/bids", data={"csrf_token": csrf, "amount_yuan": "505000"})
    assert response.status_code == 409
    assert "出价未被接受：出价须为起拍价加加价幅度的整数倍" in text_of(response)


def test_an_amount_that_is_no_number_gets_a_field_message(client, market_day):
    csrf = sign_in(client, "corp_zj_member")
    response = client.post(f"/lots/{market_day['lot_id']}/bids", data={"csrf_token": csrf, "amount_yuan": "五十万"})
    assert response.status_code == 422 and "请填写金额（元" in text_of(response)
    empty = client.post(f"/lots/{market_day['lot_id']}/bids", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "请填写出价或最高代理价" in text_of(empty)


def test_the_script_gets_a_json_answer_and_a_proxy_maximum_stays_hidden(client, market_day):
    csrf = sign_in(client, "corp_zj_member")
    answer = client.post(f"/lots/{market_day['lot_id']}/bids", headers={"Accept": "application/json"},
                         data={"csrf_token": csrf, "max_amount_yuan": "600000"})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["accepted"] and body["leading"] and body["price_fen"] == START + INC and "您是最高出价者" in body["words"]
    public = client.application.test_client().get(f"/lots/{market_day['lot_id']}").get_data(as_text=True)
    assert "600,000" not in public
    refused = client.post(f"/lots/{market_day['lot_id']}/bids", headers={"Accept": "application/json"},
                          data={"csrf_token": csrf, "amount_yuan": "520000"})
    assert refused.status_code == 409 and refused.get_json()["words"].startswith("您已是最高出价者")


def test_a_bid_form_without_its_csrf_token_is_refused(client, market_day):
    sign_in(client, "corp_zj_member")
    response = client.post(f"/lots/{market_day['lot_id']}/bids", data={"amount_yuan": "510000"})
    assert response.status_code == 400 and "安全令牌" in text_of(response)
    assert client.get(f"/api/v1/lots/{market_day['lot_id']}").get_json()["bid_count"] == 1


def test_the_console_is_for_operators(client, market_day):
    assert client.get("/console/auctions").status_code == 302   # to the login page
    sign_in(client, "corp_member")
    response = client.get(f"/console/auctions/{market_day['auction_id']}")
    assert response.status_code == 403 and "只有市场运营人员" in text_of(response)


def test_the_console_shows_every_lots_live_state_registrations_and_deposits(client, market_day):
    sign_in(client, "op_sh")
    response = client.get(f"/console/auctions/{market_day['auction_id']}")
    html, words = response.get_data(as_text=True), text_of(response)
    assert response.status_code == 200
    assert f'data-events-url="/api/v1/auctions/{market_day["auction_id"]}/events"' in html
    assert re.search(r'data-last-event-id="[1-9]\d*"', html)
    assert "苏州精密传感有限公司" in words and "已冻结" in words and "¥530,000" in words   # operators see the reserve
    assert "落槌（结束竞价）" in words


def test_the_big_screen_shows_the_live_lot_its_price_and_last_bids(client, market_day):
    response = client.get(f"/auctions/{market_day['auction_id']}/screen")
    words = text_of(response)
    assert response.status_code == 200 and "¥500,000" in words and "1 号 · ¥500,000" in words
    assert "苏州精密传感" not in words   # paddle numbers, never names


def test_a_lot_form_with_bad_terms_shows_the_apis_field_messages(client, clock, market_day):
    csrf = sign_in(client, "op_sh")
    form = client.get(f"/console/auctions/{market_day['auction_id']}/lots").get_data(as_text=True)
    assert f'<option value="{market_day["other_id"]}">' in form and "起拍价（元）" in form   # published, not yet offered
    response = client.post(f"/console/auctions/{market_day['auction_id']}/lots", data={
        "csrf_token": csrf, "achievement_id": str(market_day["other_id"]), "starting_price_yuan": "abc",
        "increment_yuan": "10000", "deposit_yuan": "50000", "starts_at": _local(clock.now() + timedelta(hours=2)),
        "free_period_ends_at": _local(clock.now() + timedelta(hours=1))})
    assert response.status_code == 422 and "请填写金额（元" in text_of(response)
    response = client.post(f"/console/auctions/{market_day['auction_id']}/lots", data={
        "csrf_token": csrf, "achievement_id": str(market_day["other_id"]), "starting_price_yuan": "300000",
        "increment_yuan": "10000", "deposit_yuan": "50000", "starts_at": _local(clock.now() + timedelta(hours=2)),
        "free_period_ends_at": _local(clock.now() + timedelta(hours=1))})
    assert response.status_code == 422 and "自由报价期结束须晚于开始" in text_of(response)


def _form_post(client, path, csrf, **data):
    response = client.post(path, data={"csrf_token": csrf, **data})
    assert response.status_code == 302, text_of(response)[:2000]
    return client.get(response.headers["Location"])


def test_an_auction_day_run_from_the_console_ends_with_a_registered_contract_in_the_statistics(
        app, client, cast, clock, market_day):
    op = sign_in(client, "op_sh")
    day_page = _form_post(client, "/console/auctions", op, title="长三角专场（页面）", description="控制台创建")
    day_id = int(re.search(r"/console/auctions/(\d+)", day_page.request.path).group(1))
    assert "已创建拍卖会「长三角专场（页面）」" in text_of(day_page)
    t0 = clock.now()
    day_page = _form_post(client, f"/console/auctions/{day_id}/lots", op, achievement_id=str(market_day["other_id"]),
                          starting_price_yuan="300000", increment_yuan="10000", reserve_price_yuan="",
                          deposit_yuan="30000", starts_at=_local(t0 + timedelta(minutes=10)),
                          free_period_ends_at=_local(t0 + timedelta(minutes=40)), window_seconds="120")
    assert "已添加拍品 1：基于深度学习的钢材表面缺陷检测系统" in text_of(day_page)
    lot_id = client.get(f"/api/v1/auctions/{day_id}").get_json()["lots"][0]["id"]
    registration = client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast["corp_zj_member"]).get_json()
    day_page = _form_post(client, f"/console/deposits/{registration['deposit']['id']}/confirm", op,
                          reference="BANK-0001", auction_id=str(day_id))
    assert "保证金 ¥30,000 已确认（已冻结）" in text_of(day_page)
    clock.advance(minutes=11)
    run_scheduler_sweep(app)
    assert bid(client, cast, "corp_zj_member", lot_id, amount_fen=300_000_00).status_code == 201
    clock.advance(minutes=40)
    day_page = _form_post(client, f"/console/lots/{lot_id}/close", op)
    assert "拍品已成交，成交价 ¥300,000" in text_of(day_page)
    confirmation_id = client.get(f"/api/v1/auctions/{day_id}", headers=cast["op_sh"]).get_json()["lots"][0]["confirmation"]["id"]
    contract_page = _form_post(client, f"/console/confirmations/{confirmation_id}/sign", op)
    assert "成交确认书已签约" in text_of(contract_page) and "待登记" in text_of(contract_page)
    contract_id = int(re.search(r"/contracts/(\d+)", contract_page.request.path).group(1))
    registered = _form_post(client, f"/contracts/{contract_id}/register", op)
    assert "合同已认定登记，登记编号 SH2025000001" in text_of(registered)
    board = text_of(client.get("/stats", query_string={"period": "2025Q1"}))
    assert "合同数 1" in board and "合同成交额（万元） 30.00" in board
    assert "杭州云栖" not in board   # figures only


def test_an_operator_cancels_and_reoffers_a_lot_from_the_console(client, clock, market_day):
    op = sign_in(client, "op_sh")
    lot = market_day["lot_id"]
    refused = client.post(f"/console/lots/{lot}/cancel", data={"csrf_token": op, "reason": ""})
    assert refused.status_code == 422 and "撤拍原因" in text_of(refused)
    page = _form_post(client, f"/console/lots/{lot}/cancel", op, reason="权利人撤回委托")
    assert "拍品已撤拍：权利人撤回委托" in text_of(page) and "已退还" in text_of(page)
    page = _form_post(client, f"/console/lots/{lot}/reoffer", op,
                      starts_at=_local(clock.now() + timedelta(hours=1)),
                      free_period_ends_at=_local(clock.now() + timedelta(hours=2)))
    assert "已重新上拍：拍品 2" in text_of(page)


def test_new_pages_have_no_inline_script(client, market_day):
    sign_in(client, "op_sh")
    for path in (f"/console/auctions/{market_day['auction_id']}", "/console/auctions",
                 f"/console/auctions/{market_day['auction_id']}/lots",
                 f"/auctions/{market_day['auction_id']}/screen", "/stats", "/contracts", "/contracts/new"):
        response = client.get(path)
        assert response.status_code == 200, path
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.get_data(as_text=True), re.S)
        assert all("src=" in attrs and not body.strip() for attrs, body in scripts), path
