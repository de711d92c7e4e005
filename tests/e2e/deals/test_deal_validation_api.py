"""Bad input to the deal routes: 422 naming the field (Chinese and English), never a 500, nothing written."""
from datetime import timedelta

import pytest

from deal_flow import D, P, negotiate, offer, ok, publish


@pytest.fixture
def negotiation(client, cast):
    return negotiate(client, cast, publish(client, cast))


@pytest.mark.parametrize("body, field", [
    ({"price_fen": 1.5, "transfer_mode": "转让"}, "price_fen"),
    ({"price_fen": -1, "transfer_mode": "转让"}, "price_fen"),
    ({"price_fen": "100", "transfer_mode": "转让"}, "price_fen"),
    ({"price_fen": 10**16, "transfer_mode": "转让"}, "price_fen"),
    ({"price_fen": 100, "transfer_mode": "赠与"}, "transfer_mode"),
    ({"price_fen": 100, "transfer_mode": "独占许可"}, "transfer_mode"),     # not a mode the holder listed
    ({"price_fen": 100, "transfer_mode": "转让", "valid_days": 0}, "valid_days"),
    ({"price_fen": 100, "transfer_mode": "转让", "payment_terms": "x" * 2001}, "payment_terms"),
    ({"transfer_mode": "转让"}, "price_fen"),
])
def test_a_bad_offer_is_422_naming_its_field_and_writes_nothing(client, cast, negotiation, body, field):
    url = f"{D}/negotiations/{negotiation['id']}/offers"
    response = client.post(url, json=body, headers=cast["corp_member"])
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert ok(client.get(f"{D}/negotiations/{negotiation['id']}", headers=cast["corp_member"]))["offers"] == []


def test_interest_ruling_and_list_arguments_are_checked(client, cast):
    achievement_id = publish(client, cast)
    for body, field in (({"achievement_id": achievement_id, "message": ""}, "message"),
                        ({"achievement_id": 0, "message": "hi"}, "achievement_id"),
                        ({"message": "hi"}, "achievement_id")):
        response = client.post(f"{D}/interests", json=body, headers=cast["corp_member"])
        assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert client.get(P, query_string={"status": "finished"}).status_code == 422
    assert client.get(P, query_string={"market": "BJ"}).status_code == 422
    response = client.post(f"{P}/objections/1/ruling", json={"decision": "maybe", "reason": "x"},
                           headers=cast["op_sh"])
    assert response.status_code == 422 and "decision" in response.get_json()["errors"]
    assert client.post(f"{D}/interests", data="{", headers={**cast["corp_member"],
                                                            "Content-Type": "application/json"}).status_code == 400


def test_ids_that_name_nothing_are_404(client, cast):
    for url, body in ((f"{D}/interests/999/accept", None), (f"{D}/offers/999/accept", None),
                      (f"{D}/agreements/999/sign", {}), (f"{P}/999/objections", {"reason": "x"}),
                      (f"{P}/objections/999/ruling", {"reason": "x", "decision": "upheld"}),
                      (f"{D}/offers/99999999999/accept", None)):
        response = client.post(url, json=body, headers=cast["uni_member"])
        assert response.status_code == 404, (url, response.get_json())
    assert client.get(f"{P}/999").status_code == 404


def test_an_expired_offer_cannot_be_accepted(client, cast, clock, negotiation):
    made = offer(client, cast, negotiation["id"], valid_days=1)
    clock.set(clock.now() + timedelta(days=1))
    assert ok(client.get(f"{D}/negotiations/{negotiation['id']}", headers=cast["uni_member"]))["offers"][0]["status"] \
        == "expired"
    response = client.post(f"{D}/offers/{made['id']}/accept", headers=cast["uni_member"])
    assert response.status_code == 409, response.get_json()


def test_openapi_documents_the_deal_routes_and_their_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (f"{D}/interests", f"{D}/interests/{{interest_id}}/accept", f"{D}/negotiations/{{negotiation_id}}/offers",
                 f"{D}/offers/{{offer_id}}/accept", f"{D}/offers/{{offer_id}}/counter",
                 f"{D}/agreements/{{agreement_id}}/sign", P, f"{P}/{{notice_id}}", f"{P}/{{notice_id}}/objections",
                 f"{P}/objections/{{objection_id}}/ruling"):
        assert path in spec["paths"], path
    accept = spec["paths"][f"{D}/offers/{{offer_id}}/accept"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409"} <= set(accept)
    assert "price_fen" in spec["components"]["schemas"]["NoticeOut"]["properties"]
