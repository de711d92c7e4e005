"""The contracts API: direct entry, registration by the seller's market only, bad input."""
import pytest


def test_member_records_a_contract_and_the_sellers_market_registers_it(client, cast, deal):
    created = deal()
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["status"], body["market_code"], body["seller_province"]) == ("submitted", "SH", "上海")
    cid = body["id"]
    for who in ("admin", "uni_member", "corp_member"):
        denied = client.post(f"/api/v1/contracts/{cid}/register", json={}, headers=cast[who])
        assert denied.status_code == 403, who
    hidden = client.post(f"/api/v1/contracts/{cid}/register", json={}, headers=cast["op_js"])
    assert hidden.status_code == 404     # another market's contract: not even its existence
    done = client.post(f"/api/v1/contracts/{cid}/register", json={"registration_number": "2025310104000777"},
                       headers=cast["op_sh"])
    assert done.status_code == 200 and done.get_json()["status"] == "registered"
    again = client.post(f"/api/v1/contracts/{cid}/register", json={}, headers=cast["op_sh"])
    assert again.status_code == 409


def test_tech_amount_above_contract_amount_is_a_422(client, cast, deal):
    response = deal(contract_amount_fen=100, tech_amount_fen=101)
    assert response.status_code == 422
    assert "tech_amount_fen" in response.get_json()["errors"]


@pytest.mark.parametrize("change, field", [
    ({"contract_type": "技术买卖"}, "contract_type"), ({"field": "玄学"}, "field"),
    ({"signed_on": "2025-13-01"}, "signed_on"), ({"contract_amount_fen": 1.5}, "contract_amount_fen"),
    ({"contract_amount_fen": -1}, "contract_amount_fen"), ({"seller_org_id": 99999}, "seller_org_id"),
    ({"signed_on": "2027-01-01"}, "signed_on"), ({"market_code": "JS"}, "market_code"),
    ({"seller_org_id": 2**70}, "seller_org_id"), ({"buyer_org_id": 2**31}, "buyer_org_id"),
    ({"achievement_id": 2**40}, "achievement_id"), ({"demand_id": 2**40}, "demand_id"),
])
def test_bad_contract_input_is_a_422_naming_the_field(deal, change, field):
    response = deal(**change)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_demand_deal_with_a_demand_id_beyond_any_id_is_a_422(client, cast):
    response = client.post("/api/v1/contracts/demand-deals", headers=cast["corp_member"], json={
        "demand_id": 2**70, "seller_org_id": cast.orgs["uni"], "contract_amount_fen": 10, "tech_amount_fen": 5,
        "signed_on": "2025-01-01"})
    assert response.status_code == 422 and "demand_id" in response.get_json()["errors"]


def test_contract_id_beyond_any_id_is_404_not_500(client, cast):
    assert client.get(f"/api/v1/contracts/{2**64}", headers=cast["op_sh"]).status_code == 404


def test_import_runs_of_a_market_code_with_a_nul_character_are_404_not_500(client, cast):
    assert client.get("/api/v1/contracts/imports/S%00H", headers=cast["admin"]).status_code == 404


def test_register_upload_with_a_nameless_form_part_is_422_not_500(client, cast):
    body = b'--XX\r\nContent-Disposition: form-data\r\n\r\n51013\r\n--XX--\r\n'
    response = client.post("/api/v1/contracts/imports/SH", data=body, headers=cast["op_sh"],
                           content_type="multipart/form-data; boundary=XX")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]


def test_anonymous_cannot_record_contracts(client, cast, deal):
    assert deal(who="uni_member").status_code == 201
    anonymous = client.post("/api/v1/contracts", json={
        "title": "t", "contract_type": "技术开发", "field": "电子信息", "seller_org_id": cast.orgs["uni"],
        "buyer_org_id": cast.orgs["corp"], "contract_amount_fen": 1, "tech_amount_fen": 1, "signed_on": "2025-01-01"})
    assert anonymous.status_code == 401


def test_outsider_cannot_record_a_contract_between_others(deal):
    assert deal(who="corp_zj_member").status_code == 403


def test_refusal_requires_a_reason(client, cast, deal):
    cid = deal().get_json()["id"]
    assert client.post(f"/api/v1/contracts/{cid}/refuse", json={}, headers=cast["op_sh"]).status_code == 422
    refused = client.post(f"/api/v1/contracts/{cid}/refuse", json={"reason": "非技术合同"}, headers=cast["op_sh"])
    assert refused.get_json()["status"] == "refused"
    resubmitted = client.post(f"/api/v1/contracts/{cid}/resubmit", headers=cast["uni_member"])
    assert resubmitted.get_json()["status"] == "submitted"


def test_patch_keeps_the_amount_rule(client, cast, deal):
    cid = deal().get_json()["id"]
    bad = client.patch(f"/api/v1/contracts/{cid}", json={"tech_amount_fen": 3_000_000_00}, headers=cast["uni_member"])
    assert bad.status_code == 422 and "tech_amount_fen" in bad.get_json()["errors"]
    good = client.patch(f"/api/v1/contracts/{cid}", json={"contract_amount_fen": 2_500_000_00},
                        headers=cast["uni_member"])
    assert good.status_code == 200 and good.get_json()["contract_amount_fen"] == 2_500_000_00


def test_registered_contract_can_be_revoked_only_by_its_market(client, cast, deal):
    cid = deal().get_json()["id"]
    client.post(f"/api/v1/contracts/{cid}/register", json={}, headers=cast["op_sh"])
    assert client.post(f"/api/v1/contracts/{cid}/revoke", json={"reason": "x"}, headers=cast["op_js"]).status_code == 404
    assert client.post(f"/api/v1/contracts/{cid}/revoke", json={"reason": "x"}, headers=cast["corp_member"]).status_code == 403
    revoked = client.post(f"/api/v1/contracts/{cid}/revoke", json={"reason": "登记有误"}, headers=cast["op_sh"])
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "refused"


def test_contract_detail_is_for_parties_and_staff(client, cast, deal):
    cid = deal().get_json()["id"]
    assert client.get(f"/api/v1/contracts/{cid}", headers=cast["corp_member"]).status_code == 200
    assert client.get(f"/api/v1/contracts/{cid}", headers=cast["corp_zj_member"]).status_code == 404
    listed = client.get("/api/v1/contracts?from=2025&to=2025", headers=cast["op_sh"]).get_json()
    assert listed["total"] == 1
    assert client.get("/api/v1/contracts?from=2025Q3&to=2025Q1", headers=cast["op_sh"]).status_code == 422


def test_demand_deal_endpoint_closes_the_demand(client, cast, uow_factory, clock):
    from market.domain.demands import Demand
    with uow_factory() as uow:
        demand = Demand(title="低功耗蓝牙模组开发", enterprise_id=cast.orgs["corp"], market_code="JS",
                        field="电子信息", cooperation_mode="技术服务", province="江苏", now=clock.now(), status="open")
        uow.demands.add(demand)
        uow.commit()
        did = demand.id
    response = client.post("/api/v1/contracts/demand-deals", headers=cast["corp_member"], json={
        "demand_id": did, "seller_org_id": cast.orgs["inst"], "contract_amount_fen": 50_000_00,
        "tech_amount_fen": 50_000_00, "signed_on": "2025-12-01"})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["contract_type"], response.get_json()["market_code"]) == ("技术服务", "JS")
    bad = client.post("/api/v1/contracts/demand-deals", headers=cast["corp_member"], json={
        "demand_id": did, "seller_org_id": cast.orgs["inst"], "contract_amount_fen": 1,
        "tech_amount_fen": 2, "signed_on": "2025-12-01"})
    assert bad.status_code == 422


def test_register_import_through_the_api(client, cast):
    csv_text = ("external_id,title,contract_type,field,seller_name,seller_province,buyer_name,buyer_province,"
                "contract_amount,tech_amount,signed_on,registration_number\n"
                "JS-1,数控机床误差补偿技术转让,技术转让,先进制造,太湖装备有限公司,江苏,皖北机械有限公司,安徽,"
                "30万元,30万元,2025-08-08,2025320500000001\n"
                "JS-2,坏行,技术转让,先进制造,太湖装备有限公司,江苏,皖北机械有限公司,安徽,30万元,31万元,2025-08-08,\n")
    from io import BytesIO
    response = client.post("/api/v1/contracts/imports/JS", headers=cast["op_js"], content_type="multipart/form-data",
                           data={"file": (BytesIO(csv_text.encode()), "js_register.csv")})
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"] == {"rows": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report["errors"][0]["row"] == 3
    assert client.get("/api/v1/contracts/imports/JS", headers=cast["op_js"]).get_json()[0]["id"] == report["id"]
    no_file = client.post("/api/v1/contracts/imports/JS", headers=cast["op_js"], content_type="multipart/form-data", data={})
    assert no_file.status_code == 422
    other = client.post("/api/v1/contracts/imports/JS", headers=cast["op_sh"], content_type="multipart/form-data",
                        data={"file": (BytesIO(csv_text.encode()), "x.csv")})
    assert other.status_code == 403


REGISTER_HEADER = ("external_id,title,contract_type,field,seller_name,seller_province,seller_credit_code,"
                   "buyer_name,buyer_province,contract_amount,tech_amount,signed_on,registration_number\n")
REGISTER_ROW = {"external_id": "JS-1", "title": "数控机床误差补偿技术转让", "contract_type": "技术转让",
                "field": "先进制造", "seller_name": "太湖装备有限公司", "seller_province": "江苏",
                "seller_credit_code": "", "buyer_name": "皖北机械有限公司", "buyer_province": "安徽",
                "contract_amount": "30万元", "tech_amount": "30万元", "signed_on": "2025-08-08",
                "registration_number": "2025320500000001"}


def import_register_row(client, cast, **changes):
    from io import BytesIO
    row = {**REGISTER_ROW, **changes}
    line = ",".join('"' + row[k] + '"' for k in REGISTER_HEADER.strip().split(",")) + "\n"
    return client.post("/api/v1/contracts/imports/JS", headers=cast["op_js"], content_type="multipart/form-data",
                       data={"file": (BytesIO((REGISTER_HEADER + line).encode()), "js_register.csv")})


@pytest.mark.parametrize("changes, field", [
    ({"contract_amount": "9" * 30, "tech_amount": "1"}, "contract_amount"),
    ({"contract_amount": "9" * 20 + "万元", "tech_amount": "9" * 20 + "万元"}, "contract_amount"),
    ({"seller_name": "太湖" * 101}, "seller_name"),
    ({"title": "数控\u0000机床"}, "title"),
    ({"external_id": "JS-\u00001"}, "external_id"),
    ({"buyer_name": "皖北\u0000机械"}, "buyer_name"),
    ({"seller_credit_code": "91\u0000"}, "seller_credit_code"),
    ({"registration_number": "2025\u00003205"}, "registration_number"),
], ids=["amount-beyond-bigint", "wan-amount-beyond-bigint", "party-name-too-long", "nul-title", "nul-id",
        "nul-party", "nul-credit-code", "nul-registration-number"])
def test_a_register_row_the_database_cannot_hold_is_rejected_with_its_column_not_a_500(client, cast, changes, field):
    response = import_register_row(client, cast, **changes)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"]["rejected"] == 1 and report["counts"]["created"] == 0
    assert [e["field"] for e in report["errors"]] == [field]
    assert client.get("/api/v1/contracts?per_page=100", headers=cast["op_js"]).get_json()["total"] == 0


def test_a_register_row_the_database_cannot_hold_does_not_change_the_imported_contract(client, cast):
    assert import_register_row(client, cast).get_json()["counts"]["created"] == 1
    again = import_register_row(client, cast, contract_amount="9" * 30).get_json()
    assert again["counts"]["rejected"] == 1
    [contract] = client.get("/api/v1/contracts", headers=cast["op_js"]).get_json()["items"]
    assert contract["contract_amount_fen"] == 30_0000_00
