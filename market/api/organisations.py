"""Markets, organisations and users."""
from flask.views import MethodView
from flask_smorest import Blueprint

from market.domain.errors import Forbidden
from market.services import accounts, credentials

from .credentials_schemas import PasswordResetOut
from .deps import now, require_user, revocations, services, uow
from .schemas import (MarketOut, OrganisationIn, OrganisationListArgs, OrganisationOut, OrganisationPage,
                      UserIn, UserOut)

blp = Blueprint("organisations", __name__, url_prefix="/api/v1", description="市场、机构与用户 (markets, organisations, users)")


def _require_admin():
    if require_user()["role"] != "admin":
        raise Forbidden("只有区域管理员可以执行此操作 (regional admin only)")


@blp.route("/markets")
class Markets(MethodView):
    @blp.response(200, MarketOut(many=True))
    def get(self):
        """The four provincial markets."""
        with uow() as u:
            return [{"code": m.code, "name": m.name, "province": m.province} for m in u.markets.all()]


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationListArgs, location="query")
    @blp.response(200, OrganisationPage)
    def get(self, args):
        return accounts.list_organisations(uow(), kind=args.get("kind"), province=args.get("province"),
                                           page=args["page"], per_page=args["per_page"])

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, body):
        """Register an organisation (regional admin)."""
        _require_admin()
        return accounts.create_organisation(uow(), now=now(), **body)


@blp.route("/organisations/<int:org_id>")
class OrganisationItem(MethodView):
    @blp.response(200, OrganisationOut)
    def get(self, org_id):
        return accounts.get_organisation(uow(), org_id)


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    def post(self, body):
        """Create a user of any role (regional admin)."""
        _require_admin()
        return accounts.create_user(uow(), services().hasher, now=now(), **body)


@blp.route("/users/<int:user_id>/password-reset")
class UserPasswordReset(MethodView):
    @blp.response(201, PasswordResetOut)
    def post(self, user_id):
        """Force a password reset (regional admin): every session of the user ends, and a one-time
        temporary password, shown only in this answer, lets them choose a new one."""
        return credentials.reset_password(uow(), services().hasher, admin=require_user(), user_id=user_id,
                                          now=now(), revocations=revocations())
