"""Idempotency-Key on the bid route (the one endpoint that takes it): the same request replays
its first answer, another request under the same key is 422 `idempotency_key_reused`."""
from __future__ import annotations

from datetime import timedelta

from auction_http import INC, START, bid, hold_deposits, lot_terms, publish_achievement


def open_lot(client, cast, clock, day):
    hold_deposits(client, cast, day["lot_id"])
    clock.set(clock.now() + timedelta(hours=1, minutes=5))
    return day["lot_id"]


def bid_count(client, cast, lot_id):
    return len(client.get(f"/api/v1/lots/{lot_id}/bids", headers=cast["op_sh"]).get_json())


def test_same_key_with_the_same_body_replays_the_first_answer(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    first = bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START)
    again = bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["replayed"] is True and again.get_json()["bid"] == first.get_json()["bid"]
    assert bid_count(client, cast, lot_id) == 1


def test_same_key_with_the_same_refused_body_replays_the_refusal(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    first = bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START + INC // 2)
    again = bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START + INC // 2)
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.get_json()["refusal"] == "off_increment" and again.get_json()["replayed"] is True


def test_same_key_with_another_amount_is_422_naming_the_key(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    assert bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START).status_code == 201
    reused = bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START + INC)
    assert reused.status_code == 422, reused.get_json()
    body = reused.get_json()
    assert body["errors"] == {"Idempotency-Key": ["idempotency_key_reused"]} and "k-1" in body["message"]
    assert bid_count(client, cast, lot_id) == 1
    assert client.get(f"/api/v1/lots/{lot_id}").get_json()["current_price_fen"] == START


def test_same_key_with_a_maximum_instead_of_an_amount_is_422(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START)
    reused = bid(client, cast, "corp_member", lot_id, key="k-1", max_amount_fen=START)
    assert reused.status_code == 422 and reused.get_json()["errors"] == {"Idempotency-Key": ["idempotency_key_reused"]}


def test_same_key_on_another_lot_is_422_naming_the_key(client, cast, clock, day):
    other_achievement = publish_achievement(client, cast, title="另一项成果")
    other = client.post(f"/api/v1/auctions/{day['auction_id']}/lots", headers=cast["op_sh"],
                        json=lot_terms(clock, other_achievement))
    assert other.status_code == 201, other.get_json()
    lot_id = open_lot(client, cast, clock, day)
    hold_deposits(client, cast, other.get_json()["id"])
    assert bid(client, cast, "corp_member", lot_id, key="k-1", amount_fen=START).status_code == 201
    reused = bid(client, cast, "corp_member", other.get_json()["id"], key="k-1", amount_fen=START)
    assert reused.status_code == 422 and "k-1" in reused.get_json()["message"]
    assert reused.get_json()["errors"] == {"Idempotency-Key": ["idempotency_key_reused"]}


def test_an_overlong_key_is_422_naming_the_header(client, cast, clock, day):
    lot_id = open_lot(client, cast, clock, day)
    r = bid(client, cast, "corp_member", lot_id, key="k" * 101, amount_fen=START)
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["Idempotency-Key"]
