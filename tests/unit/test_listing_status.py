from datetime import date, datetime, timedelta, timezone

import pytest

from market.domain.achievements import Achievement
from market.domain.demands import Demand
from market.domain.errors import Forbidden, IllegalTransition, ValidationFailed

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def achievement(**overrides):
    values = dict(title="一种石墨烯散热膜的制备方法", holder_id=1, market_code="SH", field="新材料",
                  ip_type="发明专利", now=NOW, price_fen=5_000_000)
    values.update(overrides)
    return Achievement(**values)


def published():
    a = achievement()
    a.submit(10, NOW)
    a.approve(20, NOW + timedelta(hours=1))
    return a


def test_new_achievement_is_a_draft_with_one_history_line():
    a = achievement()
    assert a.status == "draft"
    assert [(h.from_status, h.to_status) for h in a.history] == [(None, "draft")]


def test_submit_then_approve_publishes_and_records_who_and_when():
    a = published()
    assert a.status == "published"
    assert a.published_at == NOW + timedelta(hours=1)
    assert [(h.from_status, h.to_status, h.actor_id) for h in a.history[1:]] == [
        ("draft", "pending_review", 10), ("pending_review", "published", 20)]


def test_reject_returns_to_draft_with_the_reason():
    a = achievement()
    a.submit(10, NOW)
    a.reject(20, NOW, "专利号与权利人不符")
    assert a.status == "draft"
    assert a.rejection_reason == "专利号与权利人不符"
    assert a.history[-1].reason == "专利号与权利人不符"


def test_reject_without_a_reason_is_refused():
    a = achievement()
    a.submit(10, NOW)
    with pytest.raises(ValidationFailed) as exc:
        a.reject(20, NOW, "  ")
    assert "reason" in exc.value.errors
    assert a.status == "pending_review"


@pytest.mark.parametrize("action", ["approve", "mark_sold", "start_auction", "return_from_auction"])
def test_illegal_transitions_from_draft_are_refused_with_a_reason(action):
    a = achievement()
    with pytest.raises(IllegalTransition) as exc:
        getattr(a, action)(1, NOW)
    assert "draft" in exc.value.message
    assert a.status == "draft" and len(a.history) == 1


def test_auction_path_published_in_auction_sold():
    a = published()
    a.start_auction(1, NOW)
    assert a.is_public
    a.mark_sold(1, NOW)
    assert a.status == "sold" and not a.is_public
    with pytest.raises(IllegalTransition):
        a.withdraw(1, NOW)


def test_unsold_lot_returns_achievement_to_published():
    a = published()
    a.start_auction(1, NOW)
    a.return_from_auction(1, NOW, "流拍")
    assert a.status == "published"


def test_withdrawn_achievement_can_be_reopened_as_draft():
    a = published()
    a.withdraw(10, NOW, "已转让给其他企业")
    assert not a.is_public
    a.reopen(10, NOW)
    assert a.status == "draft"


def test_only_drafts_can_be_edited():
    a = achievement()
    a.edit({"title": "新标题"}, actor_id=10, now=NOW)
    assert a.title == "新标题"
    a.submit(10, NOW)
    with pytest.raises(IllegalTransition):
        a.edit({"title": "审核中偷偷修改"}, actor_id=10, now=NOW)


@pytest.mark.parametrize("field, value, error_key", [
    ("title", "", "title"),
    ("field", "量子玄学", "field"),
    ("ip_type", "商标", "ip_type"),
    ("application_numbers", ["200410033212.5"], "application_numbers"),
    ("price_fen", -1, "price_fen"),
    ("transfer_modes", ["赠送"], "transfer_modes"),
])
def test_invalid_achievement_fields_are_reported_by_name(field, value, error_key):
    with pytest.raises(ValidationFailed) as exc:
        achievement(**{field: value})
    assert error_key in exc.value.errors


def test_no_price_means_negotiable():
    a = achievement(price_fen=None)
    assert a.negotiable and a.price_fen is None


def test_only_the_holder_organisation_owns_an_achievement():
    class U:
        organisation_id = 2
    with pytest.raises(Forbidden):
        achievement().require_owner(U())


def demand(**overrides):
    values = dict(title="寻求高精度MEMS压力传感器封装技术", enterprise_id=3, market_code="JS", now=NOW,
                  deadline=date(2025, 6, 30), budget_min_fen=50_000_000, budget_max_fen=100_000_000)
    values.update(overrides)
    return Demand(**values)


def test_open_demand_past_its_deadline_reads_as_expired():
    d = demand()
    d.submit(1, NOW)
    d.approve(2, NOW)
    assert d.display_status(date(2025, 6, 30)) == "open"
    assert d.display_status(date(2025, 7, 1)) == "expired"


def test_demand_budget_range_must_not_be_inverted():
    with pytest.raises(ValidationFailed) as exc:
        demand(budget_min_fen=2, budget_max_fen=1)
    assert "budget_max_fen" in exc.value.errors


def test_closed_demand_cannot_be_approved():
    d = demand()
    d.close(1, NOW)
    with pytest.raises(IllegalTransition):
        d.approve(2, NOW)
