"""The whole path of a deal by agreement over HTTP: search hit → interest → negotiation → offers →
agreement → publicity (public list and item) → objection ruled → signable → signed → contract
registered → counted in the statistics. Runs on SQLite and PostgreSQL."""
from datetime import timedelta

from deal_flow import A, D, P, agree, negotiate, offer, ok, publish


def test_a_company_goes_from_a_search_hit_to_a_registered_contract_in_the_statistics(client, cast, clock, sweep):
    achievement_id = publish(client, cast)
    hits = ok(client.get("/api/v1/search", query_string={"q": "石墨烯 散热膜"}))["hits"]
    assert hits[0]["id"] == achievement_id

    # interest, answered by the holder; offers countered and accepted
    negotiation = negotiate(client, cast, hits[0]["id"])
    first = offer(client, cast, negotiation["id"], price_fen=60_000_000)
    counter = ok(client.post(f"{D}/offers/{first['id']}/counter", json={
        "price_fen": 75_000_000, "transfer_mode": "转让", "payment_terms": "分两期支付"}, headers=cast["uni_member"]), 201)
    assert (counter["side"], counter["replaces_id"]) == ("holder", first["id"])
    agreement = ok(client.post(f"{D}/offers/{counter['id']}/accept", headers=cast["corp_member"]), 201)
    assert (agreement["status"], agreement["price_fen"], agreement["publicly_funded"]) == ("in_publicity", 75_000_000, True)
    assert ok(client.get(f"{A}/{achievement_id}"))["status"] == "in_agreement"

    # the notice is public from the moment it is made, in the list and on its own
    notice_id = agreement["publicity_notice_id"]
    listed = ok(client.get(P, query_string={"market": "SH", "status": "scheduled"}))
    assert [n["id"] for n in listed["items"]] == [notice_id]
    notice = ok(client.get(f"{P}/{notice_id}"))
    assert (notice["achievement_title"], notice["seller"]["name"], notice["buyer"]["name"], notice["price_fen"],
            notice["transfer_mode"]) == (ACHIEVEMENT_TITLE, "沪东理工大学", "苏州精密传感有限公司", 75_000_000, "转让")
    assert notice["starts_at"] == "2025-03-04T00:00:00+08:00" and notice["ends_at"] == "2025-03-19T00:00:00+08:00"

    # the scheduler opens the period on time; an objection is filed and dismissed
    clock.set(clock.now() + timedelta(days=1))
    sweep()
    assert ok(client.get(f"{P}/{notice_id}"))["status"] == "open"
    objection = ok(client.post(f"{P}/{notice_id}/objections", json={"reason": "价格明显低于评估值"},
                               headers=cast["corp_zj_member"]), 201)
    ruled = ok(client.post(f"{P}/objections/{objection['id']}/ruling",
                           json={"decision": "dismissed", "reason": "已提交资产评估报告，价格合理"}, headers=cast["op_sh"]))
    assert (ruled["status"], ruled["agreement_status"]) == ("dismissed", "in_publicity")
    assert ok(client.post(f"{D}/agreements/{agreement['id']}/sign", json={}, headers=cast["corp_member"]), 409)

    # the period ends (the sweep, twice: once is enough) and the deal is signed
    clock.set(clock.now() + timedelta(days=15))
    sweep()
    sweep()
    assert ok(client.get(f"{P}/{notice_id}"))["status"] == "ended"
    early = client.post(f"{D}/agreements/{agreement['id']}/sign", json={"signed_on": "2025-03-18"},
                        headers=cast["corp_member"])
    assert early.status_code == 422 and "signed_on" in early.get_json()["errors"]
    signed = ok(client.post(f"{D}/agreements/{agreement['id']}/sign", json={}, headers=cast["corp_member"]))
    assert signed["status"] == "signed" and ok(client.get(f"{A}/{achievement_id}", headers=cast["uni_member"]))["status"] == "sold"
    contract = ok(client.get(f"/api/v1/contracts/{signed['contract_id']}", headers=cast["corp_member"]))
    assert (contract["source"], contract["agreement_id"], contract["publicity_notice_id"], contract["achievement_id"],
            contract["contract_amount_fen"], contract["contract_type"], contract["status"]) == (
        "agreement", agreement["id"], notice_id, achievement_id, 75_000_000, "技术转让", "submitted")

    # registered by the seller's market, it counts in the official statistics
    ok(client.post(f"/api/v1/contracts/{contract['id']}/register", json={}, headers=cast["op_sh"]))
    stats = ok(client.get("/api/v1/stats/contracts", query_string={"from": "2025", "to": "2025"}))
    assert stats["total"] == {"count": 1, "contract_amount_fen": 75_000_000, "tech_amount_fen": 75_000_000}
    shanghai = next(r for r in stats["rows"] if r["province"] == "上海")
    assert shanghai["count"] == 1


ACHIEVEMENT_TITLE = "一种基于石墨烯的柔性散热膜及其制备方法"


def test_an_upheld_objection_voids_the_deal_and_puts_the_achievement_back_on_the_market(client, cast, clock, sweep):
    achievement_id = publish(client, cast)
    agreement = agree(client, cast, achievement_id)
    notice_id = agreement["publicity_notice_id"]
    clock.set(clock.now() + timedelta(days=2))
    objection = ok(client.post(f"{P}/{notice_id}/objections", json={"reason": "未履行集体决策程序"},
                               headers=cast["inst_member"]), 201)
    ruled = ok(client.post(f"{P}/objections/{objection['id']}/ruling",
                           json={"decision": "upheld", "reason": "缺少单位集体决策记录"}, headers=cast["op_sh"]))
    assert ruled["agreement_status"] == "voided"
    assert ok(client.get(f"{P}/{notice_id}"))["status"] == "voided"
    assert ok(client.get(f"{D}/agreements/{agreement['id']}", headers=cast["uni_member"]))["status"] == "voided"
    assert ok(client.get(f"{A}/{achievement_id}"))["status"] == "published"
    clock.set(clock.now() + timedelta(days=30))
    sweep()
    assert ok(client.post(f"{D}/agreements/{agreement['id']}/sign", json={}, headers=cast["corp_member"]), 409)
    # back on the market: another company can deal for it, and so can the first (its interest is closed)
    assert ok(client.get(f"{D}/negotiations/{agreement['negotiation_id']}", headers=cast["corp_member"]))["status"] \
        == "closed"
    ok(client.post(f"{D}/interests", json={"achievement_id": achievement_id, "message": "重新洽谈"},
                   headers=cast["corp_member"]), 201)
    assert agree(client, cast, achievement_id, buyer="corp_zj_member")["status"] == "in_publicity"


def test_a_seller_not_publicly_funded_skips_the_publicity_and_signs_at_once(client, cast):
    org = ok(client.post("/api/v1/organisations", json={"name": "长三角民营技术研究院", "kind": "research_institute",
                                                         "province": "上海", "publicly_funded": False},
                         headers=cast["admin"]), 201)
    assert org["publicly_funded"] is False
    cast.orgs["private_inst"] = org["id"]
    cast.user("private_member", "member", organisation="private_inst")
    achievement_id = publish(client, cast, who="private_member")
    agreement = agree(client, cast, achievement_id, holder="private_member")
    assert (agreement["status"], agreement["publicity_notice_id"]) == ("signable", None)
    assert ok(client.get(P))["total"] == 0
    signed = ok(client.post(f"{D}/agreements/{agreement['id']}/sign", json={"signed_on": "2025-03-03"},
                            headers=cast["private_member"]))
    assert signed["status"] == "signed" and signed["contract_id"]


def test_universities_are_publicly_funded_by_default(client, cast):
    assert ok(client.get(f"/api/v1/organisations/{cast.orgs['uni']}"))["publicly_funded"] is True
    assert ok(client.get(f"/api/v1/organisations/{cast.orgs['corp']}"))["publicly_funded"] is False


def test_an_agreed_achievement_cannot_be_put_in_an_auction(client, cast):
    achievement_id = publish(client, cast)
    agree(client, cast, achievement_id)
    session = ok(client.post("/api/v1/auctions", json={"market_code": "SH", "title": "三月专场"},
                             headers=cast["op_sh"]), 201)
    response = client.post(f"/api/v1/auctions/{session['id']}/lots", json={
        "achievement_id": achievement_id, "starting_price_fen": 1_000_000, "increment_fen": 100_000,
        "deposit_fen": 100_000, "starts_at": "2025-03-10T10:00:00+08:00",
        "free_period_ends_at": "2025-03-10T11:00:00+08:00"}, headers=cast["op_sh"])
    assert response.status_code == 409, response.get_json()
    assert set(response.get_json()) == {"code", "status", "message", "errors"}
