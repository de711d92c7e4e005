"""The statistics API: bad input, formats, and the statistician's year — contracts
from an auction, a register import and direct entry, pulled as JSON, XLSX and SVG,
reconciling everywhere."""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from contract_e2e_clock import NOW

STATS, FLOWS = "/api/v1/stats/contracts", "/api/v1/stats/flows"


@pytest.mark.parametrize("url", [
    f"{STATS}?from=2025Q3&to=2025Q1", f"{STATS}?from=2025-12-31&to=2025-01-01", f"{STATS}?group_by=colour",
    f"{STATS}?group_by=quarter,month", f"{STATS}?group_by=province,type,field", f"{STATS}?side=sideways",
    f"{STATS}?format=pdf", f"{STATS}?from=yesterday", f"{STATS}?to=2025Q5",
    f"{FLOWS}?from=2025-06&to=2025-01", f"{FLOWS}?from=2025Q9", f"{FLOWS}?format=pdf",
    # years outside 1900-2100: year 1 had no year before it for 同比 (a 500), 9999 no end of month
    f"{STATS}?from=0001&to=0001", f"{STATS}?from=0001&to=9999&group_by=month",
    f"{FLOWS}?from=0001-01-01&to=9999-12-31", f"{FLOWS}?from=1899", f"{STATS}?to=2101",
])
def test_bad_statistics_queries_are_422(client, url):
    response = client.get(url)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]


def test_figures_including_unregistered_contracts_are_for_staff_only(client, cast):
    assert client.get(f"{STATS}?registered_only=false").status_code == 401
    assert client.get(f"{FLOWS}?registered_only=false", headers=cast["uni_member"]).status_code == 403
    assert client.get(f"{STATS}?registered_only=false", headers=cast["op_js"]).status_code == 200
    assert client.get(f"{FLOWS}?registered_only=false", headers=cast["admin"]).status_code == 200


def test_official_figures_are_public_and_empty_tables_still_show_the_four_provinces(client):
    body = client.get(f"{STATS}?from=2025&to=2025").get_json()
    assert [r["province"] for r in body["rows"]] == ["上海", "江苏", "浙江", "安徽"]
    assert body["total"] == {"count": 0, "contract_amount_fen": 0, "tech_amount_fen": 0}
    flows = client.get(f"{FLOWS}?from=2025&to=2025").get_json()
    assert flows["buckets"] == ["上海", "江苏", "浙江", "安徽", "其他省份", "境外"]
    assert flows["yrd_cross_province"]["share_of_total"] is None


def test_openapi_documents_the_statistics_and_their_file_formats(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/stats/contracts"]["get"]
    assert {"from", "to", "group_by", "side", "registered_only", "format"} <= {p["name"] for p in operation["parameters"]}
    assert {"application/json", "text/csv", "image/svg+xml"} <= set(operation["responses"]["200"]["content"])
    assert "/api/v1/stats/flows" in spec["paths"] and "/api/v1/contracts/{contract_id}/register" in spec["paths"]


# --- the statistician's year -----------------------------------------------------------------
AUCTION_PRICE = 9_040_000_00


def _auction_sale(uow_factory, cast, clock) -> int:
    """A real auction through the auctions service: 上海 university's patent sold to a
    江苏 enterprise in November 2025; signing the confirmation creates the contract."""
    au = pytest.importorskip("market.services.auctions")
    from market.domain.achievements import Achievement
    start = clock.now().replace(year=2025, month=11, day=10)
    clock.set(start)
    with uow_factory() as uow:
        achievement = Achievement(title="一种钙钛矿叠层电池的封装方法", holder_id=cast.orgs["uni"], market_code="SH",
                                  field="新能源与高效节能", ip_type="发明专利", now=start, province="上海")
        achievement.publish_imported(None, start)
        uow.achievements.add(achievement)
        uow.commit()
        achievement_id = achievement.id
    op = cast.ids["op_sh"]
    auction = au.create_auction(uow_factory(), actor_id=op, market_code="SH", title="G60 科创走廊专场", now=start)
    lot = au.add_lot(uow_factory(), actor_id=op, auction_id=auction["id"], achievement_id=achievement_id,
                     starting_price_fen=AUCTION_PRICE, increment_fen=10_000_00, deposit_fen=100_000_00,
                     starts_at=start + timedelta(minutes=1), free_period_ends_at=start + timedelta(minutes=31),
                     window_seconds=60, now=start)
    registration = au.register_for_lot(uow_factory(), actor_id=cast.ids["corp_member"], lot_id=lot["id"], now=start)
    au.confirm_deposit(uow_factory(), actor_id=op, deposit_id=registration["deposit"]["id"], now=start)
    clock.set(start + timedelta(minutes=2))
    au.open_lot(uow_factory(), lot["id"], clock)
    assert au.place_bid(uow_factory(), actor_id=cast.ids["corp_member"], lot_id=lot["id"], clock=clock,
                        amount_fen=AUCTION_PRICE)["accepted"]
    clock.set(start + timedelta(hours=1))
    confirmation = au.close_lot(uow_factory(), lot["id"], clock)["confirmation_id"]
    signed = au.sign_confirmation(uow_factory(), actor_id=op, confirmation_id=confirmation, now=clock.now())
    clock.set(NOW)
    assert signed["contract_id"] is not None
    return signed["contract_id"]


REGISTER = """合同编号,合同名称,合同类型,技术领域,卖方,卖方省份,买方,买方省份,合同成交额,技术交易额,签订日期,登记编号
JS-25-001,智能电网故障诊断系统开发,技术开发,电子信息,金陵电力研究院,江苏省,合肥储能科技有限公司,安徽省,300万元,260万元,2025-02-10,2025320100000001
JS-25-002,高强钢焊接工艺技术服务,技术服务,先进制造,常州焊接技术有限公司,江苏,浦东船舶有限公司,上海,80万元,60万元,2025-05-06,2025320100000002
JS-25-003,农用无人机植保技术许可,技术许可,农业,常州焊接技术有限公司,江苏,冀中农机有限公司,河北,50万元,50万元,2025-08-19,2025320100000003
JS-25-004,污水处理膜材料技术转让,技术转让,环境保护与资源综合利用,金陵电力研究院,江苏,无锡水务有限公司,江苏,120万元,100万元,2025-09-01,2025320100000004
JS-25-005,出口设备远程运维技术咨询,技术咨询,先进制造,常州焊接技术有限公司,江苏,Nordic Machines AB,境外,40万元,40万元,2025-12-12,2025320100000005
JS-25-006,金额有误,技术服务,先进制造,常州焊接技术有限公司,江苏,无锡水务有限公司,江苏,10万元,12万元,2025-12-12,
"""


def _post(client, cast, who, url, json=None):
    response = client.post(url, json=json if json is not None else {}, headers=cast[who])
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _direct(client, cast, who, seller, buyer, signed_on, amount, tech, ctype="技术开发", field="电子信息"):
    return _post(client, cast, who, "/api/v1/contracts", {
        "title": f"{seller}→{buyer} {signed_on}", "contract_type": ctype, "field": field,
        "seller_org_id": cast.orgs[seller], "buyer_org_id": cast.orgs[buyer], "contract_amount_fen": amount,
        "tech_amount_fen": tech, "signed_on": signed_on})["id"]


@pytest.fixture
def year_2025(client, cast, uow_factory, clock):
    cast.user("op_zj", "operator", market="ZJ")
    auction_contract = _auction_sale(uow_factory, cast, clock)
    _post(client, cast, "op_sh", f"/api/v1/contracts/{auction_contract}/register")
    imported = client.post("/api/v1/contracts/imports/JS", headers=cast["op_js"], content_type="multipart/form-data",
                           data={"file": (io.BytesIO(REGISTER.encode("utf-8-sig")), "js_2025.csv")}).get_json()
    assert imported["counts"] == {"rows": 6, "created": 5, "updated": 0, "unchanged": 0, "rejected": 1}
    a = _direct(client, cast, "uni_member", "uni", "corp_zj", "2025-04-18", 500_000_00, 450_000_00)
    b = _direct(client, cast, "corp_zj_member", "corp_zj", "uni", "2025-07-07", 200_000_00, 100_000_00, "技术服务")
    last_year = _direct(client, cast, "uni_member", "uni", "corp", "2024-11-20", 4_000_000_00, 3_000_000_00)
    _direct(client, cast, "uni_member", "uni", "corp", "2025-06-01", 777_00, 0)     # never registered
    for cid, op in ((a, "op_sh"), (b, "op_zj"), (last_year, "op_sh")):
        _post(client, cast, op, f"/api/v1/contracts/{cid}/register")
    return {"auction": auction_contract}


def _rows(body, *keys):
    return {tuple(r[k] for k in keys): r for r in body["rows"]}


def test_statistician_pulls_2025_by_quarter_and_province_and_it_reconciles(client, year_2025):
    out = client.get(f"{STATS}?from=2025Q1&to=2025Q4&group_by=quarter,province&side=outflow").get_json()
    inflow = client.get(f"{STATS}?from=2025Q1&to=2025Q4&group_by=quarter,province&side=inflow").get_json()
    total = out["total"]
    assert total == inflow["total"]
    assert total["count"] == 8                      # auction + 5 imported + 2 direct, registered, in 2025
    for body in (out, inflow):
        assert sum(r["contract_amount_fen"] for r in body["rows"]) == total["contract_amount_fen"]
        assert sum(r["tech_amount_fen"] for r in body["rows"]) == total["tech_amount_fen"]
    q4_shanghai = _rows(out, "quarter", "province")[("2025Q4", "上海")]
    assert q4_shanghai["contract_amount_fen"] == AUCTION_PRICE and q4_shanghai["yoy"]["contract_amount_fen"] == round(
        (AUCTION_PRICE - 4_000_000_00) / 4_000_000_00, 4)
    q4_jiangsu_in = _rows(inflow, "quarter", "province")[("2025Q4", "江苏")]
    assert q4_jiangsu_in["contract_amount_fen"] == AUCTION_PRICE
    assert _rows(inflow, "quarter", "province")[("2025Q3", "江苏")]["count"] == 1      # the intra-江苏 contract, once
    assert _rows(out, "quarter", "province")[("2025Q3", "江苏")]["count"] == 2
    by_year = client.get(f"{STATS}?from=2025&to=2025&group_by=type").get_json()
    assert by_year["total"] == total
    everything = client.get(f"{STATS}?from=2025&to=2025&registered_only=false", headers={}).status_code
    assert everything == 401


def test_flows_matrix_reconciles_with_the_province_tables(client, year_2025):
    flows = client.get(f"{FLOWS}?from=2025Q1&to=2025Q4").get_json()
    out = client.get(f"{STATS}?from=2025&to=2025&group_by=province&side=outflow").get_json()
    assert flows["total"] == out["total"]
    assert flows["checks"] == {"outflow_equals_total": True, "inflow_equals_total": True}
    matrix = {(line["seller"], cell["buyer"]): cell for line in flows["matrix"] for cell in line["cells"]}
    assert matrix[("上海", "江苏")]["contract_amount_fen"] == AUCTION_PRICE
    assert matrix[("江苏", "其他省份")]["count"] == 1 and matrix[("江苏", "境外")]["count"] == 1
    assert matrix[("江苏", "江苏")]["count"] == 1
    provinces = _rows(out, "province")
    for province in ("上海", "江苏", "浙江", "安徽"):
        assert flows["outflow"][province]["contract_amount_fen"] == provinces[(province,)]["contract_amount_fen"]
    cross = flows["yrd_cross_province"]
    expected_cross = AUCTION_PRICE + 300_0000_00 + 80_0000_00 + 500_000_00 + 200_000_00
    assert cross["total"]["contract_amount_fen"] == expected_cross
    assert cross["by_province"]["上海"]["outflow_share"] == round((AUCTION_PRICE + 500_000_00) / expected_cross, 4)
    assert sum(v["contract_amount_fen"] for v in flows["net"].values()) == 0
    assert flows["net"]["上海"]["contract_amount_fen"] == (
        flows["outflow"]["上海"]["contract_amount_fen"] - flows["inflow"]["上海"]["contract_amount_fen"])


def test_the_year_as_xlsx_csv_and_charts(client, year_2025):
    json_body = client.get(f"{STATS}?from=2025Q1&to=2025Q4&group_by=quarter,province").get_json()
    xlsx = client.get(f"{STATS}?from=2025Q1&to=2025Q4&group_by=quarter,province&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data))["技术合同统计"]
    last = list(sheet.values)[-1]
    assert last[0] == "合计" and last[3] == json_body["total"]["contract_amount_fen"]
    flows_xlsx = load_workbook(io.BytesIO(client.get(f"{FLOWS}?from=2025&to=2025&format=xlsx").data))
    counts = list(flows_xlsx["流向矩阵(合同数)"].values)
    assert counts[-1][0] == "吸纳合计" and counts[-1][-1] == json_body["total"]["count"]
    text = client.get(f"{FLOWS}?from=2025&to=2025&format=csv").data.decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text)))[1:]
    assert sum(int(row[3]) for row in cells) == json_body["total"]["contract_amount_fen"]
    chart = client.get(f"{STATS}?from=2025Q1&to=2025Q4&group_by=quarter,province&format=svg")
    assert chart.mimetype == "image/svg+xml"
    assert "2025Q4" in chart.data.decode() and ">上海<" in chart.data.decode()
    flow_chart = client.get(f"{FLOWS}?from=2025&to=2025&format=svg").data.decode()
    assert "技术流向" in flow_chart and "<script" not in flow_chart


def test_staff_see_unregistered_contracts_only_when_they_ask(client, cast, year_2025):
    official = client.get(f"{STATS}?from=2025&to=2025", headers=cast["op_sh"]).get_json()["total"]
    everything = client.get(f"{STATS}?from=2025&to=2025&registered_only=false", headers=cast["op_sh"]).get_json()["total"]
    assert everything["count"] == official["count"] + 1
    assert everything["contract_amount_fen"] == official["contract_amount_fen"] + 777_00


def test_the_auction_contract_is_readable_by_the_buyer(client, cast, year_2025):
    contract = client.get(f"/api/v1/contracts/{year_2025['auction']}", headers=cast["corp_member"]).get_json()
    assert (contract["source"], contract["status"], contract["contract_amount_fen"]) == ("auction", "registered", AUCTION_PRICE)
    assert contract["lot_id"] is not None and contract["signed_on"] == "2025-11-10"
