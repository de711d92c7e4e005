"""Request and response bodies of the password and session routes."""
from marshmallow import Schema, fields, validate

from .schemas import BaseSchema, UserOut


class PasswordChangeIn(BaseSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class PasswordResetOut(Schema):
    temporary_password = fields.String(metadata={"description": "一次性临时密码，只显示这一次 (shown once)"})
    user = fields.Nested(UserOut)


class SessionsEndedOut(Schema):
    revoked_tokens = fields.Integer()
