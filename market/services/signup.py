"""Accounts people open themselves (issue 20): sign up, confirm the e-mail, create an organisation
or ask to join one, and reset a forgotten password by an e-mailed link.

Answers never say whether an address has an account: a sign-up and a reset request answer the
same, and only the mailbox learns more. Links are random, single-use, expiring, stored as sha256
(market.domain.onboarding). Mails are sent after the commit, through `post` (AccountPost)."""
from __future__ import annotations

from datetime import datetime

from market.domain import taxonomy
from market.domain.accounts import Organisation, User
from market.domain.credentials import password_problem
from market.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from market.domain.onboarding import (CONFIRM_EMAIL, RESET_PASSWORD, AccountLink, JoinRequest,
                                      check_signup_fields, hash_link_token, join, new_link_token,
                                      normalise_email)

from . import account_mail as mails
from .common import get_or_404, load_actor, require_market
from .credentials import _published, _revoke_all   # one revocation machinery for every password change
from .views import organisation_view

ACCEPTED = {"message": "如果该邮箱可以使用，我们已发送一封邮件，请查收 "
                       "(if this address can be used, a mail is on its way: check your inbox)"}


def _issue(uow, purpose: str, email: str, now: datetime, **kw) -> str:
    """A new link (only its hash stored); earlier unused links of the same purpose are spent, so
    only the newest one works."""
    for old in uow.links.open_for(email, purpose):
        old.used_at = now
    token = new_link_token()
    uow.links.add(AccountLink(purpose, token, email, now, **kw))
    return token


def _link(uow, token: str, purpose: str) -> AccountLink:
    link = uow.links.by_hash(hash_link_token(token or ""), lock=True)
    if link is None or link.purpose != purpose:
        raise NotFound("链接无效，请检查邮件中的完整链接 (unknown link)", {"token": ["unknown"]})
    return link


def sign_up(uow, hasher, post, *, email: str, display_name: str, password: str, now: datetime,
            phone: str | None = None) -> dict:
    """Register a person (a `registrant` until they create or join an organisation) and mail a
    confirmation link. An address that already has an account gets a mail saying so instead."""
    errors = check_signup_fields(email, display_name, phone)
    problem = password_problem(password, email)
    if problem:
        errors["password"] = [problem]
    if errors:
        raise ValidationFailed("注册信息有误 (invalid sign-up)", errors)
    email = normalise_email(email)
    with uow:
        user = uow.users.by_email(email)
        if user is not None and user.email_confirmed:
            message = mails.already_registered_mail(post, email)
        else:
            if user is None:
                user = User(email, display_name.strip(), hasher.hash(password), "registrant",
                            created_at=now, email_confirmed=False, phone=(phone or "").strip() or None)
                uow.users.add(user)
            else:   # signed up again before confirming: the newest details count
                user.display_name, user.password_hash = display_name.strip(), hasher.hash(password)
            uow.flush()
            token = _issue(uow, CONFIRM_EMAIL, email, now, user_id=user.id)
            message = mails.confirmation_mail(post, email, user.display_name, token)
        uow.commit()
    post.send(message)
    return ACCEPTED


def confirm_email(uow, *, token: str, now: datetime) -> dict:
    with uow:
        link = _link(uow, token, CONFIRM_EMAIL)
        link.use(now)
        user = get_or_404(uow.users, link.user_id, "用户")
        user.email_confirmed = True
        uow.commit()
        return {"email": user.email, "email_confirmed": True}


def request_password_reset(uow, post, *, email: str, now: datetime) -> dict:
    """Mail a reset link valid 30 minutes to an active account; the same answer for any address."""
    email = normalise_email(email)
    message = None
    with uow:
        user = uow.users.by_email(email) if email else None
        if user is not None and user.active:
            token = _issue(uow, RESET_PASSWORD, email, now, user_id=user.id)
            message = mails.reset_mail(post, email, user.display_name, token)
            uow.commit()
    if message is not None:
        post.send(message)
    return ACCEPTED


def reset_password(uow, hasher, *, token: str, new_password: str, now: datetime, revocations=None) -> dict:
    """Set a new password with a reset link: every token of the account is revoked (every device
    signs in again), and the mailbox is proven, so the address counts as confirmed."""
    with uow:
        link = _link(uow, token, RESET_PASSWORD)
        link.use(now)
        user = get_or_404(uow.users, link.user_id, "用户")
        problem = password_problem(new_password, user.email)
        if problem:
            raise ValidationFailed.on("new_password", problem)
        user.password_hash = hasher.hash(new_password)
        user.password_reset_required, user.email_confirmed = False, True
        revoked = _revoke_all(uow, user.id, now)
        uow.commit()
    _published(revocations)
    return {"email": user.email, "revoked_tokens": revoked}


def _require_registrant(user) -> None:
    if user.role != "registrant":
        raise Forbidden("只有尚未加入机构的注册用户可以创建或申请加入机构 "
                        "(only people who have not joined an organisation yet)")


def create_own_organisation(uow, *, actor_id: int, data: dict, now: datetime) -> dict:
    """A registrant creates its organisation and becomes its administrator; the organisation is
    unverified until an operator of its home market verifies it. One organisation per credit code:
    a second gets 409 naming the first (whose administrators the person can ask to join)."""
    with uow:
        user = load_actor(uow, actor_id)
        _require_registrant(user)
        org = _new_organisation(uow, data, now)
        existing = uow.organisations.by_credit_code(org.credit_code) or \
            uow.organisations.add_claiming_credit_code(org)
        if existing is not None:
            raise _taken(existing)
        join(user, org.id, "administrator")
        uow.commit()
        return organisation_view(org)


def _new_organisation(uow, data: dict, now: datetime) -> Organisation:
    errors = {}
    if data.get("kind") not in taxonomy.SIGNUP_ORG_KINDS:
        errors["kind"] = [f"机构类型必须是 {', '.join(taxonomy.SIGNUP_ORG_KINDS)} 之一"]
    if not (data.get("credit_code") or "").strip():
        errors["credit_code"] = ["请填写统一社会信用代码 (required)"]
    if not (data.get("city") or "").strip():
        errors["city"] = ["请填写所在城市 (required)"]
    if errors:
        raise ValidationFailed("机构信息有误 (invalid organisation)", errors)
    market = require_market(uow, data.get("market_code"))
    return Organisation(name=data.get("name"), kind=data["kind"], province=data.get("province"),
                        city=data["city"].strip(), credit_code=data["credit_code"], created_at=now,
                        market_code=market, verification_status="unverified")


def _taken(existing) -> Conflict:
    return Conflict(f"该统一社会信用代码已由「{existing.name}」（机构 {existing.id}）登记，可申请加入该机构 "
                    f"(credit code already registered by organisation {existing.id}: ask to join it)",
                    {"credit_code": [f"已登记：{existing.name} (organisation {existing.id})"],
                     "existing_organisation_id": [str(existing.id)]})


def request_to_join(uow, post, *, actor_id: int, org_id: int, now: datetime, message: str | None = None) -> dict:
    """A registrant asks to join; the organisation's administrators are told and decide."""
    with uow:
        user = load_actor(uow, actor_id)
        _require_registrant(user)
        org = get_or_404(uow.organisations, org_id, "机构")
        if any(r.organisation_id == org.id for r in uow.join_requests.pending_of_user(user.id)):
            raise Conflict("您已申请加入该机构，请等待管理员处理 (already asked)", {"org_id": ["pending"]})
        request = JoinRequest(org.id, user.id, now, message)
        uow.join_requests.add(request)
        uow.commit()
        admins = [m.email for m in uow.users.members_of(org.id) if m.org_role == "administrator" and m.active]
        view = join_request_view(request, user)
        letters = [mails.join_request_mail(post, to, org.name, user.display_name) for to in admins]
    for letter in letters:
        post.send(letter)
    return view


def join_request_view(r, applicant=None) -> dict:
    return {"id": r.id, "organisation_id": r.organisation_id, "user_id": r.user_id,
            "applicant_name": applicant.display_name if applicant else None,
            "applicant_email": applicant.email if applicant else None, "message": r.message,
            "status": r.status, "created_at": r.created_at, "decided_at": r.decided_at, "reason": r.reason}

