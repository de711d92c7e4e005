"""Log in, log out (here or everywhere), change the password, who am I."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import accounts, credentials

from .credentials_schemas import PasswordChangeIn, SessionsEndedOut
from .deps import account_throttle, bearer_token, limiter, now, require_user, revocations, services, uow
from .schemas import LoginIn, TokenOut, UserOut

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与令牌 (login and tokens)")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(_login_limit, methods=["POST"])]

    @blp.arguments(LoginIn)
    @blp.response(201, TokenOut)
    def post(self, body):
        """Log in; returns a bearer token (rate-limited per client address and per account)."""
        return accounts.login(uow(), services().hasher, email=body["email"], password=body["password"],
                              now=now(), ttl_hours=current_app.config["TOKEN_TTL_HOURS"],
                              throttle=account_throttle())


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """Revoke the token used for this request (at once, on every worker)."""
        require_user()
        accounts.revoke_token(uow(), bearer_token(), now(), revocations=revocations())


@blp.route("/logout-everywhere")
class LogoutEverywhere(MethodView):
    @blp.response(200, SessionsEndedOut)
    def post(self):
        """Revoke every token of the current user, this one included."""
        user = require_user()
        count = credentials.log_out_everywhere(uow(), user["id"], now(), revocations=revocations())
        return {"revoked_tokens": count}


@blp.route("/password")
class Password(MethodView):
    decorators = [limiter.limit(_login_limit, methods=["POST"])]

    @blp.arguments(PasswordChangeIn)
    @blp.response(200, TokenOut)
    def post(self, body):
        """Change the password (at least 12 characters, not a common one, not the e-mail). Every
        session ends; the answer carries a new token."""
        user = require_user()
        return credentials.change_password(
            uow(), services().hasher, user_id=user["id"], current_password=body["current_password"],
            new_password=body["new_password"], now=now(), ttl_hours=current_app.config["TOKEN_TTL_HOURS"],
            revocations=revocations(), throttle=account_throttle())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        return require_user()
