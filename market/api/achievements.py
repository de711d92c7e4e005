"""Achievements (科技成果): public catalogue, holders' drafts, operators' review."""
from flask.views import MethodView
from flask_smorest import Blueprint

from market.services import achievements as svc

from .deps import current_user_id, now, require_user, uow
from .listing_args import to_filter
from .schemas import (AchievementIn, AchievementListArgs, AchievementOut, AchievementPage, AchievementPatch,
                      HistoryOut, ListingIn, OwnListArgs, ReasonIn, ReviewIn)

blp = Blueprint("achievements", __name__, url_prefix="/api/v1/achievements",
                description="科技成果 (technology achievements)")


@blp.route("")
class Achievements(MethodView):
    @blp.arguments(AchievementListArgs, location="query")
    @blp.response(200, AchievementPage)
    def get(self, args):
        """Published achievements, filtered and sorted (public)."""
        return svc.list_public_achievements(uow(), to_filter(args))

    @blp.arguments(AchievementIn)
    @blp.response(201, AchievementOut)
    def post(self, body):
        """A university or institute member lists a new achievement (as a draft)."""
        return svc.create_achievement(uow(), actor_id=require_user()["id"], data=body, now=now())


@blp.route("/mine")
class MyAchievements(MethodView):
    @blp.arguments(OwnListArgs, location="query")
    @blp.response(200, AchievementPage)
    def get(self, args):
        """My organisation's achievements in every status."""
        return svc.list_own_achievements(uow(), actor_id=require_user()["id"], f=to_filter(args),
                                         status=args.get("status"))


@blp.route("/review-queue")
class ReviewQueue(MethodView):
    @blp.arguments(AchievementListArgs, location="query")
    @blp.response(200, AchievementPage)
    def get(self, args):
        """Pending achievements of the operator's own market."""
        return svc.review_queue(uow(), actor_id=require_user()["id"], f=to_filter(args))


@blp.route("/<int:achievement_id>")
class AchievementItem(MethodView):
    @blp.response(200, AchievementOut)
    def get(self, achievement_id):
        return svc.get_achievement(uow(), achievement_id, viewer_id=current_user_id())

    @blp.arguments(AchievementPatch)
    @blp.response(200, AchievementOut)
    def patch(self, body, achievement_id):
        """Edit a draft (holder's members)."""
        return svc.update_achievement(uow(), actor_id=require_user()["id"], achievement_id=achievement_id,
                                      changes=body, now=now())


@blp.route("/<int:achievement_id>/history")
class AchievementHistory(MethodView):
    @blp.response(200, HistoryOut(many=True))
    def get(self, achievement_id):
        return svc.get_achievement(uow(), achievement_id, viewer_id=current_user_id()).get("history", [])


@blp.route("/<int:achievement_id>/submit")
class Submit(MethodView):
    @blp.response(200, AchievementOut)
    def post(self, achievement_id):
        """Send a draft to the market's operators for review."""
        return svc.submit_achievement(uow(), actor_id=require_user()["id"], achievement_id=achievement_id, now=now())


@blp.route("/<int:achievement_id>/review")
class Review(MethodView):
    @blp.arguments(ReviewIn)
    @blp.response(200, AchievementOut)
    def post(self, body, achievement_id):
        """Approve or reject (with a reason) — operators of the achievement's market."""
        return svc.review_achievement(uow(), actor_id=require_user()["id"], achievement_id=achievement_id,
                                      decision=body["decision"], reason=body.get("reason"), now=now())


@blp.route("/<int:achievement_id>/listings")
class Listings(MethodView):
    @blp.arguments(ListingIn)
    @blp.response(201, AchievementOut)
    def post(self, body, achievement_id):
        """List a published achievement on the operator's own market too: what to do when its
        application number is submitted again as another achievement (409 names this one)."""
        return svc.add_listing(uow(), actor_id=require_user()["id"], achievement_id=achievement_id,
                               now=now(), **body)


@blp.route("/<int:achievement_id>/withdraw")
class Withdraw(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, AchievementOut)
    def post(self, body, achievement_id):
        return svc.withdraw_achievement(uow(), actor_id=require_user()["id"], achievement_id=achievement_id,
                                        reason=body.get("reason"), now=now())


@blp.route("/<int:achievement_id>/reopen")
class Reopen(MethodView):
    @blp.response(200, AchievementOut)
    def post(self, achievement_id):
        """Bring a withdrawn achievement back as a draft."""
        return svc.reopen_achievement(uow(), actor_id=require_user()["id"], achievement_id=achievement_id, now=now())
