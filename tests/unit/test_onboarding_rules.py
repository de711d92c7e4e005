"""The rules of joining the platform (issue 20), on fakes with a frozen clock: links expire and
work once, unverified organisations and drafters cannot reach the market, one organisation per
credit code, and an organisation always keeps an administrator."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from market.adapters.clock import FrozenClock
from market.adapters.mail import FakeMailer
from market.domain.accounts import Market, Organisation, User
from market.domain.codes import credit_code_check_char
from market.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from market.domain.onboarding import (INVITATION, RESET_PASSWORD, AccountLink, LinkGone, hash_link_token,
                                      require_another_administrator, require_may_trade)
from market.services import memberships, signup, verification
from market.services.account_mail import AccountPost

from foundation_fakes import FakeUnitOfWork, PlainHasher

PASSWORD = "long-enough-pass"
CODE = "91310000MA1FL0000" + credit_code_check_char("91310000MA1FL0000")


@pytest.fixture
def uow():
    u = FakeUnitOfWork()
    for code, name, province in (("SH", "上海技术交易所", "上海"), ("JS", "江苏省技术产权交易市场", "江苏")):
        u.markets.add(Market(code, name, province))
    return u


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def mailer():
    return FakeMailer()


@pytest.fixture
def post(mailer):
    return AccountPost(mailer, "https://market.example")


def _token(mail) -> str:
    return re.search(r"\?token=(\S+)", mail.text).group(1)


def registrant(uow, post, mailer, clock, email="p@x.cn") -> int:
    signup.sign_up(uow, PlainHasher(), post, email=email, display_name="甲", password=PASSWORD, now=clock.now())
    signup.confirm_email(uow, token=_token(mailer.sent[-1]), now=clock.now())
    return uow.users.by_email(email).id


def own_org(uow, actor_id, clock, code=CODE, name="沪南大学"):
    return signup.create_own_organisation(uow, actor_id=actor_id, now=clock.now(), data={
        "name": name, "kind": "university", "credit_code": code, "province": "上海", "city": "上海",
        "market_code": "SH"})


# --- links --------------------------------------------------------------------------------

def test_a_link_works_once_and_not_after_it_expires(clock):
    link = AccountLink(RESET_PASSWORD, "t", "a@x.cn", clock.now())
    assert link.expires_at - link.created_at == timedelta(minutes=30)
    link.use(clock.now() + timedelta(minutes=29))
    with pytest.raises(LinkGone, match="已使用"):
        link.use(clock.now() + timedelta(minutes=29))
    late = AccountLink(INVITATION, "u", "a@x.cn", clock.now())
    with pytest.raises(LinkGone, match="过期") as exc:
        late.use(clock.now() + timedelta(days=7))
    assert exc.value.status == 410


def test_only_the_links_sha256_is_stored_and_the_mail_links_to_the_public_address(uow, post, mailer, clock):
    signup.sign_up(uow, PlainHasher(), post, email="p@x.cn", display_name="甲", password=PASSWORD, now=clock.now())
    [mail] = mailer.sent
    token = _token(mail)
    assert "https://market.example/signup/confirm?token=" in mail.text and "确认" in mail.subject
    [stored] = uow.links.all()
    assert stored.token_hash == hash_link_token(token) and token not in vars(stored).values()


def test_a_new_reset_link_spends_the_previous_one(uow, post, mailer, clock):
    registrant(uow, post, mailer, clock)
    signup.request_password_reset(uow, post, email="p@x.cn", now=clock.now())
    first = _token(mailer.sent[-1])
    signup.request_password_reset(uow, post, email="p@x.cn", now=clock.now())
    with pytest.raises(LinkGone):
        signup.reset_password(uow, PlainHasher(), token=first, new_password="another-long-pass", now=clock.now())


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(uow, post, mailer, clock):
    registrant(uow, post, mailer, clock)
    sent = len(mailer.sent)
    assert signup.request_password_reset(uow, post, email="nobody@x.cn", now=clock.now()) == \
        signup.request_password_reset(uow, post, email="p@x.cn", now=clock.now())
    assert len(mailer.sent) == sent + 1


def test_an_invitation_expires_after_seven_days(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock)
    org = own_org(uow, boss, clock)
    memberships.invite(uow, post, actor_id=boss, org_id=org["id"], email="c@x.cn", now=clock.now())
    with pytest.raises(LinkGone):
        memberships.accept_invitation(uow, PlainHasher(), token=_token(mailer.sent[-1]), display_name="乙",
                                      password=PASSWORD, now=clock.now() + timedelta(days=7, seconds=1))


def test_an_unknown_link_is_404(uow, clock):
    with pytest.raises(NotFound):
        signup.confirm_email(uow, token="nothing-like-it", now=clock.now())


# --- verification gates -----------------------------------------------------------------------

def _member(org, org_role="administrator"):
    user = User("m@x.cn", "m", "h", "member", organisation_id=1, org_role=org_role)
    user.organisation = org
    return user


@pytest.mark.parametrize("action", ["submit_listing", "submit_demand", "register_for_lot", "make_offer"])
def test_an_unverified_organisations_member_is_refused_in_chinese_and_english(action):
    org = Organisation("沪南大学", "university", "上海", verification_status="unverified")
    with pytest.raises(Forbidden) as exc:
        require_may_trade(_member(org), action)
    assert "尚未通过市场认证" in exc.value.message and "not verified" in exc.value.message


def test_a_rejected_organisation_is_refused_and_a_verified_ones_trader_passes():
    with pytest.raises(Forbidden):
        require_may_trade(_member(Organisation("甲", "enterprise", "江苏", verification_status="rejected")),
                          "register_for_lot")
    require_may_trade(_member(Organisation("乙", "enterprise", "江苏"), "trader"), "register_for_lot")


def test_a_drafter_prepares_drafts_only():
    with pytest.raises(Forbidden, match="drafter"):
        require_may_trade(_member(Organisation("乙", "enterprise", "江苏"), "drafter"), "make_offer")


def test_verification_records_who_and_when_and_tells_the_members(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock)
    org = own_org(uow, boss, clock)
    operator = User("op@x.cn", "运营", "h", "operator", market_code="SH")
    other = User("op2@x.cn", "运营", "h", "operator", market_code="JS")
    uow.users.add(operator)
    uow.users.add(other)
    assert [o["id"] for o in verification.verification_queue(uow, actor_id=operator.id)] == [org["id"]]
    assert verification.verification_queue(uow, actor_id=other.id) == []
    with pytest.raises(Forbidden):
        verification.decide(uow, post, actor_id=other.id, org_id=org["id"], verified=True, now=clock.now())
    later = clock.now() + timedelta(hours=3)
    view = verification.decide(uow, post, actor_id=operator.id, org_id=org["id"], verified=True, now=later)
    stored = uow.organisations.get(org["id"])
    assert (view["verification_status"], stored.verified_by_id, stored.verified_at) == ("verified", operator.id, later)
    assert mailer.sent[-1].to == "p@x.cn" and "已通过" in mailer.sent[-1].subject


def test_a_rejection_needs_a_reason_which_the_members_read(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock)
    org = own_org(uow, boss, clock)
    admin = User("admin@x.cn", "管理员", "h", "admin")
    uow.users.add(admin)
    with pytest.raises(ValidationFailed):
        verification.decide(uow, post, actor_id=admin.id, org_id=org["id"], verified=False, now=clock.now(), reason=" ")
    verification.decide(uow, post, actor_id=admin.id, org_id=org["id"], verified=False, now=clock.now(),
                        reason="营业执照名称与填写不符")
    assert "营业执照名称与填写不符" in mailer.sent[-1].text


# --- one organisation per credit code -----------------------------------------------------

def test_one_organisation_per_credit_code_409_names_the_first(uow, post, mailer, clock):
    first = own_org(uow, registrant(uow, post, mailer, clock, "a@x.cn"), clock)
    with pytest.raises(Conflict) as exc:
        own_org(uow, registrant(uow, post, mailer, clock, "b@x.cn"), clock, code=CODE.lower(), name="别名")
    assert first["name"] in exc.value.message and exc.value.errors["existing_organisation_id"] == [str(first["id"])]
    assert uow.users.by_email("b@x.cn").role == "registrant"


def test_a_member_cannot_create_a_second_organisation(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock)
    own_org(uow, boss, clock)
    with pytest.raises(Forbidden):
        own_org(uow, boss, clock, code="91320000MA1FL0000" + credit_code_check_char("91320000MA1FL0000"))


# --- members -------------------------------------------------------------------------------

def test_the_last_administrator_cannot_leave_or_step_down(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock)
    org = own_org(uow, boss, clock)
    with pytest.raises(Conflict, match="最后一位管理员"):
        memberships.remove_member(uow, actor_id=boss, org_id=org["id"], user_id=boss, now=clock.now())
    with pytest.raises(Conflict):
        memberships.change_role(uow, actor_id=boss, org_id=org["id"], user_id=boss, org_role="trader")


def test_with_a_second_administrator_the_first_may_leave():
    a = User("a@x.cn", "a", "h", "member", organisation_id=1)
    b = User("b@x.cn", "b", "h", "member", organisation_id=1)
    a.id, b.id = 1, 2
    require_another_administrator([a, b], a)
    b.org_role = "trader"
    with pytest.raises(Conflict):
        require_another_administrator([a, b], a)


def test_only_the_organisations_administrators_decide_join_requests(uow, post, mailer, clock):
    boss = registrant(uow, post, mailer, clock, "boss@x.cn")
    org = own_org(uow, boss, clock)
    applicant = registrant(uow, post, mailer, clock, "new@x.cn")
    request = signup.request_to_join(uow, post, actor_id=applicant, org_id=org["id"], now=clock.now())
    assert mailer.sent[-1].to == "boss@x.cn"
    stranger = registrant(uow, post, mailer, clock, "s@x.cn")
    with pytest.raises(Forbidden):
        memberships.decide_join_request(uow, post, actor_id=stranger, request_id=request["id"], approve=True,
                                        now=clock.now())
    memberships.decide_join_request(uow, post, actor_id=boss, request_id=request["id"], approve=True,
                                    now=clock.now(), org_role="trader")
    joined = uow.users.get(applicant)
    assert (joined.role, joined.organisation_id, joined.org_role) == ("member", org["id"], "trader")
    with pytest.raises(Conflict):
        memberships.decide_join_request(uow, post, actor_id=boss, request_id=request["id"], approve=False,
                                        now=clock.now())


def test_a_mail_that_cannot_be_sent_does_not_undo_the_sign_up(uow, post, mailer, clock):
    mailer.fail_next = 1
    signup.sign_up(uow, PlainHasher(), post, email="p@x.cn", display_name="甲", password=PASSWORD, now=clock.now())
    assert uow.users.by_email("p@x.cn") is not None and mailer.sent == []


def test_an_invitation_answers_the_same_for_any_address_and_a_member_elsewhere_cannot_accept_it(uow, post, mailer, clock):
    first = registrant(uow, post, mailer, clock, "a@x.cn")
    org = own_org(uow, first, clock)
    second = registrant(uow, post, mailer, clock, "b@x.cn")
    other = own_org(uow, second, clock, code="91320000MA1FL0000" + credit_code_check_char("91320000MA1FL0000"))
    taken = memberships.invite(uow, post, actor_id=first, org_id=org["id"], email="b@x.cn", now=clock.now())
    free = memberships.invite(uow, post, actor_id=first, org_id=org["id"], email="c@x.cn", now=clock.now())
    assert {k: v for k, v in taken.items() if k != "email"} == {k: v for k, v in free.items() if k != "email"}
    token = _token([m for m in mailer.sent if m.to == "b@x.cn"][-1])
    with pytest.raises(Conflict):
        memberships.accept_invitation(uow, PlainHasher(), token=token, password=PASSWORD, now=clock.now())
    assert uow.users.get(second).organisation_id == other["id"]
