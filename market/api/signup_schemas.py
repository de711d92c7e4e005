"""Request and response bodies of sign-up, organisation membership and verification (issue 20).

Lengths are bounded here; the rules (credit code check character, phone, e-mail, password policy)
are the domain's, which answer with field-level messages in the one error shape."""
from marshmallow import Schema, fields, validate

from market.domain import taxonomy

from .fields import LocalDateTime
from .schemas import BaseSchema, Choice

Text = lambda n, **kw: fields.String(validate=validate.Length(max=n), **kw)  # noqa: E731


class SignUpIn(BaseSchema):
    email = Text(254, required=True)
    display_name = Text(100, required=True)
    password = Text(256, required=True, load_only=True)
    phone = Text(32, allow_none=True)


class EmailIn(BaseSchema):
    email = Text(254, required=True)


class TokenIn(BaseSchema):
    token = Text(128, required=True)


class ResetIn(TokenIn):
    new_password = Text(256, required=True, load_only=True)


class AcceptInvitationIn(TokenIn):
    display_name = Text(100, allow_none=True, metadata={"description": "for a new account"})
    password = Text(256, allow_none=True, load_only=True,
                    metadata={"description": "a new account's password, or the existing account's"})


class AcceptedOut(Schema):
    message = fields.String()


class ConfirmedOut(Schema):
    email = fields.String()
    email_confirmed = fields.Boolean()


class ResetOut(Schema):
    email = fields.String()
    revoked_tokens = fields.Integer()


class OwnOrganisationIn(BaseSchema):
    name = Text(200, required=True)
    kind = Choice(taxonomy.SIGNUP_ORG_KINDS, required=True)
    credit_code = Text(32, required=True, metadata={"description": "统一社会信用代码 (GB 32100-2015)"})
    province = Text(20, required=True)
    city = Text(64, required=True)
    market_code = Choice(taxonomy.MARKET_CODES, required=True, metadata={"description": "home market"})


class JoinIn(BaseSchema):
    message = Text(500, allow_none=True)


class JoinRequestOut(Schema):
    id = fields.Integer()
    organisation_id = fields.Integer()
    user_id = fields.Integer()
    applicant_name = fields.String(allow_none=True)
    applicant_email = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    status = fields.String()
    created_at = LocalDateTime()
    decided_at = LocalDateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class ApproveIn(BaseSchema):
    org_role = Choice(taxonomy.ORG_ROLES, load_default="trader")


class JoinRefusalIn(BaseSchema):
    reason = Text(500, allow_none=True)


class VerificationRejectIn(BaseSchema):
    reason = Text(500, required=True)


class InvitationIn(BaseSchema):
    email = Text(254, required=True)
    org_role = Choice(taxonomy.ORG_ROLES, load_default="trader")


class InvitationOut(Schema):
    email = fields.String()
    org_role = fields.String()
    organisation_id = fields.Integer()
    expires_at = LocalDateTime()


class MemberOut(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    org_role = fields.String()
    active = fields.Boolean()


class RoleIn(BaseSchema):
    org_role = Choice(taxonomy.ORG_ROLES, required=True)


class QueueArgs(BaseSchema):
    market = Choice(taxonomy.MARKET_CODES)
