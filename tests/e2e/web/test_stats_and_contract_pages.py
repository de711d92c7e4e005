"""The statistics dashboard and the contract pages through the app: figures of contracts entered
and registered, the heat map and charts as SVG with CJK fonts, the API's downloads, field messages."""
from __future__ import annotations

import re

import pytest

from tests.e2e.web.page_session import sign_in, text_of

pytestmark = pytest.mark.usefixtures("cast")


def _org(cast, who):
    return cast.client.get("/api/v1/auth/me", headers=cast[who]).get_json()["organisation_id"]


def _contract_form(cast, **overrides):
    return {"title": "高镍正极材料技术许可", "contract_type": "技术许可", "field": "新材料",
            "seller_org_id": str(_org(cast, "uni_member")), "buyer_org_id": str(_org(cast, "corp_zj_member")),
            "contract_amount_yuan": "1200000", "tech_amount_yuan": "1000000", "signed_on": "2025-02-20", **overrides}


def test_an_operator_enters_and_registers_a_contract_and_the_dashboard_counts_it(client, cast):
    csrf = sign_in(client, "op_sh")
    entered = client.post("/contracts/new", data={"csrf_token": csrf, **_contract_form(cast)})
    assert entered.status_code == 302
    page = client.get(entered.headers["Location"])
    assert "技术合同「高镍正极材料技术许可」已录入，待认定登记" in text_of(page)
    assert "沪东理工大学（上海）" in text_of(page) and "¥1,200,000" in text_of(page)
    registered = client.post(entered.headers["Location"] + "/register", data={"csrf_token": csrf, "registration_number": ""})
    assert "登记编号 SH2025000001" in text_of(client.get(registered.headers["Location"]))
    board = client.get("/stats", query_string={"period": "2025"})
    words = text_of(board)
    assert board.status_code == 200 and "合同数 1" in words and "合同成交额（万元） 120.00" in words
    html = board.get_data(as_text=True)
    assert "上海 → 浙江：120.00 万元" in html                                  # the heat map's cell
    assert re.search(r"<td>浙江</td><td class=\"num\">1</td><td class=\"num\">120.00</td>", html)   # inflow table
    assert "WenQuanYi Zen Hei" in html and "Noto Sans CJK SC" in html
    assert "/api/v1/stats/flows?from=2025&amp;to=2025&amp;format=xlsx" in html
    assert "/api/v1/stats/contracts?from=2025&amp;to=2025&amp;group_by=type&amp;format=csv" in html
    assert "技术许可" in words and "2025Q1" in words


def test_the_dashboards_downloads_give_the_same_figures(client, cast):
    csrf = sign_in(client, "op_sh")
    entered = client.post("/contracts/new", data={"csrf_token": csrf, **_contract_form(cast)})
    client.post(entered.headers["Location"] + "/register", data={"csrf_token": csrf})
    html = client.get("/stats", query_string={"period": "2025Q1"}).get_data(as_text=True)
    link = re.search(r'href="(/api/v1/stats/contracts\?[^"]*group_by=province&amp;side=inflow&amp;format=csv)"', html).group(1)
    csv = client.get(link.replace("&amp;", "&"))
    assert csv.status_code == 200 and "浙江" in csv.get_data(as_text=True) and "120" in csv.get_data(as_text=True)


def test_an_unregistered_contract_is_not_in_the_official_figures(client, cast):
    csrf = sign_in(client, "uni_member")
    assert client.post("/contracts/new", data={"csrf_token": csrf, **_contract_form(cast)}).status_code == 302
    assert "合同数 0" in text_of(client.get("/stats", query_string={"period": "2025"}))


def test_the_contract_form_shows_the_apis_field_messages(client, cast):
    csrf = sign_in(client, "op_sh")
    response = client.post("/contracts/new", data={"csrf_token": csrf, **_contract_form(
        cast, contract_type="", tech_amount_yuan="2000000", contract_amount_yuan="1000000", signed_on="昨天")})
    words = text_of(response)
    assert response.status_code == 422 and "合同未录入" in words
    assert "Missing data for required field" in words or "必填" in words or "required" in words.lower()
    assert "Not a valid date" in words or "日期" in words


def test_a_member_of_neither_party_cannot_enter_the_contract(client, cast):
    csrf = sign_in(client, "inst_member")
    response = client.post("/contracts/new", data={"csrf_token": csrf, **_contract_form(cast)})
    assert response.status_code == 403 and "只有合同当事方成员" in text_of(response)


def test_a_period_the_api_cannot_read_is_shown_with_its_message(client):
    response = client.get("/stats", query_string={"period": "2025Q5"})
    assert response.status_code == 422 and "统计期间有误" in text_of(response)


def test_the_contract_pages_need_a_sign_in(client):
    response = client.get("/contracts/new")
    assert response.status_code == 302 and "/login?next=/contracts/new" in response.headers["Location"]
