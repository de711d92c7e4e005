"""Members and roles inside an organisation (issue 20): its administrators invite colleagues by
e-mail, decide join requests, change roles and remove members; a member may leave. The last
administrator can do neither (market.domain.onboarding.require_another_administrator)."""
from __future__ import annotations

from datetime import datetime

from market.domain.accounts import User
from market.domain.credentials import password_problem
from market.domain.errors import Forbidden, NotFound, ValidationFailed
from market.domain.onboarding import (INVITATION, LINK_TTL, check_signup_fields, join, normalise_email,
                                      require_administrator_of, require_another_administrator,
                                      require_org_role)

from . import account_mail as mails
from .common import get_or_404, load_actor
from .credentials import _published, _revoke_all
from .signup import _issue, _link, join_request_view
from .views import user_view

ROLE_LABELS = {"administrator": "管理员", "trader": "业务员", "drafter": "起草人"}


def member_view(u) -> dict:
    return {"id": u.id, "email": u.email, "display_name": u.display_name, "org_role": u.org_role,
            "active": bool(u.active)}


def _org_admin(uow, actor_id: int, org_id: int):
    user = load_actor(uow, actor_id)
    org = get_or_404(uow.organisations, org_id, "机构")
    require_administrator_of(user, org.id)
    return user, org


def list_members(uow, *, actor_id: int, org_id: int) -> list[dict]:
    """The organisation's members, for its own members and its home market's operators."""
    with uow:
        user = load_actor(uow, actor_id)
        org = get_or_404(uow.organisations, org_id, "机构")
        if not (user.organisation_id == org.id or user.operates(org.market_code or "")):
            raise Forbidden("只有本机构成员或所属市场的运营人员可以查看成员 (members and the market only)")
        return [member_view(m) for m in uow.users.members_of(org.id)]


def invite(uow, post, *, actor_id: int, org_id: int, email: str, now: datetime, org_role: str | None = None) -> dict:
    """An administrator invites a colleague: a single-use link, valid 7 days, mailed to them. The
    answer is the same whatever account the address has."""
    role = require_org_role(org_role)
    errors = check_signup_fields(email, "-", None)
    if errors:
        raise ValidationFailed("邀请信息有误 (invalid invitation)", errors)
    email = normalise_email(email)
    with uow:
        inviter, org = _org_admin(uow, actor_id, org_id)
        # whether the address has an account, or one in another organisation, is not said here (an
        # administrator could probe addresses): the invitee learns it on accepting
        token = _issue(uow, INVITATION, email, now, organisation_id=org.id, org_role=role, created_by_id=inviter.id)
        uow.commit()
        letter = mails.invitation_mail(post, email, org.name, inviter.display_name, ROLE_LABELS[role], token)
        answer = {"email": email, "org_role": role, "organisation_id": org.id,
                  "expires_at": now + LINK_TTL[INVITATION]}
    post.send(letter)
    return answer


def accept_invitation(uow, hasher, *, token: str, now: datetime, display_name: str | None = None,
                      password: str | None = None) -> dict:
    """The invitee follows the link. Without an account, they choose a name and a password (the
    link proves the address); with a registrant's account, its password proves it is theirs."""
    with uow:
        link = _link(uow, token, INVITATION)
        link.use(now)
        org = get_or_404(uow.organisations, link.organisation_id, "机构")
        user = uow.users.by_email(link.email)
        if user is None:
            errors = check_signup_fields(link.email, display_name or "", None)
            problem = password_problem(password or "", link.email)
            if problem:
                errors["password"] = [problem]
            if errors:
                raise ValidationFailed("信息有误 (invalid details)", errors)
            user = User(link.email, display_name.strip(), hasher.hash(password), "member",
                        organisation_id=org.id, created_at=now, org_role=link.org_role)
            uow.users.add(user)
        else:
            if not hasher.verify(user.password_hash, password or ""):
                raise ValidationFailed.on("password", "该邮箱已有账户，请输入其密码 (enter this account's password)")
            join(user, org.id, link.org_role)
            user.email_confirmed = True
        uow.commit()
        return user_view(user)


def list_join_requests(uow, *, actor_id: int, org_id: int) -> list[dict]:
    with uow:
        _org_admin(uow, actor_id, org_id)
        return [join_request_view(r, uow.users.get(r.user_id)) for r in uow.join_requests.pending(org_id)]


def decide_join_request(uow, post, *, actor_id: int, request_id: int, approve: bool, now: datetime,
                        org_role: str | None = None, reason: str | None = None) -> dict:
    role = require_org_role(org_role) if approve else None
    with uow:
        request = get_or_404(uow.join_requests, request_id, "加入申请")
        admin, org = _org_admin(uow, actor_id, request.organisation_id)
        applicant = get_or_404(uow.users, request.user_id, "用户")
        request.decide(approve, admin.id, now, reason)
        if approve:
            join(applicant, org.id, role)
        uow.commit()
        view = join_request_view(request, applicant)
        letter = mails.join_decision_mail(post, applicant.email, org.name, approve, request.reason)
    post.send(letter)
    return view


def change_role(uow, *, actor_id: int, org_id: int, user_id: int, org_role: str) -> dict:
    role = require_org_role(org_role)
    with uow:
        _org_admin(uow, actor_id, org_id)
        member = _member(uow, org_id, user_id)
        if role != "administrator":
            require_another_administrator(uow.users.members_of(org_id), member)
        member.org_role = role
        uow.commit()
        return member_view(member)


def remove_member(uow, *, actor_id: int, org_id: int, user_id: int, now: datetime, revocations=None) -> dict:
    """An administrator removes a member, or a member leaves (user_id is their own). They keep their
    account (a registrant again, free to join another organisation); their sessions end, as what
    they may do has changed."""
    with uow:
        actor = load_actor(uow, actor_id)
        if actor.id != user_id:
            require_administrator_of(actor, org_id)
        member = _member(uow, org_id, user_id)
        require_another_administrator(uow.users.members_of(org_id), member)
        member.role, member.organisation_id, member.org_role = "registrant", None, None
        _revoke_all(uow, member.id, now)
        uow.commit()
        view = member_view(member)
    _published(revocations)
    return view


def _member(uow, org_id: int, user_id: int):
    member = uow.users.get(user_id)
    if member is None or member.role != "member" or member.organisation_id != org_id:
        raise NotFound(f"成员 {user_id} 不存在 (no such member)")
    return member
