"""Messages people read: every status is named by its glossary label inside a Chinese sentence,
no placeholder stands for a missing name, and the dates users type stay within sane bounds."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from market.domain import auctions, contracts, demands
from market.domain.accounts import User
from market.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from market.domain.labels import status_label

GLOSSARY = Path(__file__).resolve().parents[3] / "shared" / "docs" / "GLOSSARY.md"
NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)      # Monday 10:00 in Shanghai
RAW_WORD_IN_CHINESE = re.compile(r"[\u4e00-\u9fff]\s*[a-z_]{3,}|[a-z_]{3,}\s*[\u4e00-\u9fff]")


def chinese_part(message: str) -> str:
    """The sentence before the English gloss in parentheses."""
    return message.split(" (")[0]


@pytest.mark.shared
def test_every_status_label_is_the_glossarys():
    if not GLOSSARY.exists():
        pytest.skip("../shared/docs/GLOSSARY.md is absent")
    rows = re.findall(r"^\| (\w+)(?: \((\w+)\))? \| ([^|]+) \|$", GLOSSARY.read_text(encoding="utf-8"), re.M)
    labelled = {(kind or "", status): label.strip() for status, kind, label in rows if status != "status"}
    assert len(labelled) >= 25
    for (kind, status), label in labelled.items():
        kind = {"review": ""}.get(kind, kind)
        assert status_label(kind, status) == label, (kind, status)


@pytest.mark.parametrize("kind, statuses", [
    ("lot", auctions.LOT_STATUSES), ("deposit", auctions.DEPOSIT_STATUSES),
    ("confirmation", auctions.CONFIRMATION_STATUSES), ("demand", demands.STATUSES),
])
def test_every_status_of_the_domain_has_a_chinese_label(kind, statuses):
    for status in statuses:
        assert re.fullmatch(r"[\u4e00-\u9fff]+", status_label(kind, status)), (kind, status)


def test_signed_confirmation_refuses_a_second_signature_naming_its_status_in_chinese():
    conf = auctions.Confirmation(lot_id=1, achievement_id=1, market_code="SH", seller_id=1, winner_id=2,
                                 hammer_price_fen=100, deposit_fen=0, sign_by=date(2025, 3, 10), created_at=NOW)
    conf.sign(NOW, actor_id=3)
    with pytest.raises(IllegalTransition) as err:
        conf.sign(NOW, actor_id=3)
    assert chinese_part(err.value.message) == "确认书已签约"


def test_deposit_refusing_a_move_names_status_and_action_in_chinese():
    deposit = auctions.Deposit(bidder_id=1, amount_fen=100, created_at=NOW)
    deposit.hold(NOW)
    with pytest.raises(IllegalTransition) as err:
        deposit.hold(NOW)
    assert chinese_part(err.value.message) == "保证金已冻结，不能冻结"
    assert not RAW_WORD_IN_CHINESE.search(chinese_part(err.value.message))


def test_illegal_listing_transition_names_status_and_action_in_chinese():
    demand = demands.Demand(title="需求", enterprise_id=1, market_code="SH", now=NOW)
    with pytest.raises(IllegalTransition) as err:
        demand.approve(actor_id=1, now=NOW)
    assert chinese_part(err.value.message) == "需求当前状态为「草稿」，不能审核通过"


def test_member_refused_an_operators_view_reads_no_placeholder():
    member = User("m@x.cn", "m", "x", "member", organisation_id=1, created_at=NOW)
    with pytest.raises(Forbidden) as err:
        member.require_operator_of(None)
    assert "?" not in err.value.message and "只有市场运营人员" in err.value.message
    with pytest.raises(Forbidden) as err:
        member.require_operator_of("JS")
    assert "江苏省技术产权交易市场" in err.value.message


@pytest.mark.parametrize("deadline, ok", [
    (date(2025, 3, 3), True), (date(2035, 3, 3), True), (date(2035, 3, 4), False), (date(2025, 3, 2), False),
    (date(2204, 1, 1), False)])
def test_demand_deadline_is_at_most_ten_years_ahead(deadline, ok):
    if ok:
        demands.check_deadline(deadline, date(2025, 3, 3))
        return
    with pytest.raises(ValidationFailed) as err:
        demands.check_deadline(deadline, date(2025, 3, 3))
    assert list(err.value.errors) == ["deadline"]


def test_ten_years_from_a_leap_day_ends_on_the_28th():
    demands.check_deadline(date(2034, 2, 28), date(2024, 2, 29))
    with pytest.raises(ValidationFailed):
        demands.check_deadline(date(2034, 3, 1), date(2024, 2, 29))


@pytest.mark.parametrize("signed_on, ok", [
    (date(1987, 1, 1), True), (date(1986, 12, 31), False), (date(1897, 5, 1), False),
    (date(2025, 3, 3), True), (date(2025, 3, 4), False)])
def test_contract_is_signed_on_or_after_1987_and_not_in_the_future(signed_on, ok):
    errors = contracts._field_errors({"signed_on": signed_on}, NOW)
    assert ("signed_on" not in errors) is ok, errors
    if not ok:
        assert re.search(r"[\u4e00-\u9fff]", errors["signed_on"][0]) and "(signed_on" in errors["signed_on"][0]


def test_ten_years_bound_moves_with_the_clock():
    later = NOW + timedelta(days=366)
    demands.check_deadline(date(2036, 3, 3), later.date())
