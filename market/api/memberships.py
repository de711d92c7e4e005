"""An organisation's members, join requests and invitations, and its verification by its home
market's operators (issue 20)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import memberships, signup, verification

from .deps import now, require_user, revocations, services, uow
from .schemas import OrganisationOut
from .signup import account_post
from .signup_schemas import (AcceptInvitationIn, ApproveIn, InvitationIn, InvitationOut, JoinIn, JoinRequestOut,
                             MemberOut, QueueArgs, JoinRefusalIn, VerificationRejectIn, RoleIn)
from .schemas import UserOut

blp = Blueprint("memberships", __name__, url_prefix="/api/v1",
                description="机构成员、加入申请、邀请与机构认证 (members, join requests, invitations, verification)")


def _me() -> int:
    return require_user()["id"]


@blp.route("/organisations/<int:org_id>/join-requests")
class JoinRequests(MethodView):
    @blp.response(200, JoinRequestOut(many=True))
    def get(self, org_id):
        """Pending requests to join (the organisation's administrators)."""
        return memberships.list_join_requests(uow(), actor_id=_me(), org_id=org_id)

    @blp.arguments(JoinIn)
    @blp.response(201, JoinRequestOut)
    def post(self, body, org_id):
        """Ask to join (a signed-up person not yet in an organisation); its administrators are mailed."""
        return signup.request_to_join(uow(), account_post(), actor_id=_me(), org_id=org_id, now=now(),
                                      message=body.get("message"))


@blp.route("/join-requests/<int:request_id>/approve")
class ApproveJoin(MethodView):
    @blp.arguments(ApproveIn)
    @blp.response(200, JoinRequestOut)
    def post(self, body, request_id):
        """Approve, with the role the newcomer gets (trader by default)."""
        return memberships.decide_join_request(uow(), account_post(), actor_id=_me(), request_id=request_id,
                                               approve=True, now=now(), org_role=body["org_role"])


@blp.route("/join-requests/<int:request_id>/refuse")
class RefuseJoin(MethodView):
    @blp.arguments(JoinRefusalIn)
    @blp.response(200, JoinRequestOut)
    def post(self, body, request_id):
        return memberships.decide_join_request(uow(), account_post(), actor_id=_me(), request_id=request_id,
                                               approve=False, now=now(), reason=body.get("reason"))


@blp.route("/organisations/<int:org_id>/members")
class Members(MethodView):
    @blp.response(200, MemberOut(many=True))
    def get(self, org_id):
        """The members and their roles (the organisation's members, its market's operators)."""
        return memberships.list_members(uow(), actor_id=_me(), org_id=org_id)


@blp.route("/organisations/<int:org_id>/members/<int:user_id>")
class Member(MethodView):
    @blp.arguments(RoleIn)
    @blp.response(200, MemberOut)
    def patch(self, body, org_id, user_id):
        """Change a member's role (administrators; the last administrator cannot step down)."""
        return memberships.change_role(uow(), actor_id=_me(), org_id=org_id, user_id=user_id,
                                       org_role=body["org_role"])

    @blp.response(200, MemberOut)
    def delete(self, org_id, user_id):
        """Remove a member (administrators), or leave (one's own id). The last administrator cannot."""
        return memberships.remove_member(uow(), actor_id=_me(), org_id=org_id, user_id=user_id, now=now(),
                                         revocations=revocations())


@blp.route("/organisations/<int:org_id>/invitations")
class Invitations(MethodView):
    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationOut)
    def post(self, body, org_id):
        """Invite a colleague by e-mail (administrators): a single-use link valid 7 days."""
        return memberships.invite(uow(), account_post(), actor_id=_me(), org_id=org_id, email=body["email"],
                                  now=now(), org_role=body["org_role"])


@blp.route("/invitations/accept")
class AcceptInvitation(MethodView):
    @blp.arguments(AcceptInvitationIn)
    @blp.response(201, UserOut)
    def post(self, body):
        """Accept an invitation with its token (a new account, or a signed-up person's own)."""
        return memberships.accept_invitation(uow(), services().hasher, token=body["token"], now=now(),
                                             display_name=body.get("display_name"), password=body.get("password"))


@blp.route("/organisations/verification-queue")
class VerificationQueue(MethodView):
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, OrganisationOut(many=True))
    def get(self, args):
        """Organisations awaiting verification (an operator's own market; the admin's choice)."""
        return verification.verification_queue(uow(), actor_id=_me(), market_code=args.get("market"))


@blp.route("/organisations/<int:org_id>/verify")
class Verify(MethodView):
    @blp.response(200, OrganisationOut)
    def post(self, org_id):
        """Verify (an operator of its home market, or the admin); its members are mailed."""
        return verification.decide(uow(), account_post(), actor_id=_me(), org_id=org_id, verified=True, now=now())


@blp.route("/organisations/<int:org_id>/reject")
class Reject(MethodView):
    @blp.arguments(VerificationRejectIn)
    @blp.response(200, OrganisationOut)
    def post(self, body, org_id):
        """Reject with a reason (told to its members)."""
        return verification.decide(uow(), account_post(), actor_id=_me(), org_id=org_id, verified=False,
                                   now=now(), reason=body["reason"])
