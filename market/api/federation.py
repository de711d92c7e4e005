"""Federation out: GET /api/v1/changes (the catalogue's change feed, for mirrors) and
/api/v1/webhooks (subscriptions, their delivery log, re-send). Thin: the services decide."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate
from webargs.fields import DelimitedList

from market.domain import federation as fed
from market.services.federation import changes as changes_svc
from market.services.federation import webhooks as svc

from .deps import now, require_user, services, uow
from .fields import LocalDateTime
from .schemas import Choice, PageArgs, page_schema

changes_blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes",
                        description="目录变更流 (catalogue change feed for mirroring)")
blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="推送订阅 (webhook subscriptions of the markets)")

URL_LENGTH = validate.Length(min=1, max=fed.MAX_URL_CHARS, error=f"长度应为 1 到 {fed.MAX_URL_CHARS} (length 1 to 500)")


class ChangesArgs(Schema):
    class Meta:
        unknown = EXCLUDE
    after = fields.String(validate=validate.Length(max=64, error="游标过长 (cursor too long)"),
                          metadata={"description": "next_cursor of the previous page; none: from the start"})
    types = DelimitedList(Choice(fed.ENTITY_TYPES), metadata={
        "description": "comma-separated entity types: " + ", ".join(fed.ENTITY_TYPES)})
    limit = fields.Integer(load_default=100, validate=validate.Range(
        min=1, max=changes_svc.MAX_LIMIT, error="limit 应在 1 到 1000 之间 (limit must be 1 to 1000)"))


class ChangeOut(Schema):
    cursor = fields.String()
    id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.Integer()
    kind = fields.String(metadata={"description": "created | changed | withdrawn"})
    event_type = fields.String()
    object = fields.Dict(allow_none=True, metadata={"description": "the public representation; null when withdrawn"})
    committed_at = LocalDateTime()


class ChangesOut(Schema):
    changes = fields.List(fields.Nested(ChangeOut))
    next_cursor = fields.String()
    has_more = fields.Boolean()


class SubscriptionIn(Schema):
    url = fields.String(required=True, validate=URL_LENGTH)
    event_types = fields.List(Choice(fed.EVENT_TYPES), required=True,
                              validate=validate.Length(min=1, max=len(fed.EVENT_TYPES), error="至少一种事件 (at least one)"))
    market_code = fields.String(allow_none=True, metadata={"description": "the admin may leave it out"})
    description = fields.String(validate=validate.Length(max=200, error="最长 200 字符 (at most 200)"))
    active = fields.Boolean()


class SubscriptionPatch(Schema):
    url = fields.String(validate=URL_LENGTH)
    event_types = fields.List(Choice(fed.EVENT_TYPES),
                              validate=validate.Length(min=1, max=len(fed.EVENT_TYPES), error="至少一种事件 (at least one)"))
    description = fields.String(validate=validate.Length(max=200, error="最长 200 字符 (at most 200)"))
    active = fields.Boolean()


class SubscriptionOut(Schema):
    id = fields.Integer()
    market_code = fields.String(allow_none=True)
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    secret_hint = fields.String()
    secret = fields.String(metadata={"description": "only when created or rotated: keep it, it is not shown again"})
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class DeliveryOut(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending | delivered | failed"})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    delivered_at = LocalDateTime(allow_none=True)


class DeliveryArgs(PageArgs):
    status = Choice(("pending", "delivered", "failed"))


DeliveryPageOut = page_schema(DeliveryOut, "WebhookDeliveryPage")


def _allowed_hosts() -> tuple:
    return tuple(services().extra.get("allowed_hosts") or ())


def _policy():
    return services().extra["webhook_policy"]


@changes_blp.route("")
class Changes(MethodView):
    @changes_blp.arguments(ChangesArgs, location="query")
    @changes_blp.response(200, ChangesOut)
    def get(self, args):
        """Changes to the public catalogue in commit order, after `after`: resume with
        `next_cursor` (no gaps, no repeats). Public data only, anyone may read it."""
        return changes_svc.list_changes(uow(), after=args.get("after"), types=args.get("types"), limit=args["limit"])


@blp.route("")
class Subscriptions(MethodView):
    @blp.response(200, SubscriptionOut(many=True))
    def get(self):
        """The caller's market's subscriptions (the admin: all)."""
        return svc.list_subscriptions(uow(), actor_id=require_user()["id"])

    @blp.arguments(SubscriptionIn)
    @blp.response(201, SubscriptionOut)
    def post(self, body):
        """Subscribe a URL to event types; the answer holds the signing secret, once."""
        return svc.create_subscription(uow(), actor_id=require_user()["id"], data=body, now=now(),
                                       allowed_hosts=_allowed_hosts())


@blp.route("/<int:subscription_id>")
class Subscription(MethodView):
    @blp.response(200, SubscriptionOut)
    def get(self, subscription_id):
        """One subscription (no secret)."""
        return svc.get_subscription(uow(), actor_id=require_user()["id"], subscription_id=subscription_id)

    @blp.arguments(SubscriptionPatch)
    @blp.response(200, SubscriptionOut)
    def patch(self, body, subscription_id):
        """Change the URL, the event types, the description, or pause (active: false)."""
        return svc.update_subscription(uow(), actor_id=require_user()["id"], subscription_id=subscription_id,
                                       data=body, now=now(), allowed_hosts=_allowed_hosts())

    @blp.response(204)
    def delete(self, subscription_id):
        """Remove the subscription and its delivery log."""
        svc.delete_subscription(uow(), actor_id=require_user()["id"], subscription_id=subscription_id)


@blp.route("/<int:subscription_id>/rotate-secret")
class RotateSecret(MethodView):
    @blp.response(200, SubscriptionOut)
    def post(self, subscription_id):
        """A new signing secret, shown once; deliveries from now on use it."""
        return svc.rotate_secret(uow(), actor_id=require_user()["id"], subscription_id=subscription_id, now=now())


@blp.route("/<int:subscription_id>/deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryArgs, location="query")
    @blp.response(200, DeliveryPageOut)
    def get(self, args, subscription_id):
        """The delivery log, newest first: status, attempts, last error, next attempt."""
        return svc.delivery_log(uow(), actor_id=require_user()["id"], subscription_id=subscription_id,
                                status=args.get("status"), page=args["page"], per_page=args["per_page"])


@blp.route("/<int:subscription_id>/deliveries/<int:delivery_id>/resend")
class Resend(MethodView):
    @blp.response(200, DeliveryOut)
    def post(self, subscription_id, delivery_id):
        """Send the event again (now, with a fresh budget of attempts)."""
        return svc.resend(uow(), actor_id=require_user()["id"], subscription_id=subscription_id,
                          delivery_id=delivery_id, now=now(), policy=_policy())
