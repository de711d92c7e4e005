"""The achievement lifecycle through HTTP, for every role, on SQLite and PostgreSQL."""
import pytest

from achievement_payloads import ACHIEVEMENT, fresh_application_number

URL = "/api/v1/achievements"


def create(client, headers, **overrides):
    return client.post(URL, json={**ACHIEVEMENT, **overrides}, headers=headers)


def created_id(client, cast, **overrides):
    response = create(client, cast["uni_member"], **overrides)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def publish(client, cast, **overrides):
    overrides.setdefault("application_numbers", [fresh_application_number()])
    ident = created_id(client, cast, **overrides)
    assert client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"]).status_code == 200
    response = client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_sh"])
    assert response.status_code == 200, response.get_json()
    return ident


def count_all(uow_factory):
    from sqlalchemy import func, select

    from market.adapters import orm
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(orm.achievements))


def test_member_creates_submits_and_after_approval_sees_it_public(client, cast):
    ident = created_id(client, cast)
    assert client.get(URL).get_json()["total"] == 0
    submitted = client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"]).get_json()
    assert submitted["status"] == "pending_review"
    queue = client.get(f"{URL}/review-queue", headers=cast["op_sh"]).get_json()
    assert [a["id"] for a in queue["items"]] == [ident]
    approved = client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_sh"]).get_json()
    assert approved["status"] == "published"
    public = client.get(URL).get_json()
    assert [a["id"] for a in public["items"]] == [ident]
    item = public["items"][0]
    assert item["holder"]["name"] == "沪东理工大学" and item["market_code"] == "SH"
    assert item["application_numbers"] == ["200410033212.6"] and item["price_fen"] == 80_000_000
    assert item["published_at"].endswith("+08:00")


def test_response_is_utf8_json_without_escaped_chinese(client, cast):
    response = create(client, cast["uni_member"])
    assert response.content_type.startswith("application/json")
    assert "石墨烯".encode() in response.data and b"\\u" not in response.data


def test_anonymous_cannot_create(client, cast):
    response = create(client, {})
    assert response.status_code == 401
    assert response.get_json()["status"] == "Unauthorized"


def test_bad_token_is_401_with_the_error_shape(client, cast):
    response = create(client, {"Authorization": "Bearer not-a-token"})
    body = response.get_json()
    assert response.status_code == 401 and set(body) == {"code", "status", "message", "errors"}


@pytest.mark.parametrize("who", ["corp_member", "op_sh", "admin"])
def test_only_university_or_institute_members_list_achievements(client, cast, who):
    assert create(client, cast[who]).status_code == 403


def test_institute_member_may_list(client, cast):
    response = create(client, cast["inst_member"])
    assert response.status_code == 201 and response.get_json()["market_code"] == "JS"


def test_operator_of_another_market_cannot_approve(client, cast):
    ident = created_id(client, cast)
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    response = client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["op_js"])
    assert response.status_code == 403
    assert client.get(f"{URL}/{ident}", headers=cast["uni_member"]).get_json()["status"] == "pending_review"


def test_operator_review_queue_shows_only_its_market(client, cast):
    ident = created_id(client, cast)
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    assert client.get(f"{URL}/review-queue", headers=cast["op_js"]).get_json()["total"] == 0
    assert client.get(f"{URL}/review-queue?market=SH", headers=cast["op_js"]).status_code == 403
    assert client.get(f"{URL}/review-queue", headers=cast["admin"]).get_json()["total"] == 1
    assert client.get(f"{URL}/review-queue", headers=cast["uni_member"]).status_code == 403


def test_admin_may_approve_any_market(client, cast):
    ident = created_id(client, cast)
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    response = client.post(f"{URL}/{ident}/review", json={"decision": "approve"}, headers=cast["admin"])
    assert response.status_code == 200 and response.get_json()["status"] == "published"


def test_rejection_needs_a_reason_and_returns_to_draft(client, cast):
    ident = created_id(client, cast)
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    no_reason = client.post(f"{URL}/{ident}/review", json={"decision": "reject"}, headers=cast["op_sh"])
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    rejected = client.post(f"{URL}/{ident}/review", json={"decision": "reject", "reason": "缺少专利证书"},
                           headers=cast["op_sh"]).get_json()
    assert rejected["status"] == "draft" and rejected["rejection_reason"] == "缺少专利证书"
    history = client.get(f"{URL}/{ident}/history", headers=cast["uni_member"]).get_json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"), ("draft", "pending_review"), ("pending_review", "draft")]
    assert history[-1]["actor_id"] == cast.ids["op_sh"] and history[-1]["reason"] == "缺少专利证书"


@pytest.mark.parametrize("path, body", [
    ("review", {"decision": "approve"}),        # a draft cannot be approved
])
def test_illegal_transition_is_409_with_a_reason(client, cast, path, body):
    ident = created_id(client, cast)
    response = client.post(f"{URL}/{ident}/{path}", json=body, headers=cast["op_sh"])
    assert response.status_code == 409
    assert "draft" in response.get_json()["message"]


def test_submitting_twice_is_409(client, cast):
    ident = created_id(client, cast)
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    assert client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"]).status_code == 409


def test_editing_after_submission_is_409(client, cast):
    ident = created_id(client, cast)
    assert client.patch(f"{URL}/{ident}", json={"title": "改个标题"}, headers=cast["uni_member"]).status_code == 200
    client.post(f"{URL}/{ident}/submit", headers=cast["uni_member"])
    response = client.patch(f"{URL}/{ident}", json={"title": "审核中改标题"}, headers=cast["uni_member"])
    assert response.status_code == 409


def test_drafts_are_seen_by_their_owner_and_staff_only(client, cast):
    ident = created_id(client, cast)
    assert client.get(f"{URL}/{ident}").status_code == 404
    assert client.get(f"{URL}/{ident}", headers=cast["corp_member"]).status_code == 404
    assert client.get(f"{URL}/{ident}", headers=cast["uni_member"]).status_code == 200
    assert client.get(f"{URL}/{ident}", headers=cast["op_sh"]).status_code == 200
    mine = client.get(f"{URL}/mine", headers=cast["uni_member"]).get_json()
    assert [a["id"] for a in mine["items"]] == [ident]


def test_other_members_cannot_edit_or_submit(client, cast):
    ident = publish(client, cast)
    assert client.post(f"{URL}/{ident}/withdraw", json={}, headers=cast["inst_member"]).status_code == 403
    assert client.post(f"{URL}/{ident}/withdraw", json={}, headers=cast["corp_member"]).status_code == 403


def test_withdrawn_achievement_leaves_the_public_list(client, cast):
    ident = publish(client, cast)
    assert client.post(f"{URL}/{ident}/withdraw", json={"reason": "已独占许可"}, headers=cast["uni_member"]).status_code == 200
    assert client.get(URL).get_json()["total"] == 0
    assert client.get(f"{URL}/{ident}").status_code == 404
    reopened = client.post(f"{URL}/{ident}/reopen", headers=cast["uni_member"]).get_json()
    assert reopened["status"] == "draft"


def test_operator_of_the_market_may_take_a_listing_down(client, cast):
    ident = publish(client, cast)
    assert client.post(f"{URL}/{ident}/withdraw", json={}, headers=cast["op_js"]).status_code == 403
    assert client.post(f"{URL}/{ident}/withdraw", json={}, headers=cast["op_sh"]).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"title": "长" * 201}, "title"),
    ({"abstract": "字" * 20_001}, "abstract"),
    ({"ip_type": "商标"}, "ip_type"),
    ({"field": "玄学"}, "field"),
    ({"price_fen": -100}, "price_fen"),
    ({"price_fen": "八十万"}, "price_fen"),
    ({"price_fen": 12.5}, "price_fen"),
    ({"keywords": "石墨烯"}, "keywords"),
    ({"application_numbers": ["200410033212.5"]}, "application_numbers"),
    ({"application_numbers": ["CN12345"]}, "application_numbers"),
    ({"transfer_modes": ["赠送"]}, "transfer_modes"),
    ({"market_code": "BJ"}, "market_code"),
    ({"unexpected": 1}, "unexpected"),
])
def test_bad_input_is_422_with_the_field_and_nothing_is_written(client, cast, uow_factory, body, field):
    before = count_all(uow_factory)
    response = create(client, cast["uni_member"], **body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["code"] == 422 and payload["status"] == "Unprocessable Entity"
    assert field in payload["errors"]
    assert count_all(uow_factory) == before


def test_missing_required_fields_are_all_listed(client, cast):
    response = client.post(URL, json={}, headers=cast["uni_member"])
    assert response.status_code == 422
    assert {"title", "ip_type", "field"} <= set(response.get_json()["errors"])


def test_malformed_json_is_400(client, cast):
    response = client.post(URL, data="{not json", content_type="application/json", headers=cast["uni_member"])
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("请求体不是有效的 JSON")


def test_json_array_body_is_422_not_500(client, cast):
    response = client.post(URL, json=["石墨烯"], headers=cast["uni_member"])
    assert response.status_code == 422


def test_unknown_id_is_404(client, cast):
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.post(f"{URL}/999999/submit", headers=cast["uni_member"]).status_code == 404


@pytest.mark.parametrize("huge", [2**31, 2**64])
def test_id_beyond_any_id_is_404_not_500(client, cast, huge):
    for path in (f"{URL}/{huge}", f"{URL}/{huge}/history", f"{URL}/{huge}/matches"):
        response = client.get(path, headers=cast["op_sh"])
        assert response.status_code == 404, path
        assert response.get_json()["code"] == 404
    review = client.post(f"{URL}/{huge}/review", json={"decision": "reject", "reason": "重复"}, headers=cast["op_sh"])
    assert review.status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"title": "石墨烯\u0000导热膜"}, "title"),
    ({"keywords": ["石墨烯", "导热\u0000"]}, "keywords.1"),
])
def test_text_with_a_nul_character_is_rejected_with_field_error_and_nothing_is_written(
        client, cast, uow_factory, body, field):
    before = count_all(uow_factory)
    response = create(client, cast["uni_member"], **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert count_all(uow_factory) == before


def test_text_with_a_lone_surrogate_is_rejected_with_field_error_and_nothing_is_written(client, cast, uow_factory):
    before = count_all(uow_factory)
    body = '{"title": "石墨烯\\ud800", "ip_type": "发明专利", "field": "新材料"}'.encode()
    response = client.post(URL, data=body, content_type="application/json", headers=cast["uni_member"])
    assert response.status_code == 422, response.get_json()
    assert "title" in response.get_json()["errors"]
    assert count_all(uow_factory) == before


def test_own_list_status_with_a_nul_character_is_422(client, cast):
    response = client.get(f"{URL}/mine?status=draft%00", headers=cast["uni_member"])
    assert response.status_code == 422 and "status" in response.get_json()["errors"]


def test_negotiable_when_no_price(client, cast):
    ident = created_id(client, cast, price_fen=None)
    body = client.get(f"{URL}/{ident}", headers=cast["uni_member"]).get_json()
    assert body["negotiable"] is True and body["price_fen"] is None


def test_public_list_filters_and_sorts(client, cast):
    a = publish(client, cast, field="新材料", price_fen=10_000_000, transfer_modes=["转让"])
    b = publish(client, cast, field="电子信息", price_fen=50_000_000, transfer_modes=["独占许可"], ip_type="软件著作权",
                application_numbers=[])
    c = publish(client, cast, field="新材料", price_fen=None, transfer_modes=["作价入股", "转让"])

    def ids(query):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        return [x["id"] for x in response.get_json()["items"]]

    assert set(ids("field=新材料")) == {a, c}
    assert ids("ip_type=软件著作权") == [b]
    assert set(ids("mode=转让")) == {a, c}
    assert ids("price_min=20000000") == [b]
    assert ids("price_max=20000000") == [a]
    assert ids("sort=price") == [a, b, c]          # negotiable last
    assert ids("sort=price_desc") == [b, a, c]
    assert set(ids("province=上海")) == {a, b, c}
    assert ids("province=江苏") == []
    assert set(ids("market=SH")) == {a, b, c}
    assert ids("market=JS") == []
    page = client.get(f"{URL}?per_page=2&page=2").get_json()
    assert page["total"] == 3 and len(page["items"]) == 1


@pytest.mark.parametrize("query, field", [
    ("per_page=101", "per_page"), ("page=0", "page"), ("market=XX", "market"), ("price_min=-1", "price_min"),
    ("price_min=5&price_max=1", "price_min"), ("sort=random", "sort"), ("field=量子", "field"),
])
def test_bad_list_queries_are_422(client, query, field):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422 and field in response.get_json()["errors"]
