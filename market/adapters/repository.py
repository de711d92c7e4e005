"""Repositories: collection-like access to aggregates, queries kept here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from market.domain.accounts import ApiToken, Market, Organisation, User
from market.domain.achievements import Achievement, AchievementListing
from market.domain.demands import Demand
from market.domain.listings import ListingFilter  # noqa: F401  (its home is the domain; imported from here too)

from . import orm

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list
    total: int
    page: int
    per_page: int


class Repository:
    model: type

    def __init__(self, session: Session):
        self.session = session

    def add(self, obj) -> None:
        self.session.add(obj)

    def get(self, ident):
        return self.session.get(self.model, ident)

    def get_for_update(self, ident):
        """Row-locked read (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
        BEGIN IMMEDIATE already serialises writers)."""
        return self.session.get(self.model, ident, with_for_update=True)


class MarketRepository(Repository):
    model = Market

    def all(self) -> list[Market]:
        return list(self.session.scalars(select(Market).order_by(orm.markets.c.code)))


class OrganisationRepository(Repository):
    model = Organisation

    def by_name(self, name: str, province: str | None = None) -> Organisation | None:
        stmt = select(Organisation).where(orm.organisations.c.name == name)
        if province:
            stmt = stmt.where(orm.organisations.c.province == province)
        return self.session.scalars(stmt.order_by(orm.organisations.c.id)).first()

    def by_credit_code(self, code: str) -> Organisation | None:
        return self.session.scalars(select(Organisation).where(orm.organisations.c.credit_code == code)).first()

    def add_claiming_credit_code(self, org: Organisation) -> Organisation | None:
        """Add `org` and flush it at once (in a savepoint); when the credit code's unique
        constraint refuses it (another sign-up committed the same code first, even while we
        checked), the organisation that holds the code, and `org` is not added."""
        try:
            with self.session.begin_nested():
                self.session.add(org)
                self.session.flush()
        except IntegrityError:
            return self.by_credit_code(org.credit_code)
        return None

    def awaiting_verification(self, market_code: str | None) -> list[Organisation]:
        """Unverified organisations of one home market (all markets: None), oldest first."""
        t = orm.organisations.c
        stmt = select(Organisation).where(t.verification_status == "unverified")
        if market_code:
            stmt = stmt.where(t.market_code == market_code)
        return list(self.session.scalars(stmt.order_by(t.created_at, t.id)))

    def list(self, kind: str | None = None, province: str | None = None, page=1, per_page=50) -> Page:
        stmt = select(Organisation)
        if kind:
            stmt = stmt.where(orm.organisations.c.kind == kind)
        if province:
            stmt = stmt.where(orm.organisations.c.province == province)
        return _paginate(self.session, stmt.order_by(orm.organisations.c.id), page, per_page)


class UserRepository(Repository):
    model = User

    def by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(orm.users.c.email == email.strip().lower())).first()

    def members_of(self, org_id: int) -> list[User]:
        t = orm.users.c
        return list(self.session.scalars(select(User).where(t.organisation_id == org_id, t.role == "member")
                                         .order_by(t.id)))


class TokenRepository(Repository):
    model = ApiToken

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(orm.api_tokens.c.token_hash == token_hash)).first()

    def live_for_user(self, user_id: int) -> list[ApiToken]:
        """The user's tokens not yet revoked (expired ones included: revoking them is harmless)."""
        t = orm.api_tokens.c
        return list(self.session.scalars(select(ApiToken).where(t.user_id == user_id, t.revoked_at.is_(None))))


class AchievementRepository(Repository):
    model = Achievement

    def get_for_update(self, ident):
        """The achievement's row lock, taken by whatever takes it out of the market (a lot, an
        agreement) so that two of them queue and the second sees the first's status. Only its
        own row (FOR UPDATE OF): its holder is joined, and PostgreSQL cannot lock the nullable
        side of an outer join. Refreshed, in case the session held an older state."""
        return self.session.get(Achievement, ident, with_for_update={"of": orm.achievements},
                                populate_existing=True)

    def listing_by_external_id(self, market_code: str, external_id: str) -> AchievementListing | None:
        t = orm.achievement_listings.c
        return self.session.scalars(select(AchievementListing).where(
            t.market_code == market_code, t.external_id == external_id)).first()

    def carrying_application_numbers(self, numbers) -> list[Achievement]:
        """Achievements (any status) whose application numbers include any of `numbers`
        (normalised, e.g. `202310123456.7`); JSON list membership, portable like `mode` below."""
        if not numbers:
            return []
        t = orm.achievements.c
        stored = cast(t.application_numbers, Text)
        return list(self.session.scalars(select(Achievement).where(
            or_(*(stored.like(f'%"{_json_text(n)}"%') for n in numbers)))))

    def list(self, f: ListingFilter) -> Page:
        t = orm.achievements.c
        stmt = select(Achievement)
        if f.statuses:
            stmt = stmt.where(t.status.in_(f.statuses))
        if f.owner_org_id is not None:
            stmt = stmt.where(t.holder_id == f.owner_org_id)
        if f.market:
            listed = select(orm.achievement_listings.c.achievement_id).where(
                orm.achievement_listings.c.market_code == f.market)
            stmt = stmt.where(or_(t.market_code == f.market, t.id.in_(listed)))
        if f.field:
            stmt = stmt.where(t.field == f.field)
        if f.ip_type:
            stmt = stmt.where(t.ip_type == f.ip_type)
        if f.province:
            stmt = stmt.where(t.province == f.province)
        if f.mode:
            # JSON list membership, portable across SQLite and PostgreSQL
            stmt = stmt.where(cast(t.transfer_modes, Text).like(f'%"{_json_text(f.mode)}"%'))
        if f.price_min is not None:
            stmt = stmt.where(t.price_fen >= f.price_min)
        if f.price_max is not None:
            stmt = stmt.where(t.price_fen <= f.price_max)
        order = {
            "newest": (t.published_at.desc().nulls_last(), t.id.desc()),
            "oldest": (t.published_at.asc().nulls_last(), t.id.asc()),
            "price": (t.price_fen.asc().nulls_last(), t.id.asc()),
            "price_desc": (t.price_fen.desc().nulls_last(), t.id.desc()),
        }[f.sort]
        return _paginate(self.session, stmt.order_by(*order), f.page, f.per_page)


class DemandRepository(Repository):
    model = Demand

    def by_external_id(self, market_code: str, external_id: str) -> Demand | None:
        t = orm.demands.c
        return self.session.scalars(select(Demand).where(
            t.market_code == market_code, t.external_id == external_id)).first()

    def list(self, f: ListingFilter) -> Page:
        t = orm.demands.c
        stmt = select(Demand)
        if f.statuses:
            stmt = stmt.where(t.status.in_(f.statuses))
        if f.owner_org_id is not None:
            stmt = stmt.where(t.enterprise_id == f.owner_org_id)
        if f.market:
            stmt = stmt.where(t.market_code == f.market)
        if f.field:
            stmt = stmt.where(t.field == f.field)
        if f.mode:
            stmt = stmt.where(t.cooperation_mode == f.mode)
        if f.province:
            stmt = stmt.where(t.province == f.province)
        if f.price_min is not None:
            stmt = stmt.where(t.budget_max_fen >= f.price_min)
        if f.price_max is not None:
            stmt = stmt.where(t.budget_min_fen <= f.price_max)
        if f.extra.get("open_on"):
            stmt = stmt.where(or_(t.deadline.is_(None), t.deadline >= f.extra["open_on"]))
        order = {
            "newest": (t.published_at.desc().nulls_last(), t.id.desc()),
            "oldest": (t.published_at.asc().nulls_last(), t.id.asc()),
            "price": (t.budget_max_fen.asc().nulls_last(), t.id.asc()),
            "price_desc": (t.budget_max_fen.desc().nulls_last(), t.id.desc()),
            "deadline": (t.deadline.asc().nulls_last(), t.id.asc()),
        }[f.sort]
        return _paginate(self.session, stmt.order_by(*order), f.page, f.per_page)


def _json_text(value: str) -> str:
    """How a string appears inside our JSON columns: the engine writes JSON
    with ensure_ascii=False (see db.make_engine), so Chinese stays as is."""
    return value.replace('"', "").replace("%", "").replace("_", "")


def _paginate(session: Session, stmt, page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, total=total or 0, page=page, per_page=per_page)
