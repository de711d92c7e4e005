"""One CN application number, one published achievement; `CN` prefixes read like `ZL` ones."""
from __future__ import annotations

import pytest

from market.adapters.clock import FrozenClock
from market.domain.accounts import Market
from market.domain.achievements import Achievement
from market.domain.codes import normalise_patent_number
from market.domain.errors import Conflict
from market.services import accounts, achievements

from foundation_fakes import FakeUnitOfWork, PlainHasher

NUMBER = "202310123456.6"
NOW = FrozenClock().now()


@pytest.mark.parametrize("raw", ["CN202310123456.6", "cn 202310123456.6", "CN2023101234566", "ZL202310123456.6"])
def test_cn_prefixed_application_number_is_accepted_like_a_zl_one(raw):
    assert normalise_patent_number(raw) == NUMBER


def carrier(ident: int, status: str, numbers=(NUMBER,)) -> Achievement:
    a = Achievement(title=f"成果{ident}", holder_id=1, market_code="SH", field="新材料", ip_type="发明专利",
                    application_numbers=list(numbers), now=NOW, status=status)
    a.id = ident
    return a


def test_application_number_published_as_another_achievement_is_a_conflict_naming_it():
    with pytest.raises(Conflict) as err:
        carrier(2, "pending_review").require_numbers_not_published_elsewhere([carrier(1, "sold")])
    assert "成果 1" in err.value.message and "achievement 1" in err.value.message
    assert err.value.errors == {"application_numbers": [f"{NUMBER}: achievement 1"]}


@pytest.mark.parametrize("status", ["draft", "pending_review", "withdrawn"])
def test_an_unpublished_carrier_does_not_block_the_number(status):
    carrier(2, "pending_review").require_numbers_not_published_elsewhere([carrier(1, status)])


def test_an_achievement_does_not_conflict_with_itself():
    me = carrier(1, "published")
    me.require_numbers_not_published_elsewhere([me])


# --------------------------------------------------------------------------- through the services

@pytest.fixture
def uow():
    u = FakeUnitOfWork()
    u.markets.add(Market("SH", "上海技术交易所", "上海"))
    return u


def listed_draft(uow, member, number: str) -> int:
    return achievements.create_achievement(uow, actor_id=member["id"], now=NOW, data={
        "title": "一种方法", "ip_type": "发明专利", "field": "新材料", "market_code": "SH",
        "application_numbers": [number]})["id"]


@pytest.fixture
def people(uow):
    org = accounts.create_organisation(uow, name="沪东理工大学", kind="university", province="上海", now=NOW)
    member = accounts.create_user(uow, PlainHasher(), email="a@x.cn", password="long-enough-pass", display_name="甲",
                                  role="member", organisation_id=org["id"], now=NOW)
    operator = accounts.create_user(uow, PlainHasher(), email="op@x.cn", password="long-enough-pass",
                                    display_name="乙", role="operator", market_code="SH", now=NOW)
    return member, operator


def test_submitting_a_number_already_published_is_409_naming_the_achievement(uow, people):
    member, operator = people
    first = listed_draft(uow, member, "ZL" + NUMBER)
    achievements.submit_achievement(uow, actor_id=member["id"], achievement_id=first, now=NOW)
    achievements.review_achievement(uow, actor_id=operator["id"], achievement_id=first, decision="approve", now=NOW)
    second = listed_draft(uow, member, "CN" + NUMBER)
    with pytest.raises(Conflict) as err:
        achievements.submit_achievement(uow, actor_id=member["id"], achievement_id=second, now=NOW)
    assert f"achievement {first}" in err.value.message
    assert uow.achievements.get(second).status == "draft"


def test_approving_a_number_already_published_is_409_naming_the_achievement(uow, people):
    member, operator = people
    first, second = listed_draft(uow, member, NUMBER), listed_draft(uow, member, NUMBER)
    for ident in (first, second):
        achievements.submit_achievement(uow, actor_id=member["id"], achievement_id=ident, now=NOW)
    achievements.review_achievement(uow, actor_id=operator["id"], achievement_id=first, decision="approve", now=NOW)
    with pytest.raises(Conflict) as err:
        achievements.review_achievement(uow, actor_id=operator["id"], achievement_id=second, decision="approve", now=NOW)
    assert f"achievement {first}" in err.value.message
    assert uow.achievements.get(second).status == "pending_review"
