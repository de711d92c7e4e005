"""HTTP steps of a deal by agreement, shared by the deal e2e tests."""
from __future__ import annotations

from achievement_payloads import ACHIEVEMENT

A, D, P = "/api/v1/achievements", "/api/v1/deals", "/api/v1/publicity-notices"


def ok(response, code=200):
    assert response.status_code == code, response.get_json()
    return response.get_json()


def publish(client, cast, who="uni_member", operator="op_sh", **changes) -> int:
    ident = ok(client.post(A, json={**ACHIEVEMENT, **changes}, headers=cast[who]), 201)["id"]
    ok(client.post(f"{A}/{ident}/submit", headers=cast[who]))
    ok(client.post(f"{A}/{ident}/review", json={"decision": "approve"}, headers=cast[operator]))
    return ident


def negotiate(client, cast, achievement_id, buyer="corp_member", holder="uni_member") -> dict:
    interest = ok(client.post(f"{D}/interests", json={"achievement_id": achievement_id, "message": "希望洽谈独家转让"},
                              headers=cast[buyer]), 201)
    return ok(client.post(f"{D}/interests/{interest['id']}/accept", headers=cast[holder]), 201)


def offer(client, cast, negotiation_id, who="corp_member", price_fen=70_000_000, **terms) -> dict:
    body = {"price_fen": price_fen, "transfer_mode": "转让", "payment_terms": "签约后30日内一次付清", **terms}
    return ok(client.post(f"{D}/negotiations/{negotiation_id}/offers", json=body, headers=cast[who]), 201)


def agree(client, cast, achievement_id, buyer="corp_member", holder="uni_member", price_fen=70_000_000) -> dict:
    negotiation = negotiate(client, cast, achievement_id, buyer, holder)
    first = offer(client, cast, negotiation["id"], who=buyer, price_fen=price_fen)
    return ok(client.post(f"{D}/offers/{first['id']}/accept", headers=cast[holder]), 201)
