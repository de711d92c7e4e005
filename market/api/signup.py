"""Accounts people open themselves (issue 20): sign up, confirm the e-mail, reset a forgotten
password, create one's organisation. Sign-up and reset requests are rate-limited per client
address and per e-mail address (one budget shared with the pages), and answer the same whether or
not the address has an account."""
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import signup
from market.services.account_mail import AccountPost

from .deps import limiter, now, require_user, revocations, services, uow
from .schemas import OrganisationOut
from .signup_schemas import (AcceptedOut, ConfirmedOut, EmailIn, OwnOrganisationIn, ResetIn, ResetOut,
                             SignUpIn, TokenIn)

blp = Blueprint("signup", __name__, url_prefix="/api/v1/accounts",
                description="注册、确认邮箱、找回密码 (sign-up, e-mail confirmation, password reset)")


def account_post() -> AccountPost:
    """The account mails' port: the app's mailer and the public address links point to."""
    return AccountPost(services().mailer, current_app.config["PUBLIC_BASE_URL"])


def _address_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_EMAIL_RATE_LIMIT"]


def email_key() -> str:
    """The e-mail address a sign-up or reset request names (JSON body or form), as the limiter's
    key: one address cannot be flooded with mails from many client addresses."""
    body = request.get_json(silent=True) if request.is_json else request.form
    email = body.get("email") if isinstance(body, dict) or hasattr(body, "get") else None
    return "email:" + (email.strip().lower() if isinstance(email, str) else "")


# one budget for the API and the pages (shared scopes), per client address and per e-mail
account_mail_limits = [
    limiter.shared_limit(_address_limit, scope="account-mail-address", methods=["POST"]),
    limiter.shared_limit(_email_limit, scope="account-mail-email", key_func=email_key, methods=["POST"]),
]


@blp.route("/signup")
class SignUp(MethodView):
    decorators = account_mail_limits

    @blp.arguments(SignUpIn)
    @blp.response(202, AcceptedOut)
    def post(self, body):
        """Register with e-mail, name, phone (optional) and a password; a confirmation link
        (single use, 48 hours) is mailed. The answer is the same for an address already registered."""
        return signup.sign_up(uow(), services().hasher, account_post(), now=now(), **body)


@blp.route("/confirm")
class Confirm(MethodView):
    @blp.arguments(TokenIn)
    @blp.response(200, ConfirmedOut)
    def post(self, body):
        """Confirm the e-mail address with the mailed link's token (410 once used or expired)."""
        return signup.confirm_email(uow(), token=body["token"], now=now())


@blp.route("/password-reset")
class PasswordResetRequest(MethodView):
    decorators = account_mail_limits

    @blp.arguments(EmailIn)
    @blp.response(202, AcceptedOut)
    def post(self, body):
        """Ask for a reset link (single use, 30 minutes); the same answer for any address."""
        return signup.request_password_reset(uow(), account_post(), email=body["email"], now=now())


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(ResetIn)
    @blp.response(200, ResetOut)
    def post(self, body):
        """Set a new password with the link's token: every token of the account is revoked."""
        return signup.reset_password(uow(), services().hasher, token=body["token"],
                                     new_password=body["new_password"], now=now(), revocations=revocations())


@blp.route("/organisation")
class OwnOrganisation(MethodView):
    @blp.arguments(OwnOrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, body):
        """Create one's organisation (a signed-up person not yet in one) and become its administrator.
        It stays `unverified` until an operator of its home market verifies it; 409 names the
        organisation that already holds the credit code (ask to join it)."""
        return signup.create_own_organisation(uow(), actor_id=require_user()["id"], data=body, now=now())
