"""Login, logout and who am I."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import accounts

from .deps import bearer_token, limiter, now, require_user, services, uow
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
        """Log in; returns a bearer token (rate-limited per client address)."""
        return accounts.login(uow(), services().hasher, email=body["email"], password=body["password"],
                              now=now(), ttl_hours=current_app.config["TOKEN_TTL_HOURS"])


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """Revoke the token used for this request."""
        require_user()
        accounts.revoke_token(uow(), bearer_token(), now())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        return require_user()
