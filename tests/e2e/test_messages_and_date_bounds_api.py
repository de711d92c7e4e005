"""Through HTTP: messages name statuses by their Chinese labels and carry no placeholder, and
the dates users type are kept within sane bounds (422 naming the field)."""
from __future__ import annotations

import re

import pytest

from achievement_payloads import DEMAND

URL = "/api/v1/demands"


def test_member_asking_for_the_review_queue_reads_no_placeholder(client, cast):
    for path in ("/api/v1/achievements/review-queue", "/api/v1/demands/review-queue"):
        response = client.get(path, headers=cast["corp_member"])
        assert response.status_code == 403
        assert "?" not in response.get_json()["message"] and "只有市场运营人员" in response.get_json()["message"]


def test_illegal_transition_message_names_the_status_in_chinese(client, cast):
    created = client.post(URL, json=DEMAND, headers=cast["corp_member"])
    refused = client.post(f"{URL}/{created.get_json()['id']}/review", json={"decision": "approve"}, headers=cast["op_js"])
    assert refused.status_code == 409
    assert refused.get_json()["message"].startswith("需求当前状态为「草稿」，不能审核通过 (")


@pytest.mark.parametrize("deadline, status", [("2035-03-03", 201), ("2035-03-04", 422), ("2204-01-01", 422)])
def test_demand_deadline_is_at_most_ten_years_ahead(client, cast, deadline, status):
    response = client.post(URL, json={**DEMAND, "deadline": deadline}, headers=cast["corp_member"])
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert list(response.get_json()["errors"]) == ["deadline"]


def test_editing_a_demand_deadline_beyond_ten_years_is_refused(client, cast):
    ident = client.post(URL, json=DEMAND, headers=cast["corp_member"]).get_json()["id"]
    response = client.patch(f"{URL}/{ident}", json={"deadline": "2099-01-01"}, headers=cast["corp_member"])
    assert response.status_code == 422 and "deadline" in response.get_json()["errors"]


@pytest.mark.parametrize("url, field", [
    ("/api/v1/achievements?page=0", "page"), ("/api/v1/achievements?market=XX", "market"),
    ("/api/v1/demands?per_page=1000", "per_page"), ("/api/v1/demands?include_expired=maybe", "include_expired"),
    ("/api/v1/stats/flows?format=pdf", "format"), ("/api/v1/achievements/1/matches?per_page=0", "per_page"),
    ("/api/v1/search?page=abc", "page"),
])
def test_query_string_errors_are_422_with_field_messages_in_chinese_and_english_everywhere(client, url, field):
    response = client.get(url)
    assert response.status_code == 422, response.get_json()
    (message,) = response.get_json()["errors"][field]
    assert re.search(r"[\u4e00-\u9fff]", message) and re.search(r"\([^)]*[A-Za-z]{3,}[^)]*\)", message), message
