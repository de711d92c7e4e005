"""Recipes of joining the platform (issue 20) for the role matrix. The mailed links' tokens are
read from a FakeMailer the recipe hands to the service itself (the world's app logs its mails).

The cast has no registrant (a signed-up person in no organisation yet): the operations only
registrants may call have empty rows in the matrix, and their registrant path is in tests/e2e/signup."""
from __future__ import annotations

import itertools
import re


from market.adapters.mail import FakeMailer
from market.domain.codes import credit_code_check_char
from market.services import memberships, signup
from market.services.account_mail import AccountPost

PASSWORD = "correct-horse-42"
_codes = itertools.count(1)


def _token(mailer: FakeMailer) -> str:
    return re.search(r"\?token=(\S+)", mailer.sent[-1].text).group(1)


def _services(w):
    return w.app.extensions["market"]


def _post() -> tuple[AccountPost, FakeMailer]:
    mailer = FakeMailer()
    return AccountPost(mailer, "http://market.test"), mailer


def credit_code() -> str:
    body = f"9131{next(_codes):06d}MA1FL00"[:17]
    return body + credit_code_check_char(body)


def org_body(market="SH") -> dict:
    return {"name": f"自助注册机构{next(_codes)}", "kind": "enterprise", "credit_code": credit_code(),
            "province": "上海", "city": "上海", "market_code": market}


def registrant(w) -> tuple[int, dict]:
    """A signed-up, confirmed person in no organisation: (id, headers)."""
    key = f"registrant_{next(w._n)}"
    w.user(key, "registrant")
    return w.ids[key], w.headers[key]


def confirmation_token(w) -> str:
    post, mailer = _post()
    s = _services(w)
    signup.sign_up(s.uow_factory(), s.hasher, post, email=f"signup{next(w._n)}@example.cn", display_name="新人",
                   password=PASSWORD, now=s.clock.now())
    return _token(mailer)


def reset_token(w) -> str:
    post, mailer = _post()
    s = _services(w)
    signup.request_password_reset(s.uow_factory(), post, email=w.fresh_email(), now=s.clock.now())
    return _token(mailer)


def invitation_token(w) -> str:
    post, mailer = _post()
    s = _services(w)
    memberships.invite(s.uow_factory(), post, actor_id=w.ids["uni_member"], org_id=w.orgs["uni"],
                       email=f"invited{next(w._n)}@example.cn", now=s.clock.now())
    return _token(mailer)


def unverified_org(w) -> int:
    user_id, _ = registrant(w)
    s = _services(w)
    return signup.create_own_organisation(s.uow_factory(), actor_id=user_id, data=org_body(), now=s.clock.now())["id"]


def join_request(w) -> int:
    _, headers = registrant(w)
    response = w.client.post(f"/api/v1/organisations/{w.orgs['uni']}/join-requests", headers=headers, json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def uni_colleague(w) -> int:
    key = f"colleague_{next(w._n)}"
    w.user(key, "member", organisation="uni")
    return w.ids[key]


def recipes(Call) -> dict:
    return {
        "POST /api/v1/accounts/signup": lambda w: Call(json={
            "email": f"signup{next(w._n)}@example.cn", "display_name": "新人", "password": PASSWORD}),
        "POST /api/v1/accounts/confirm": lambda w: Call(json={"token": confirmation_token(w)}),
        "POST /api/v1/accounts/password-reset": lambda w: Call(json={"email": f"nobody{next(w._n)}@example.cn"}),
        "POST /api/v1/accounts/password-reset/confirm": lambda w: Call(json={
            "token": reset_token(w), "new_password": "new-river-stone-88"}),
        "POST /api/v1/accounts/organisation": lambda w: Call(json=org_body()),
        "POST /api/v1/invitations/accept": lambda w: Call(json={
            "token": invitation_token(w), "display_name": "同事", "password": PASSWORD}),
        "GET /api/v1/organisations/{org_id}/join-requests": lambda w: Call(params={"org_id": w.orgs["uni"]}),
        "POST /api/v1/organisations/{org_id}/join-requests": lambda w: Call(params={"org_id": w.orgs["uni"]}, json={}),
        "POST /api/v1/join-requests/{request_id}/approve": lambda w: Call(
            params={"request_id": join_request(w)}, json={"org_role": "trader"}),
        "POST /api/v1/join-requests/{request_id}/refuse": lambda w: Call(
            params={"request_id": join_request(w)}, json={"reason": "不是本单位人员"}),
        "GET /api/v1/organisations/{org_id}/members": lambda w: Call(params={"org_id": w.orgs["uni"]}),
        "PATCH /api/v1/organisations/{org_id}/members/{user_id}": lambda w: Call(
            params={"org_id": w.orgs["uni"], "user_id": uni_colleague(w)}, json={"org_role": "drafter"}),
        "DELETE /api/v1/organisations/{org_id}/members/{user_id}": lambda w: Call(
            params={"org_id": w.orgs["uni"], "user_id": uni_colleague(w)}),
        "POST /api/v1/organisations/{org_id}/invitations": lambda w: Call(
            params={"org_id": w.orgs["uni"]}, json={"email": f"invited{next(w._n)}@example.cn"}),
        "GET /api/v1/organisations/verification-queue": lambda w: Call(),
        "POST /api/v1/organisations/{org_id}/verify": lambda w: Call(params={"org_id": unverified_org(w)}),
        "POST /api/v1/organisations/{org_id}/reject": lambda w: Call(
            params={"org_id": unverified_org(w)}, json={"reason": "营业执照信息不符"}),
    }
