"""Markets, organisations and users, and who may do what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import taxonomy
from .codes import normalise_credit_code
from .errors import Forbidden, ValidationFailed


MAX_NAME = 200  # organisations.name
PUBLICLY_FUNDED_KINDS = ("university", "research_institute")


class Market:
    def __init__(self, code: str, name: str, province: str):
        self.code, self.name, self.province = code, name, province


class Organisation:
    def __init__(self, name: str, kind: str, province: str, city: str | None = None,
                 credit_code: str | None = None, created_at: datetime | None = None,
                 publicly_funded: bool | None = None, market_code: str | None = None,
                 verification_status: str = "verified"):
        errors = {}
        name = (name or "").strip()
        if not name:
            errors["name"] = ["名称不能为空"]
        elif len(name) > MAX_NAME:
            errors["name"] = [f"名称不能超过{MAX_NAME}字"]
        if kind not in taxonomy.ORG_KINDS:
            errors["kind"] = [f"机构类型必须是 {', '.join(taxonomy.ORG_KINDS)} 之一"]
        canonical = taxonomy.canonical_province(province)
        if canonical is None:
            errors["province"] = [f"未知省份: {province}"]
        if credit_code:
            try:
                credit_code = normalise_credit_code(credit_code)
            except ValueError as exc:
                errors["credit_code"] = [str(exc)]
        if errors:
            raise ValidationFailed("机构信息有误 (invalid organisation)", errors)
        self.name, self.kind, self.province, self.city = name, kind, canonical, city
        self.credit_code = credit_code or None
        self.created_at = created_at
        # 财政资助单位: bound by the publicity rule on agreed prices; universities and research
        # institutes are by default, anyone may be flagged (or a self-funded institute unflagged)
        self.publicly_funded = (kind in PUBLICLY_FUNDED_KINDS) if publicly_funded is None \
            else bool(publicly_funded)
        # 实名认证 (issue 20): organisations that sign themselves up start `unverified` until an
        # operator of their home market verifies them; those the admin registers are verified
        self.market_code = market_code
        self.verification_status = verification_status
        self.verified_at: datetime | None = None
        self.verified_by_id: int | None = None
        self.rejection_reason: str | None = None

    @property
    def is_verified(self) -> bool:
        return getattr(self, "verification_status", "verified") == "verified"

    @property
    def lists_achievements(self) -> bool:
        return self.kind in ("university", "research_institute")

    @property
    def posts_demands(self) -> bool:
        return self.kind == "enterprise"


class User:
    def __init__(self, email: str, display_name: str, password_hash: str, role: str,
                 organisation_id: int | None = None, market_code: str | None = None,
                 created_at: datetime | None = None, org_role: str | None = None,
                 email_confirmed: bool = True, phone: str | None = None):
        errors = {}
        if role not in taxonomy.ROLES:
            errors["role"] = [f"角色必须是 {', '.join(taxonomy.ROLES)} 之一"]
        if role == "member" and organisation_id is None:
            errors["organisation_id"] = ["机构成员必须属于一个机构"]
        if role == "operator" and market_code not in taxonomy.MARKET_CODES:
            errors["market_code"] = ["运营人员必须属于一个市场 (SH/JS/ZJ/AH)"]
        if errors:
            raise ValidationFailed("用户信息有误 (invalid user)", errors)
        self.email = email.strip().lower()
        self.display_name = display_name
        self.password_hash = password_hash
        self.role = role
        self.organisation_id = organisation_id if role == "member" else None
        self.market_code = market_code if role == "operator" else None
        self.active = True
        self.created_at = created_at
        self.password_reset_required = False   # set by an admin's reset, cleared by a change
        # inside its organisation a member is an administrator (the first one, and whoever the
        # admin registers), a trader (submits listings, bids) or a drafter (prepares drafts only)
        self.org_role = (org_role or "administrator") if role == "member" else None
        self.email_confirmed = email_confirmed   # False from sign-up until the link is followed
        self.phone = phone

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def operates(self, market_code: str) -> bool:
        """Operators act on their own market only; the regional admin on all."""
        return self.is_admin or (self.role == "operator" and self.market_code == market_code)

    def require_operator_of(self, market_code: str | None) -> None:
        """Operators of `market_code` (or the admin) only; with no market named, any operator's
        own market is not enough either: the message names the market when there is one."""
        if market_code and self.operates(market_code):
            return
        if self.is_admin:
            return
        name = taxonomy.MARKET_NAMES.get(market_code or "")
        if name:
            raise Forbidden(f"只有{name}（{market_code}）的运营人员或管理员可以执行此操作 (operator of {market_code} only)")
        raise Forbidden("只有市场运营人员或管理员可以执行此操作 (market operators and the admin only)")


@dataclass
class ApiToken:
    """A bearer token; only its hash is stored, so a database leak leaks no token."""
    user_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class TokenOwner:
    """A bearer token and what the API needs of its user, read together (one query in production)."""
    token: ApiToken
    user_active: bool
    user: dict  # the user's view: id, email, role, organisation ...

    def valid_at(self, now: datetime) -> bool:
        return self.token.is_valid(now) and self.user_active
