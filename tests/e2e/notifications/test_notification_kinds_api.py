"""Each kind of notification end to end, through HTTP on SQLite and PostgreSQL: the event happens,
the user's inbox has the row, and the test's SMTP server received the mail (Chinese subject with
the essentials, a one-click unsubscribe link)."""
from __future__ import annotations

from datetime import timedelta

from auction_http import INC, START, bid, create_auction, hold_deposits, lot_terms, publish_achievement
from notify_http import inbox, kinds, mails_to, one, watch


def _lot(client, cast, clock):
    achievement_id = publish_achievement(client, cast)
    auction_id = create_auction(client, cast)
    lot = client.post(f"/api/v1/auctions/{auction_id}/lots", headers=cast["op_sh"], json=lot_terms(clock, achievement_id))
    assert lot.status_code == 201, lot.get_json()
    return lot.get_json()["id"], auction_id, achievement_id


def test_review_results_reach_the_holder_by_inbox_and_mail_with_the_reason(client, cast, deliver, smtp_server):
    publish_achievement(client, cast, title="一种石墨烯柔性散热膜")
    created = client.post("/api/v1/achievements", headers=cast["uni_member"], json={
        "title": "一种钠离子电池负极材料", "ip_type": "发明专利", "field": "新材料", "market_code": "SH"}).get_json()
    client.post(f"/api/v1/achievements/{created['id']}/submit", headers=cast["uni_member"])
    client.post(f"/api/v1/achievements/{created['id']}/review", headers=cast["op_sh"],
                json={"decision": "reject", "reason": "缺少专利证书"})
    assert one(client, cast, "uni_member", "review_approved")["subject"] == "【审核通过】成果「一种石墨烯柔性散热膜」已发布"
    assert "缺少专利证书" in one(client, cast, "uni_member", "review_rejected")["subject"]
    deliver()
    assert len(mails_to(smtp_server, "uni_member", "审核通过")) == 1
    rejected = mails_to(smtp_server, "uni_member", "审核未通过")
    assert len(rejected) == 1 and "原因：缺少专利证书" in rejected[0].text


def test_a_whole_auction_tells_bidders_watchers_and_both_parties(app, client, cast, clock, deliver, smtp_server):
    lot_id, auction_id, _ = _lot(client, cast, clock)
    watch(client, cast, "inst_member", "lot", lot_id)
    watch(client, cast, "uni_member", "auction", auction_id)
    hold_deposits(client, cast, lot_id)
    for who in ("corp_member", "corp_zj_member"):
        assert {"registration_confirmed", "deposit_held"} <= set(kinds(client, cast, who))

    clock.set(clock.now() + timedelta(minutes=35))            # opens in 25 min: within the 30-min lead
    deliver()
    assert "即将开拍" in one(client, cast, "inst_member", "lot_opening_soon")["subject"]
    assert "lot_opening_soon" in kinds(client, cast, "uni_member")

    clock.set(clock.now() + timedelta(minutes=30))            # open
    assert bid(client, cast, "corp_member", lot_id, amount_fen=START + INC).status_code == 201
    assert bid(client, cast, "corp_zj_member", lot_id, amount_fen=START + 4 * INC).status_code == 201
    outbid = one(client, cast, "corp_member", "outbid")
    assert outbid["subject"].startswith("【出价被超越】") and "540,000元" in outbid["subject"]

    clock.set(clock.now() + timedelta(minutes=56))            # the free period is over: timed window
    deliver()
    assert "限时竞价" in one(client, cast, "inst_member", "timed_window_started")["subject"]

    clock.set(clock.now() + timedelta(minutes=10))            # the window passed: closed
    deliver()
    won = one(client, cast, "corp_zj_member", "lot_won")
    assert "成交价540,000元" in won["subject"] and "请于2025-03-10前签约" in won["subject"]
    assert "lot_lost" in kinds(client, cast, "corp_member") and "deposit_released" in kinds(client, cast, "corp_member")
    assert "lot_closed" in kinds(client, cast, "inst_member")

    clock.set(clock.now().replace(day=6))                     # Thursday: the deadline is 2 working days away
    deliver()
    reminder = one(client, cast, "corp_zj_member", "signing_deadline")
    assert "签约期限2025-03-10" in reminder["subject"]

    confirmation = client.get(f"/api/v1/lots/{lot_id}", headers=cast["corp_zj_member"]).get_json()["my_confirmation"]
    signed = client.post(f"/api/v1/confirmations/{confirmation['id']}/sign", headers=cast["op_sh"], json={})
    assert signed.status_code == 200, signed.get_json()
    registered = client.post(f"/api/v1/contracts/{signed.get_json()['contract_id']}/register",
                             headers=cast["op_sh"], json={})
    assert registered.status_code == 200, registered.get_json()
    for party in ("uni_member", "corp_zj_member"):
        assert "登记编号SH2025" in one(client, cast, party, "contract_registered")["subject"]
    deliver()
    for who, kind in (("corp_member", "出价被超越"), ("corp_member", "未竞得"), ("corp_zj_member", "竞得"),
                      ("inst_member", "即将开拍"), ("inst_member", "拍卖结束"), ("corp_zj_member", "签约提醒"),
                      ("uni_member", "合同登记"), ("corp_zj_member", "合同登记"), ("corp_member", "报名成功"),
                      ("corp_member", "保证金已到账"), ("corp_member", "保证金已退还")):
        assert mails_to(smtp_server, who, kind), (who, kind, [m.subject for m in smtp_server.received])


def test_a_winner_who_does_not_sign_is_told_of_the_forfeit(app, client, cast, clock, deliver, smtp_server):
    lot_id, _, _ = _lot(client, cast, clock)
    hold_deposits(client, cast, lot_id)
    clock.set(clock.now() + timedelta(hours=1, minutes=5))
    assert bid(client, cast, "corp_member", lot_id, amount_fen=START + 4 * INC).status_code == 201
    clock.set(clock.now() + timedelta(hours=1))
    deliver()
    clock.set(clock.now() + timedelta(days=9))                # past the 10 March deadline
    deliver()
    assert "未于2025-03-10前签约" in one(client, cast, "corp_member", "confirmation_forfeited")["subject"]
    assert "confirmation_forfeited" in kinds(client, cast, "uni_member")
    assert "deposit_forfeited" in kinds(client, cast, "corp_member")
    assert mails_to(smtp_server, "corp_member", "【违约】") and mails_to(smtp_server, "corp_member", "保证金已没收")


def test_new_achievements_are_matched_to_saved_searches_and_open_demands_with_why(client, cast, deliver, smtp_server):
    saved = client.post("/api/v1/saved-searches", headers=cast["corp_zj_member"],
                        json={"name": "散热材料", "query": "石墨烯 散热膜", "filters": {"field": "新材料"}})
    assert saved.status_code == 201, saved.get_json()
    demand = client.post("/api/v1/demands", headers=cast["corp_member"], json={
        "title": "寻求石墨烯散热膜量产技术", "description": "用于手机散热，要求石墨烯散热膜导热系数高。", "field": "新材料",
        "budget_min_fen": 50_000_000, "budget_max_fen": 100_000_000, "deadline": "2025-12-31"}).get_json()
    client.post(f"/api/v1/demands/{demand['id']}/submit", headers=cast["corp_member"])
    assert client.post(f"/api/v1/demands/{demand['id']}/review", headers=cast["op_js"],
                       json={"decision": "approve"}).status_code == 200
    publish_achievement(client, cast, title="一种石墨烯散热膜及其制备方法")
    deliver()
    by_search = one(client, cast, "corp_zj_member", "new_match")
    assert by_search["data"]["saved_search_id"] == saved.get_json()["id"]
    assert {t["term"] for t in by_search["data"]["explanation"]["terms"]} == {"石墨", "散热"}
    by_demand = one(client, cast, "corp_member", "new_match")
    assert by_demand["data"]["demand_id"] == demand["id"] and by_demand["data"]["explanation"]["terms"]
    assert "寻求石墨烯散热膜量产技术" in by_demand["subject"]
    assert mails_to(smtp_server, "corp_member", "【新匹配】") and mails_to(smtp_server, "corp_zj_member", "【新匹配】")


def test_inbox_counts_unread_and_marks_one_or_all_read(client, cast):
    publish_achievement(client, cast, title="成果一")
    publish_achievement(client, cast, title="成果二")
    items = inbox(client, cast, "uni_member")
    assert client.get("/api/v1/notifications/unread-count", headers=cast["uni_member"]).get_json()["unread"] == 2
    r = client.post(f"/api/v1/notifications/{items[0]['id']}/read", headers=cast["uni_member"])
    assert r.status_code == 200 and r.get_json()["unread"] == 1
    assert client.post(f"/api/v1/notifications/{items[0]['id']}/read", headers=cast["corp_member"]).status_code == 404
    assert [n["id"] for n in inbox(client, cast, "uni_member", unread="true")] == [items[1]["id"]]
    assert client.post("/api/v1/notifications/read-all", headers=cast["uni_member"]).get_json()["marked"] == 1
    assert client.get("/api/v1/notifications/unread-count", headers=cast["uni_member"]).get_json()["unread"] == 0
