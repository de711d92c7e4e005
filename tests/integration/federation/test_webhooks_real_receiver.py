"""Webhooks delivered by the scheduler's worker to a real HTTP receiver on 127.0.0.1: signed
(verified with the README's snippet), retried with backoff, logged, re-sent by hand."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import pytest

from market.adapters.clock import FrozenClock
from market.services.federation.webhooks import deliver_due

ACHIEVEMENT = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": "导热系数提高百分之四十。",
               "ip_type": "发明专利", "field": "新材料", "market_code": "SH", "price_fen": 500_000_00}
LISTING_EVENTS = ["listing.changed", "listing.published", "listing.withdrawn"]


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "WEBHOOK_BACKOFF_SECONDS": 10.0,
            "WEBHOOK_MAX_ATTEMPTS": 4, "WEBHOOK_CONNECT_TIMEOUT_SECONDS": 1.0, "WEBHOOK_TIMEOUT_SECONDS": 2.0}


def verify_signature(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The receiver's snippet from the README, verbatim."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def publish(client, cast) -> int:
    ident = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=cast["uni_member"]).get_json()["id"]
    assert client.post(f"/api/v1/achievements/{ident}/submit", headers=cast["uni_member"]).status_code == 200
    assert client.post(f"/api/v1/achievements/{ident}/review", json={"decision": "approve"},
                       headers=cast["op_sh"]).status_code == 200
    return ident


def subscribe(client, cast, url, who="op_sh", events=LISTING_EVENTS) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "event_types": events}, headers=cast[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def work(services):
    return deliver_due(services.uow_factory, services.extra["webhook_sender"], services.clock.now,
                       services.extra["webhook_policy"])


def log(client, cast, sub_id, who="op_sh") -> list[dict]:
    response = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=cast[who])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.fixture
def clock():
    """Signatures carry the clock's time; the receiver checks it against its own (real) time."""
    return FrozenClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def real_time_clock(clock):
    return clock


def test_a_published_listing_reaches_the_receiver_signed_and_verifiable(client, cast, services, receiver,
                                                                        real_time_clock):
    sub = subscribe(client, cast, receiver.url)
    ident = publish(client, cast)

    assert work(services)["delivered"] == 1

    (headers, body), = receiver.received
    assert verify_signature(headers["YRD-Signature"], body, sub["secret"])
    assert not verify_signature(headers["YRD-Signature"], body, "whsec_someone-else")
    assert not verify_signature(headers["YRD-Signature"], body.replace(b"SH", b"ZJ"), sub["secret"])
    event = json.loads(body)
    assert headers["YRD-Event-Id"] == event["id"]
    assert event["type"] == "listing.published"
    assert event["data"]["entity_id"] == ident and event["data"]["object"]["title"] == ACHIEVEMENT["title"]
    assert "rejection_reason" not in event["data"]["object"]
    assert log(client, cast, sub["id"])[0]["status"] == "delivered"


def test_a_receiver_answering_500_twice_gets_the_event_on_the_third_try(client, cast, services, receiver,
                                                                        real_time_clock):
    sub = subscribe(client, cast, receiver.url)
    receiver.statuses = [500, 500]
    publish(client, cast)

    work(services)
    entry, = log(client, cast, sub["id"])
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("pending", 1, 500)
    real_time_clock.advance(seconds=10)          # first backoff: 10 s
    work(services)
    assert log(client, cast, sub["id"])[0]["attempts"] == 2
    real_time_clock.advance(seconds=5)           # the second waits 20 s: not yet
    work(services)
    assert len(receiver.received) == 2
    real_time_clock.advance(seconds=15)
    work(services)

    entry, = log(client, cast, sub["id"])
    assert (entry["status"], entry["attempts"]) == ("delivered", 3)
    ids = {headers["YRD-Event-Id"] for headers, _ in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1      # the same event, to de-duplicate on


def test_a_receiver_down_for_the_whole_retry_period_shows_in_the_log_and_a_resend_delivers(
        client, cast, services, receiver, dead_url, real_time_clock):
    sub = subscribe(client, cast, dead_url)
    publish(client, cast)

    for _ in range(4):                           # WEBHOOK_MAX_ATTEMPTS
        work(services)
        real_time_clock.advance(seconds=3600)
    entry, = log(client, cast, sub["id"])
    assert (entry["status"], entry["attempts"], entry["next_attempt_at"]) == ("failed", 4, None)
    assert "Connection" in entry["last_error"]
    assert log(client, cast, sub["id"], "admin")[0]["id"] == entry["id"]

    # the receiver is back: move the subscription there and send the event again
    assert client.patch(f"/api/v1/webhooks/{sub['id']}", json={"url": receiver.url},
                        headers=cast["op_sh"]).status_code == 200
    resent = client.post(f"/api/v1/webhooks/{sub['id']}/deliveries/{entry['id']}/resend", headers=cast["op_sh"])
    assert resent.status_code == 200 and resent.get_json()["status"] == "pending"
    work(services)
    entry, = log(client, cast, sub["id"])
    assert (entry["status"], entry["attempts"]) == ("delivered", 5)
    assert len(receiver.received) == 1


def test_a_rotated_secret_signs_the_next_deliveries(client, cast, services, receiver, real_time_clock):
    sub = subscribe(client, cast, receiver.url)
    rotated = client.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret", headers=cast["op_sh"]).get_json()
    assert rotated["secret"] != sub["secret"]
    assert "secret" not in client.get(f"/api/v1/webhooks/{sub['id']}", headers=cast["op_sh"]).get_json()
    publish(client, cast)
    work(services)
    (headers, body), = receiver.received
    assert verify_signature(headers["YRD-Signature"], body, rotated["secret"])
    assert not verify_signature(headers["YRD-Signature"], body, sub["secret"])


def test_only_the_subscribed_event_types_are_delivered(client, cast, services, receiver, real_time_clock):
    subscribe(client, cast, receiver.url, events=["listing.withdrawn"])
    ident = publish(client, cast)
    work(services)
    assert receiver.received == []
    assert client.post(f"/api/v1/achievements/{ident}/withdraw", json={"reason": "暂不转让"},
                       headers=cast["uni_member"]).status_code == 200
    work(services)
    (headers, body), = receiver.received
    assert json.loads(body)["type"] == "listing.withdrawn" and json.loads(body)["data"]["object"] is None
