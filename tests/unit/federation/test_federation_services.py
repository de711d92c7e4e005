"""Federation services over fakes (frozen time): what the feed records, how deliveries retry."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from market.adapters.federation_fake import FakeFederationRepository
from market.adapters.webhooks import FakeWebhookSender
from market.domain import federation as fed
from market.domain.errors import ValidationFailed
from market.services.federation.changes import ChangeRecorder, list_changes
from market.services.federation.webhooks import deliver_due

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


class Uow:
    def __init__(self, repo):
        self.federation = repo
        self.commits = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def commit(self):
        self.commits += 1


@pytest.fixture
def repo():
    return FakeFederationRepository()


def record(repo, *changed):
    ChangeRecorder(now=lambda: T0).record(Uow(repo), set(changed))


def kinds(repo):
    return [(c["entity_type"], c["entity_id"], c["kind"]) for c in repo.changes]


def test_public_changes_are_created_changed_withdrawn_and_private_ones_are_nothing(repo):
    repo.public["achievement"] = {1: {"id": 1, "title": "A"}}
    record(repo, ("achievement", 1), ("achievement", 2))       # 2 is a draft: not public
    record(repo, ("achievement", 1))                           # nothing public changed
    repo.public["achievement"][1] = {"id": 1, "title": "A2"}
    record(repo, ("achievement", 1))
    del repo.public["achievement"][1]
    record(repo, ("achievement", 1))
    record(repo, ("achievement", 1))                           # withdrawn once only
    assert kinds(repo) == [("achievement", 1, "created"), ("achievement", 1, "changed"),
                           ("achievement", 1, "withdrawn")]
    assert [c["event_type"] for c in repo.changes] == ["listing.published", "listing.changed", "listing.withdrawn"]


def test_a_commit_without_catalogue_changes_takes_no_feed_lock(repo):
    record(repo, ("search_only", 3))
    record(repo)
    assert repo.locks == 0 and repo.changes == []


def test_the_cursor_moves_past_what_a_type_filter_left_out(repo):
    repo.public = {"achievement": {1: {"id": 1}}, "demand": {1: {"id": 1}}}
    record(repo, ("achievement", 1), ("demand", 1))
    page = list_changes(Uow(repo), after=None, types=["demand"], limit=10)
    assert [c["entity_type"] for c in page["changes"]] == ["demand"]
    assert fed.decode_cursor(page["next_cursor"]) == repo.head()


def subscribe(repo, url="https://hooks.example.cn/a", events=("listing.published",), cursor=0):
    return repo.add_subscription({"market_code": "SH", "owner_id": 1, "url": url, "description": "",
                                  "event_types": list(events), "secret": "whsec_test", "active": True,
                                  "cursor": cursor, "created_at": T0, "updated_at": T0})


def test_deliveries_back_off_exponentially_and_fail_after_the_budget(repo):
    subscribe(repo)
    repo.public["achievement"] = {1: {"id": 1}}
    record(repo, ("achievement", 1))
    sender, policy, now = FakeWebhookSender([500] * 10), fed.RetryPolicy(3, 10, 3600), [T0]
    deliver_due(lambda: Uow(repo), sender, lambda: now[0], policy)
    row, = repo.rows.values()
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("pending", 1, T0 + timedelta(seconds=10))
    now[0] = T0 + timedelta(seconds=10)
    deliver_due(lambda: Uow(repo), sender, lambda: now[0], policy)
    assert repo.rows[row["id"]]["next_attempt_at"] == now[0] + timedelta(seconds=20)
    now[0] += timedelta(seconds=20)
    deliver_due(lambda: Uow(repo), sender, lambda: now[0], policy)
    assert (repo.rows[row["id"]]["status"], repo.rows[row["id"]]["attempts"]) == ("failed", 3)
    assert repo.rows[row["id"]]["last_error"] == "HTTP 500"


def test_a_subscription_gets_each_event_once_and_only_the_types_it_chose(repo):
    subscribe(repo, events=("listing.withdrawn",))
    subscribe(repo, events=("listing.published", "listing.withdrawn"))
    repo.public["achievement"] = {1: {"id": 1}}
    record(repo, ("achievement", 1))
    del repo.public["achievement"][1]
    record(repo, ("achievement", 1))
    sender = FakeWebhookSender()
    for _ in range(3):
        deliver_due(lambda: Uow(repo), sender, lambda: T0, fed.RetryPolicy())
    got = sorted((item.url, json.loads(item.body)["type"]) for item in sender.sent)
    assert [t for _, t in got] == ["listing.published", "listing.withdrawn", "listing.withdrawn"]
    assert all(fed.verify(i.headers[fed.SIGNATURE_HEADER], i.body, "whsec_test", T0.timestamp()) for i in sender.sent)


def test_signatures_outside_the_tolerance_or_with_another_secret_do_not_verify():
    body = b'{"id":"evt_1"}'
    header = fed.signature_header("whsec_a", 1_700_000_000, body)
    assert fed.verify(header, body, "whsec_a", 1_700_000_100)
    assert not fed.verify(header, body, "whsec_a", 1_700_000_000 + 301)
    assert not fed.verify(header, body, "whsec_b", 1_700_000_000)
    assert not fed.verify(header, body + b" ", "whsec_a", 1_700_000_000)


@pytest.mark.parametrize("url", ["ftp://example.cn/x", "http://10.0.0.5/hook", "https://127.0.0.1/x",
                                 "http://localhost:8080/", "https://user:pw@example.cn/", "http://[::1]/x",
                                 "http://169.254.169.254/latest", "example.cn/hook"])
def test_a_subscription_url_must_be_http_and_not_internal(url):
    with pytest.raises(ValidationFailed):
        fed.check_url(url)


def test_an_allowed_host_may_be_internal():
    assert fed.check_url("http://127.0.0.1:9000/h", ("127.0.0.1",)) == "http://127.0.0.1:9000/h"
    assert fed.check_url("https://hooks.example.cn/yrd") == "https://hooks.example.cn/yrd"


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    assert fed.decode_cursor(fed.encode_cursor(42)) == 42
    for forged in ("42", "Yzo", "!!!"):
        with pytest.raises(ValidationFailed):
            fed.decode_cursor(forged)


def test_a_cursor_beyond_any_id_is_refused_not_sent_to_the_database():
    import base64
    huge = base64.urlsafe_b64encode(f"c1:{2**63}".encode()).decode().rstrip("=")
    with pytest.raises(ValidationFailed):
        fed.decode_cursor(huge)
