"""Technical demands (技术需求): public list, enterprises' drafts, operators' review."""
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import demands as svc

from .deps import current_user_id, now, require_user, uow
from .listing_args import to_filter
from .schemas import DemandIn, DemandListArgs, DemandOut, DemandPage, DemandPatch, HistoryOut, OwnListArgs, ReasonIn, ReviewIn

blp = Blueprint("demands", __name__, url_prefix="/api/v1/demands", description="技术需求 (technical demands)")


@blp.route("")
class Demands(MethodView):
    @blp.arguments(DemandListArgs, location="query")
    @blp.response(200, DemandPage)
    def get(self, args):
        """Open demands (public); expired ones only with include_expired=true."""
        return svc.list_public_demands(uow(), to_filter(args), now(), include_expired=args["include_expired"])

    @blp.arguments(DemandIn)
    @blp.response(201, DemandOut)
    def post(self, body):
        """An enterprise member posts a demand (as a draft)."""
        return svc.create_demand(uow(), actor_id=require_user()["id"], data=body, now=now())


@blp.route("/mine")
class MyDemands(MethodView):
    @blp.arguments(OwnListArgs, location="query")
    @blp.response(200, DemandPage)
    def get(self, args):
        return svc.list_own_demands(uow(), actor_id=require_user()["id"], f=to_filter(args), now=now(),
                                    status=args.get("status"))


@blp.route("/review-queue")
class DemandReviewQueue(MethodView):
    @blp.arguments(DemandListArgs, location="query")
    @blp.response(200, DemandPage)
    def get(self, args):
        return svc.demand_review_queue(uow(), actor_id=require_user()["id"], f=to_filter(args), now=now())


@blp.route("/<int:demand_id>")
class DemandItem(MethodView):
    @blp.response(200, DemandOut)
    def get(self, demand_id):
        return svc.get_demand(uow(), demand_id, viewer_id=current_user_id(), now=now())

    @blp.arguments(DemandPatch)
    @blp.response(200, DemandOut)
    def patch(self, body, demand_id):
        return svc.update_demand(uow(), actor_id=require_user()["id"], demand_id=demand_id, changes=body, now=now())


@blp.route("/<int:demand_id>/history")
class DemandHistoryView(MethodView):
    @blp.response(200, HistoryOut(many=True))
    def get(self, demand_id):
        return svc.get_demand(uow(), demand_id, viewer_id=current_user_id(), now=now()).get("history", [])


@blp.route("/<int:demand_id>/submit")
class DemandSubmit(MethodView):
    @blp.response(200, DemandOut)
    def post(self, demand_id):
        return svc.submit_demand(uow(), actor_id=require_user()["id"], demand_id=demand_id, now=now())


@blp.route("/<int:demand_id>/review")
class DemandReview(MethodView):
    @blp.arguments(ReviewIn)
    @blp.response(200, DemandOut)
    def post(self, body, demand_id):
        return svc.review_demand(uow(), actor_id=require_user()["id"], demand_id=demand_id,
                                 decision=body["decision"], reason=body.get("reason"), now=now())


@blp.route("/<int:demand_id>/close")
class DemandClose(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, DemandOut)
    def post(self, body, demand_id):
        return svc.close_demand(uow(), actor_id=require_user()["id"], demand_id=demand_id,
                                reason=body.get("reason"), now=now())
