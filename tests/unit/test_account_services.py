from datetime import timedelta

import pytest

from market.adapters.clock import FrozenClock
from market.domain.accounts import Market
from market.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from market.services import accounts, achievements

from foundation_fakes import FakeUnitOfWork, PlainHasher


@pytest.fixture
def uow():
    u = FakeUnitOfWork()
    for code, name, province in (("SH", "上海技术交易所", "上海"), ("JS", "江苏省技术产权交易市场", "江苏")):
        u.markets.add(Market(code, name, province))
    return u


@pytest.fixture
def clock():
    return FrozenClock()


def make_member(uow, clock, kind="university", email="a@x.cn", province="上海"):
    org = accounts.create_organisation(uow, name=f"机构{email}", kind=kind, province=province, now=clock.now())
    return accounts.create_user(uow, PlainHasher(), email=email, password="long-enough-pass", display_name="甲",
                                role="member", organisation_id=org["id"], now=clock.now())


def test_login_returns_a_token_that_authenticates_until_it_expires(uow, clock):
    make_member(uow, clock)
    token = accounts.login(uow, PlainHasher(), email="A@x.cn", password="long-enough-pass", now=clock.now(), ttl_hours=1)
    assert accounts.authenticate(uow, token["token"], clock.now())["email"] == "a@x.cn"
    assert accounts.authenticate(uow, token["token"], clock.now() + timedelta(hours=1)) is None


def test_only_the_token_hash_is_stored(uow, clock):
    make_member(uow, clock)
    token = accounts.login(uow, PlainHasher(), email="a@x.cn", password="long-enough-pass", now=clock.now(), ttl_hours=1)
    stored = uow.tokens.all()[0]
    assert stored.token_hash != token["token"] and len(stored.token_hash) == 64


def test_revoked_token_no_longer_authenticates(uow, clock):
    make_member(uow, clock)
    token = accounts.login(uow, PlainHasher(), email="a@x.cn", password="long-enough-pass", now=clock.now(), ttl_hours=1)
    accounts.revoke_token(uow, token["token"], clock.now())
    assert accounts.authenticate(uow, token["token"], clock.now()) is None


@pytest.mark.parametrize("email, password", [("a@x.cn", "wrong-password"), ("nobody@x.cn", "long-enough-pass")])
def test_wrong_credentials_get_the_same_answer(uow, clock, email, password):
    make_member(uow, clock)
    with pytest.raises(Unauthorized) as exc:
        accounts.login(uow, PlainHasher(), email=email, password=password, now=clock.now(), ttl_hours=1)
    assert "邮箱或密码错误" in exc.value.message


def test_duplicate_email_is_a_conflict(uow, clock):
    make_member(uow, clock)
    with pytest.raises(Conflict):
        make_member(uow, clock)


def test_short_password_is_refused(uow, clock):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(uow, PlainHasher(), email="b@x.cn", password="short", display_name="乙",
                             role="admin", now=clock.now())
    assert "password" in exc.value.errors


def test_bad_credit_code_is_a_field_error(uow, clock):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_organisation(uow, name="某公司", kind="enterprise", province="江苏",
                                     credit_code="914403001922038217", now=clock.now())
    assert "credit_code" in exc.value.errors
    assert uow.organisations.all() == []


def test_enterprise_members_cannot_list_achievements(uow, clock):
    user = make_member(uow, clock, kind="enterprise")
    with pytest.raises(Forbidden):
        achievements.create_achievement(uow, actor_id=user["id"], now=clock.now(), data={
            "title": "一种方法", "ip_type": "发明专利", "field": "新材料"})


def test_achievement_goes_to_the_market_of_the_holder_province(uow, clock):
    user = make_member(uow, clock, province="江苏")
    view = achievements.create_achievement(uow, actor_id=user["id"], now=clock.now(), data={
        "title": "一种方法", "ip_type": "发明专利", "field": "新材料"})
    assert view["market_code"] == "JS" and view["status"] == "draft"


def test_operator_of_another_market_cannot_approve(uow, clock):
    user = make_member(uow, clock)
    view = achievements.create_achievement(uow, actor_id=user["id"], now=clock.now(), data={
        "title": "一种方法", "ip_type": "发明专利", "field": "新材料"})
    achievements.submit_achievement(uow, actor_id=user["id"], achievement_id=view["id"], now=clock.now())
    op_js = accounts.create_user(uow, PlainHasher(), email="js@x.cn", password="long-enough-pass", display_name="苏",
                                 role="operator", market_code="JS", now=clock.now())
    with pytest.raises(Forbidden):
        achievements.review_achievement(uow, actor_id=op_js["id"], achievement_id=view["id"],
                                        decision="approve", now=clock.now())
    assert uow.achievements.get(view["id"]).status == "pending_review"


def test_drafts_are_invisible_to_strangers(uow, clock):
    user = make_member(uow, clock)
    view = achievements.create_achievement(uow, actor_id=user["id"], now=clock.now(), data={
        "title": "一种方法", "ip_type": "发明专利", "field": "新材料"})
    with pytest.raises(NotFound):
        achievements.get_achievement(uow, view["id"], viewer_id=None)
