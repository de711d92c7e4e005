"""Joining the platform (issue 20): e-mailed links, join requests, an organisation's verification
and its members' roles. Plain rules; the time is always an argument.

Why links are stored hashed: whoever reads the table (a backup, a leak) must not be able to
confirm an address, reset a password or join an organisation with what they read."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from . import taxonomy
from .errors import Conflict, DomainError, Forbidden, ValidationFailed

CONFIRM_EMAIL, RESET_PASSWORD, INVITATION = "confirm_email", "reset_password", "invitation"
LINK_TTL = {
    CONFIRM_EMAIL: timedelta(hours=48),
    RESET_PASSWORD: timedelta(minutes=30),
    INVITATION: timedelta(days=7),
}
MAX_REASON = 500
_PHONE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LinkGone(DomainError):
    """A link followed a second time, or after it expired: 410, and the page says which."""
    status = 410
    default_message = "链接已失效 (this link is no longer valid)"


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link_token() -> str:
    """256 random bits, URL-safe: unguessable, and only its sha256 is kept."""
    return secrets.token_urlsafe(32)


class AccountLink:
    """A single-use, expiring link e-mailed to `email`: confirm the address, reset the password,
    or join `organisation_id` as `org_role` (an invitation)."""

    def __init__(self, purpose: str, token: str, email: str, now: datetime, *, user_id: int | None = None,
                 organisation_id: int | None = None, org_role: str | None = None,
                 created_by_id: int | None = None):
        if purpose not in LINK_TTL:
            raise ValueError(f"unknown link purpose {purpose!r}")
        self.purpose, self.email = purpose, normalise_email(email)
        self.token_hash = hash_link_token(token)
        self.user_id, self.organisation_id, self.org_role = user_id, organisation_id, org_role
        self.created_by_id = created_by_id
        self.created_at, self.expires_at = now, now + LINK_TTL[purpose]
        self.used_at: datetime | None = None

    def use(self, now: datetime) -> None:
        """Spend the link; a second use or a late one is refused with a clear reason."""
        if self.used_at is not None:
            raise LinkGone("链接已使用过，不能再次使用 (this link was already used)", {"token": ["used"]})
        if now >= self.expires_at:
            raise LinkGone("链接已过期，请重新申请 (this link has expired: ask for a new one)",
                           {"token": ["expired"]})
        self.used_at = now


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def check_signup_fields(email: str, display_name: str, phone: str | None) -> dict:
    """Field-level messages for the person's details (the password has its own policy)."""
    errors = {}
    if not _EMAIL.match(normalise_email(email)) or len(email) > 254:
        errors["email"] = ["邮箱格式不正确 (not a valid e-mail address)"]
    if not (display_name or "").strip() or len(display_name) > 100:
        errors["display_name"] = ["姓名应为 1 到 100 字 (1 to 100 characters)"]
    if phone and not _PHONE.match(phone.strip()):
        errors["phone"] = ["电话格式不正确，例如 13800138000 或 021-12345678 (not a valid phone number)"]
    return errors


# --------------------------------------------------------------------------- verification

UNVERIFIED, VERIFIED, REJECTED = "unverified", "verified", "rejected"


def verify(org, operator, now: datetime) -> None:
    """An operator of the organisation's home market (or the admin) verifies it."""
    operator.require_operator_of(org.market_code)
    if org.verification_status == VERIFIED:
        raise Conflict("该机构已通过认证 (already verified)")
    org.verification_status, org.verified_at, org.verified_by_id = VERIFIED, now, operator.id
    org.rejection_reason = None


def reject(org, operator, now: datetime, reason: str) -> None:
    """Rejected with a reason the members are told; they may correct it and be reviewed again."""
    operator.require_operator_of(org.market_code)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed.on("reason", f"请填写驳回理由（不超过{MAX_REASON}字） (a reason is required)")
    if org.verification_status == VERIFIED:
        raise Conflict("该机构已通过认证 (already verified)")
    org.verification_status, org.verified_at, org.verified_by_id = REJECTED, now, operator.id
    org.rejection_reason = reason


# what each role inside an organisation may do beyond preparing drafts
TRADING_ROLES = ("administrator", "trader")
ACTIONS = {   # action: (Chinese, English) for the refusal
    "submit_listing": ("提交成果挂牌", "submit a listing"),
    "submit_demand": ("公开发布需求", "post a demand publicly"),
    "register_for_lot": ("报名竞买", "register for a lot"),
    "make_offer": ("报价或提出意向", "make an offer"),
}


def require_may_trade(user, action: str) -> None:
    """The gate on what reaches the market: an organisation's member acts for it only once the
    organisation is verified, and only with a role that trades (drafters prepare drafts).
    Operators and the admin are not members: their own rules apply elsewhere."""
    if getattr(user, "role", None) != "member":
        return
    zh, en = ACTIONS[action]
    org = user.organisation
    if org is not None and not org.is_verified:
        raise Forbidden(f"机构尚未通过市场认证，暂不能{zh}，可先保存草稿 "
                        f"(your organisation is not verified yet: you cannot {en}; drafts are fine)",
                        {"organisation": [org.verification_status]})
    if getattr(user, "org_role", None) not in TRADING_ROLES:
        raise Forbidden(f"您在机构中的角色（起草人）不能{zh} (your role in the organisation, drafter, cannot {en})",
                        {"org_role": [str(user.org_role)]})


# --------------------------------------------------------------------------- members

def require_org_role(value: str | None, field: str = "org_role") -> str:
    value = value or "trader"
    if value not in taxonomy.ORG_ROLES:
        raise ValidationFailed.on(field, f"角色必须是 {', '.join(taxonomy.ORG_ROLES)} 之一")
    return value


def require_administrator_of(user, org_id: int) -> None:
    if not (user.role == "member" and user.organisation_id == org_id and user.org_role == "administrator"):
        raise Forbidden("只有本机构的管理员可以执行此操作 (your organisation's administrators only)")


def require_another_administrator(members: list, leaving) -> None:
    """An organisation always keeps an administrator: the last one cannot leave, be removed or
    step down (they first make a colleague administrator)."""
    others = [m for m in members if m.id != leaving.id and m.active and m.org_role == "administrator"]
    if leaving.org_role == "administrator" and not others:
        raise Conflict("机构的最后一位管理员不能离开或卸任，请先指定另一位管理员 "
                       "(the last administrator cannot leave: make a colleague administrator first)",
                       {"org_role": ["last administrator"]})


class JoinRequest:
    """A registrant asks to join an organisation; one of its administrators decides."""

    def __init__(self, organisation_id: int, user_id: int, now: datetime, message: str | None = None):
        self.organisation_id, self.user_id, self.created_at = organisation_id, user_id, now
        self.message = (message or "").strip()[:MAX_REASON] or None
        self.status = "pending"
        self.decided_at: datetime | None = None
        self.decided_by_id: int | None = None
        self.reason: str | None = None

    def decide(self, approve: bool, by_id: int, now: datetime, reason: str | None = None) -> None:
        if self.status != "pending":
            raise Conflict(f"该申请已处理（{self.status}） (this request was already decided)")
        self.status = "approved" if approve else "refused"
        self.decided_at, self.decided_by_id = now, by_id
        self.reason = (reason or "").strip()[:MAX_REASON] or None


def join(user, org_id: int, org_role: str) -> None:
    """A registrant becomes a member of the organisation (its role decides what it may do)."""
    if user.role != "registrant":
        raise Conflict("该账户已属于一个机构或不是普通注册用户 (this account already belongs to an "
                       "organisation)", {"email": ["already a member"]})
    user.role, user.organisation_id, user.org_role = "member", org_id, org_role
