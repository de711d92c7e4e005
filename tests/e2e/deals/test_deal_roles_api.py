"""Deal cells the role matrix cannot state, over HTTP. Who may call each deal operation (anonymous,
the holder's and the buyer's members, the listing market's operators, another market's, the admin) is
in tests/e2e/roles/role_matrix.py, the single source; here: members of organisations that are no
party (a research institute, another company), retries, and answers once the deal has moved on, and
what each one's lists show. Outsiders get 404 for what they may not see, 403 for what they see but
may not do."""
from datetime import timedelta

import pytest

from deal_flow import D, P, negotiate, offer, ok, publish



def call(client, cast, who, method, url, body=None):
    headers = cast[who] if who else {}
    return getattr(client, method)(url, json=body, headers=headers)


def check(client, cast, method, url, cells: dict, body=None):
    """cells: {who: expected status}; returns the last (allowed) answer."""
    last = None
    for who, status in cells.items():
        response = call(client, cast, who, method, url, body)
        assert response.status_code == status, (who, url, response.get_json())
        if status >= 400:
            assert set(response.get_json()) == {"code", "status", "message", "errors"}
        last = response.get_json()
    return last


@pytest.fixture
def achievement_id(client, cast):
    return publish(client, cast)


def test_interest_cells(client, cast, achievement_id):
    body = {"achievement_id": achievement_id, "message": "希望洽谈"}
    interest = check(client, cast, "post", f"{D}/interests", {"inst_member": 403, "corp_member": 201}, body)
    url = f"{D}/interests/{interest['id']}"
    check(client, cast, "get", url, {"corp_zj_member": 404, "inst_member": 404})
    check(client, cast, "post", f"{url}/decline", {"corp_zj_member": 404}, {"reason": "不合适"})
    negotiation = check(client, cast, "post", f"{url}/accept", {"corp_zj_member": 404, "uni_member": 201})
    assert check(client, cast, "post", f"{url}/accept", {"corp_member": 403, "uni_member": 201}) == negotiation
    check(client, cast, "post", f"{url}/decline", {"uni_member": 409}, {"reason": "不合适"})
    listed = {who: ok(call(client, cast, who, "get", f"{D}/interests"))["total"]
              for who in ("corp_member", "uni_member", "op_sh", "op_js", "corp_zj_member", "admin")}
    assert listed == {"corp_member": 1, "uni_member": 1, "op_sh": 1, "op_js": 0, "corp_zj_member": 0, "admin": 1}


def test_negotiation_and_offer_cells(client, cast, achievement_id):
    negotiation = negotiate(client, cast, achievement_id)
    url = f"{D}/negotiations/{negotiation['id']}"
    check(client, cast, "get", url, {"corp_zj_member": 404, "inst_member": 404})
    terms = {"price_fen": 50_000_000, "transfer_mode": "转让"}
    made = check(client, cast, "post", f"{url}/offers", {"corp_zj_member": 404, "corp_member": 201}, terms)
    listed = {who: ok(call(client, cast, who, "get", f"{D}/negotiations"))["total"]
              for who in ("corp_member", "uni_member", "op_sh", "op_js", "corp_zj_member")}
    assert listed == {"corp_member": 1, "uni_member": 1, "op_sh": 1, "op_js": 0, "corp_zj_member": 0}
    offer_url = f"{D}/offers/{made['id']}"
    check(client, cast, "post", f"{offer_url}/counter", {"corp_zj_member": 404},
          {"price_fen": 60_000_000, "transfer_mode": "转让"})
    agreement = check(client, cast, "post", f"{offer_url}/accept", {"corp_zj_member": 404, "uni_member": 201})
    # a retried accept answers the same agreement; the other side still may not
    assert check(client, cast, "post", f"{offer_url}/accept", {"corp_member": 403, "uni_member": 201}) == agreement
    check(client, cast, "post", f"{url}/offers", {"corp_member": 409}, terms)


def test_publicity_objection_and_signing_cells(client, cast, clock, achievement_id):
    negotiation = negotiate(client, cast, achievement_id)
    made = offer(client, cast, negotiation["id"])
    agreement = ok(client.post(f"{D}/offers/{made['id']}/accept", headers=cast["uni_member"]), 201)
    notice_url = f"{P}/{agreement['publicity_notice_id']}"
    check(client, cast, "get", notice_url, {"corp_zj_member": 200})
    check(client, cast, "get", f"{D}/agreements/{agreement['id']}", {"corp_zj_member": 404})
    clock.set(clock.now() + timedelta(days=1))
    objection = check(client, cast, "post", f"{notice_url}/objections", {"corp_zj_member": 201}, {"reason": "价格偏低"})
    ruling = {"decision": "dismissed", "reason": "无依据"}
    check(client, cast, "post", f"{P}/objections/{objection['id']}/ruling", {"corp_zj_member": 403, "op_sh": 200},
          ruling)
    check(client, cast, "post", f"{P}/objections/{objection['id']}/ruling", {"op_sh": 409}, ruling)
    sign = f"{D}/agreements/{agreement['id']}/sign"
    check(client, cast, "post", sign, {"corp_member": 409}, {})       # still in publicity
