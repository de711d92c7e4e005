"""Request and response schemas shared by the foundation's blueprints."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema, ValidationError

from market.domain import taxonomy
from market.domain.achievements import MAX_ABSTRACT, MAX_KEYWORDS, MAX_TITLE
from market.domain.demands import MAX_DESCRIPTION
from market.domain.money import MAX_AMOUNT_FEN

from .fields import LocalDateTime
from .messages import install

install()

MAX_ID = 2**31 - 1      # ids are INTEGER columns (32-bit in PostgreSQL): a larger number names nothing

MONEY_RANGE = "金额应在 0 到 10^15 分之间 (amount must be between 0 and 10^15 fen)"
Money = lambda **kw: fields.Integer(strict=True, validate=validate.Range(  # noqa: E731
    min=0, max=MAX_AMOUNT_FEN, error=MONEY_RANGE), **kw)
QueryMoney = lambda **kw: fields.Integer(validate=validate.Range(  # noqa: E731
    min=0, max=MAX_AMOUNT_FEN, error=MONEY_RANGE), **kw)
Id = lambda **kw: fields.Integer(validate=validate.Range(  # noqa: E731
    min=1, max=MAX_ID, error="编号无效 (not a valid id)"), **kw)
Choice = lambda choices, **kw: fields.String(validate=validate.OneOf(  # noqa: E731
    choices, error="必须是以下之一: {choices} (must be one of: {choices})"), **kw)


class BaseSchema(Schema):
    pass


class ErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict()


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000, error="页码应在 1 到 10000 之间 (page must be between 1 and 10000)"))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100, error="每页条数应在 1 到 100 之间 (per_page must be between 1 and 100)"))


class ListingArgs(PageArgs):
    market = Choice(taxonomy.MARKET_CODES)
    field = Choice(taxonomy.FIELDS)
    province = Choice(taxonomy.PROVINCES)
    price_min = QueryMoney(metadata={"description": "fen"})
    price_max = QueryMoney(metadata={"description": "fen"})
    sort = Choice(("newest", "oldest", "price", "price_desc"), load_default="newest")

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("price_min") is not None and data.get("price_max") is not None \
                and data["price_min"] > data["price_max"]:
            raise ValidationError("价格下限不能高于上限", "price_min")


class AchievementListArgs(ListingArgs):
    ip_type = Choice(taxonomy.IP_TYPES)
    mode = Choice(taxonomy.TRANSFER_MODES)


class DemandListArgs(ListingArgs):
    mode = Choice(taxonomy.COOPERATION_MODES)
    include_expired = fields.Boolean(load_default=False)
    sort = Choice(("newest", "oldest", "price", "price_desc", "deadline"), load_default="newest")


class OwnListArgs(PageArgs):
    status = fields.String(validate=validate.Length(max=20))
    sort = Choice(("newest", "oldest", "price", "price_desc"), load_default="newest")


def page_schema(item_schema, name: str):
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(), "page": fields.Integer(), "per_page": fields.Integer(),
    })


# --- accounts ------------------------------------------------------------------
class OrganisationIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200, error="长度应为 1 到 200 (length must be 1 to 200)"))
    kind = Choice(taxonomy.ORG_KINDS, required=True)
    province = fields.String(required=True, validate=validate.Length(max=20))
    city = fields.String(validate=validate.Length(max=64), allow_none=True)
    credit_code = fields.String(validate=validate.Length(max=32), allow_none=True)
    publicly_funded = fields.Boolean(allow_none=True, metadata={
        "description": "财政资助单位 (bound by the 公示 rule); default: universities and research institutes"})


class OrganisationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    province = fields.String()
    city = fields.String(allow_none=True)
    credit_code = fields.String(allow_none=True)
    created_at = LocalDateTime()
    publicly_funded = fields.Boolean()
    market_code = fields.String(allow_none=True, metadata={"description": "home market (verifies it)"})
    verification_status = fields.String(metadata={"description": "unverified / verified / rejected"})
    verified_at = LocalDateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)


class OrganisationListArgs(PageArgs):
    kind = Choice(taxonomy.ORG_KINDS)
    province = Choice(taxonomy.PROVINCES)


class UserIn(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))  # policy: domain.credentials
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = Choice(taxonomy.ROLES, required=True)
    organisation_id = Id(allow_none=True)
    market_code = Choice(taxonomy.MARKET_CODES, allow_none=True)


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    organisation_kind = fields.String(allow_none=True)
    market_code = fields.String(allow_none=True)
    password_reset_required = fields.Boolean()
    org_role = fields.String(allow_none=True, metadata={"description": "administrator / trader / drafter"})
    organisation_status = fields.String(allow_none=True, metadata={"description": "its verification status"})


class LoginIn(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_at = LocalDateTime()
    user = fields.Nested(UserOut)


class MarketOut(Schema):
    code = fields.String()
    name = fields.String()
    province = fields.String()


# --- listings ------------------------------------------------------------------
class HistoryOut(Schema):
    at = LocalDateTime()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class ListingIn(BaseSchema):
    market_code = Choice(taxonomy.MARKET_CODES, required=True)
    external_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    price_fen = Money(load_default=None, allow_none=True)


class ListingOut(Schema):
    market_code = fields.String()
    external_id = fields.String(allow_none=True)
    price_fen = fields.Integer(allow_none=True)
    negotiable = fields.Boolean()
    listed_on = fields.Date(allow_none=True)
    status = fields.String()


class HolderOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    province = fields.String()


class PartialSchema:
    """Mixin for PATCH bodies: every field of the schema it precedes becomes optional."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class AchievementIn(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE, error=f"标题长度应为 1 到 {MAX_TITLE}"))
    abstract = fields.String(load_default="", validate=validate.Length(max=MAX_ABSTRACT, error=f"简介不能超过 {MAX_ABSTRACT} 字"))
    keywords = fields.List(fields.String(validate=validate.Length(max=50)), validate=validate.Length(max=MAX_KEYWORDS))
    ip_type = Choice(taxonomy.IP_TYPES, required=True)
    application_numbers = fields.List(fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=50))
    field = Choice(taxonomy.FIELDS, required=True)
    maturity = Choice(taxonomy.MATURITIES, allow_none=True)
    transfer_modes = fields.List(Choice(taxonomy.TRANSFER_MODES), validate=validate.Length(max=5))
    price_fen = Money(allow_none=True, metadata={"description": "asking price in fen; null = 面议 (negotiable)"})
    market_code = Choice(taxonomy.MARKET_CODES, allow_none=True)
    city = fields.String(validate=validate.Length(max=64), allow_none=True)


class AchievementPatch(PartialSchema, AchievementIn):
    """Any subset of the fields (PATCH)."""


class SaleOut(Schema):
    """The published result of an auction sale; an unsold lot's reserve is never shown."""
    lot_id = fields.Integer()
    hammer_price_fen = fields.Integer(metadata={"description": "成交价 (fen)"})
    winner_name = fields.String(allow_none=True, metadata={"description": "买受人 (the winner's organisation)"})
    sold_at = LocalDateTime(allow_none=True)
    sold_on = fields.Date(allow_none=True)


class AchievementOut(Schema):
    id = fields.Integer()
    title = fields.String()
    abstract = fields.String()
    keywords = fields.List(fields.String())
    ip_type = fields.String()
    application_numbers = fields.List(fields.String())
    holder = fields.Nested(HolderOut)
    field = fields.String()
    maturity = fields.String(allow_none=True)
    transfer_modes = fields.List(fields.String())
    price_fen = fields.Integer(allow_none=True)
    negotiable = fields.Boolean()
    market_code = fields.String()
    markets = fields.List(fields.String())
    listings = fields.List(fields.Nested(ListingOut))
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True, metadata={"description": "prefecture-level city, e.g. 苏州"})
    district = fields.String(allow_none=True, metadata={"description": "district, county or development zone"})
    status = fields.String()
    rejection_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    published_at = LocalDateTime(allow_none=True)
    history = fields.List(fields.Nested(HistoryOut))
    sale = fields.Nested(SaleOut, allow_none=True, metadata={
        "description": "成交公示 of a sold achievement (status `sold`): readable by everyone"})


class ReasonIn(BaseSchema):
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class ReviewIn(BaseSchema):
    decision = Choice(("approve", "reject"), required=True)
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class EnterpriseOut(Schema):
    id = fields.Integer()
    name = fields.String()
    province = fields.String()


class DemandIn(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE, error=f"标题长度应为 1 到 {MAX_TITLE}"))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION, error=f"描述不能超过 {MAX_DESCRIPTION} 字"))
    field = Choice(taxonomy.FIELDS, allow_none=True)
    budget_min_fen = Money(allow_none=True)
    budget_max_fen = Money(allow_none=True)
    deadline = fields.Date(allow_none=True)
    cooperation_mode = Choice(taxonomy.COOPERATION_MODES, allow_none=True)
    market_code = Choice(taxonomy.MARKET_CODES, allow_none=True)
    city = fields.String(validate=validate.Length(max=64), allow_none=True)


class DemandPatch(PartialSchema, DemandIn):
    """Any subset of the fields (PATCH)."""


class DemandOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    enterprise = fields.Nested(EnterpriseOut)
    field = fields.String(allow_none=True)
    budget_min_fen = fields.Integer(allow_none=True)
    budget_max_fen = fields.Integer(allow_none=True)
    deadline = fields.Date(allow_none=True)
    cooperation_mode = fields.String(allow_none=True)
    market_code = fields.String()
    external_id = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True, metadata={"description": "prefecture-level city, e.g. 苏州"})
    district = fields.String(allow_none=True, metadata={"description": "district, county or development zone"})
    status = fields.String()
    rejection_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    published_at = LocalDateTime(allow_none=True)
    history = fields.List(fields.Nested(HistoryOut))


AchievementPage = page_schema(AchievementOut, "AchievementPage")
DemandPage = page_schema(DemandOut, "DemandPage")
OrganisationPage = page_schema(OrganisationOut, "OrganisationPage")
