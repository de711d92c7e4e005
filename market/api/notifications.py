"""Notifications (issue 18): the inbox, preferences, the mails' one-click unsubscribe (no log-in:
the link's signed token is the authority), watches and saved searches."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from market.domain import taxonomy
from market.domain.notifications import KINDS, MODES, WATCH_TARGETS
from market.services.notifications import inbox as svc

from .deps import now, require_user, uow
from .schemas import BaseSchema, Choice, Id, PageArgs, QueryMoney

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="通知：站内信、邮件偏好、退订 (notifications: inbox, preferences, unsubscribe)")
watches_blp = Blueprint("watches", __name__, url_prefix="/api/v1/watches",
                        description="关注：成果、需求、拍卖会、拍品 (watchlist)")
searches_blp = Blueprint("saved_searches", __name__, url_prefix="/api/v1/saved-searches",
                         description="保存的搜索 (saved searches: told about new matching achievements)")
BLUEPRINTS = [blp, watches_blp, searches_blp]


class InboxArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    subject = fields.String()
    text = fields.String()
    data = fields.Dict()
    created_at = fields.String()
    read = fields.Boolean()
    read_at = fields.String(allow_none=True)


class InboxOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    unread = fields.Integer()


class UnreadOut(Schema):
    unread = fields.Integer()
    marked = fields.Integer()


class PreferenceIn(BaseSchema):
    kind = Choice(tuple(KINDS), required=True)
    inbox = fields.Boolean(allow_none=True)
    email = fields.Boolean(allow_none=True)
    mode = Choice(MODES, allow_none=True)


class PreferencesIn(BaseSchema):
    kinds = fields.List(fields.Nested(PreferenceIn), required=True,
                        validate=validate.Length(min=1, max=len(KINDS) * 2))


class PreferenceOut(Schema):
    kind = fields.String()
    label = fields.String()
    inbox = fields.Boolean()
    email = fields.Boolean()
    mode = fields.String()


class PreferencesOut(Schema):
    kinds = fields.List(fields.Nested(PreferenceOut))


class TokenArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UnsubscribeOut(Schema):
    unsubscribed = fields.Boolean()
    kind = fields.String()
    label = fields.String()
    message = fields.String()


class WatchIn(BaseSchema):
    target_type = Choice(WATCH_TARGETS, required=True)
    target_id = Id(required=True)


class WatchOut(Schema):
    id = fields.Integer()
    target_type = fields.String()
    target_id = fields.Integer()
    created_at = fields.String()


class WatchList(Schema):
    items = fields.List(fields.Nested(WatchOut))


class SearchFilters(BaseSchema):
    market = Choice(taxonomy.MARKET_CODES, allow_none=True)
    field = Choice(taxonomy.FIELDS, allow_none=True)
    ip_type = Choice(taxonomy.IP_TYPES, allow_none=True)
    province = Choice(taxonomy.PROVINCES, allow_none=True)
    price_min = QueryMoney(allow_none=True)
    price_max = QueryMoney(allow_none=True)


class SavedSearchIn(BaseSchema):
    name = fields.String(validate=validate.Length(max=100), load_default="")
    query = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filters = fields.Nested(SearchFilters, load_default=dict)


class SavedSearchOut(Schema):
    id = fields.Integer()
    name = fields.String()
    query = fields.String()
    filters = fields.Dict()
    created_at = fields.String()


class SavedSearchList(Schema):
    items = fields.List(fields.Nested(SavedSearchOut))


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxOut)
    def get(self, args):
        """My notifications, newest first (`unread=true`: only the unread), with the unread count."""
        return svc.list_notifications(uow(), actor_id=require_user()["id"], unread_only=args["unread"],
                                      page=args["page"], per_page=args["per_page"])


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadOut)
    def get(self):
        return svc.unread_count(uow(), actor_id=require_user()["id"])


@blp.route("/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, UnreadOut)
    def post(self, notification_id):
        return svc.mark_read(uow(), actor_id=require_user()["id"], notification_id=notification_id, now=now())


@blp.route("/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, UnreadOut)
    def post(self):
        return svc.mark_all_read(uow(), actor_id=require_user()["id"], now=now())


@blp.route("/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesOut)
    def get(self):
        """Per kind: inbox, e-mail, and immediate mail or a daily digest (08:00)."""
        return svc.get_preferences(uow(), actor_id=require_user()["id"])

    @blp.arguments(PreferencesIn)
    @blp.response(200, PreferencesOut)
    def put(self, body):
        return svc.set_preferences(uow(), actor_id=require_user()["id"], changes=body["kinds"])


@blp.route("/unsubscribe")
class Unsubscribe(MethodView):
    @blp.arguments(TokenArgs, location="query")
    @blp.response(200, UnsubscribeOut)
    def get(self, args):
        """The mail's one-click link: no log-in; stops this kind of mail for the token's user."""
        return svc.unsubscribe(uow(), token=args["token"], secret=current_app.config["UNSUBSCRIBE_SECRET"])

    @blp.arguments(TokenArgs, location="query")
    @blp.response(200, UnsubscribeOut)
    def post(self, args):
        """RFC 8058 one-click (`List-Unsubscribe-Post`): a mail client posts to the header's link."""
        return svc.unsubscribe(uow(), token=args["token"], secret=current_app.config["UNSUBSCRIBE_SECRET"])


@watches_blp.route("")
class Watches(MethodView):
    @watches_blp.response(200, WatchList)
    def get(self):
        return svc.list_watches(uow(), actor_id=require_user()["id"])

    @watches_blp.arguments(WatchIn)
    @watches_blp.response(201, WatchList)
    def post(self, body):
        """Follow an achievement, a demand, an auction day or a lot (again: no change)."""
        return svc.add_watch(uow(), actor_id=require_user()["id"], target_type=body["target_type"],
                             target_id=body["target_id"], now=now())


@watches_blp.route("/<int:watch_id>")
class WatchItem(MethodView):
    @watches_blp.response(204)
    def delete(self, watch_id):
        svc.remove_watch(uow(), actor_id=require_user()["id"], watch_id=watch_id)


@searches_blp.route("")
class SavedSearches(MethodView):
    @searches_blp.response(200, SavedSearchList)
    def get(self):
        return svc.list_saved_searches(uow(), actor_id=require_user()["id"])

    @searches_blp.arguments(SavedSearchIn)
    @searches_blp.response(201, SavedSearchOut)
    def post(self, body):
        """A query with filters; a newly published achievement that matches it is notified (new_match)."""
        return svc.add_saved_search(uow(), actor_id=require_user()["id"], name=body["name"], query=body["query"],
                                    filters=body["filters"], now=now())


@searches_blp.route("/<int:search_id>")
class SavedSearchItem(MethodView):
    @searches_blp.response(204)
    def delete(self, search_id):
        svc.remove_saved_search(uow(), actor_id=require_user()["id"], search_id=search_id)
