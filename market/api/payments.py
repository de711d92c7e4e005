"""Deposit payments (保证金支付): the Stripe webhook, each deposit's payment state and
history for its bidder and the market's operator, reconciliation against Stripe,
refunds and retries of failed gateway commands."""
from __future__ import annotations

import logging
import os

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from market.adapters.payments.webhooks import InvalidWebhook, verify_and_parse
from market.domain.errors import ServiceUnavailable
from market.services import payments as svc

from .deps import now, require_user, services, uow
from .errors import error_response
from .fields import LocalDateTime

log = logging.getLogger(__name__)

blp = Blueprint("payments", __name__, url_prefix="/api/v1",
                description="保证金支付：Stripe 回调、状态、历史与对账 (deposit payments)")


class CommandOut(Schema):
    id = fields.Integer()
    action = fields.String(metadata={"description": "capture | release | refund"})
    reason = fields.String(metadata={"description": "apply | forfeit | release | late_release | refund"})
    amount_fen = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "pending | in_flight | done | failed"})
    attempts = fields.Integer()
    created_at = LocalDateTime()
    done_at = LocalDateTime(allow_none=True)
    next_attempt_at = LocalDateTime(allow_none=True)
    result_status = fields.String(allow_none=True)
    result_amount_fen = fields.Integer(allow_none=True)
    idempotency_key = fields.String()
    last_error = fields.String(allow_none=True)


class DepositPaymentOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    market_code = fields.String()
    bidder_id = fields.Integer()
    amount_fen = fields.Integer()
    currency = fields.String()
    gateway = fields.String()
    reference = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | held | applied | released | forfeited | refunded"})
    held_at = LocalDateTime(allow_none=True)
    settled_at = LocalDateTime(allow_none=True)
    settlement = fields.String(metadata={"description": "none | in_progress | failed | settled"})
    captured_fen = fields.Integer()
    refunded_fen = fields.Integer()
    commands = fields.List(fields.Nested(CommandOut))


class HistoryItemOut(Schema):
    at = LocalDateTime()
    kind = fields.String()
    source = fields.String(metadata={"description": "auction | outbox | webhook | operator"})
    deposit_status = fields.String(allow_none=True)
    amount_fen = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class StripeEventOut(Schema):
    id = fields.String()
    type = fields.String()
    outcome = fields.String()
    received_at = LocalDateTime()


class DepositHistoryOut(Schema):
    deposit_id = fields.Integer()
    status = fields.String()
    items = fields.List(fields.Nested(HistoryItemOut))
    stripe_events = fields.List(fields.Nested(StripeEventOut))


class AmountsOut(Schema):
    status = fields.String()
    raw_status = fields.String()
    amount_fen = fields.Integer()
    captured_fen = fields.Integer()
    refunded_fen = fields.Integer()


class ReconcileOut(Schema):
    deposit_id = fields.Integer()
    reference = fields.String()
    status_before = fields.String()
    status = fields.String()
    action = fields.String(metadata={"description": "none | hold | release | late_release | settle | pending | mismatch"})
    consistent = fields.Boolean()
    provider = fields.Nested(AmountsOut)
    ours = fields.Dict()
    open_commands = fields.List(fields.Nested(CommandOut))


class RefundIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PaymentIntentOut(Schema):
    deposit_id = fields.Integer()
    reference = fields.String()
    client_secret = fields.String(allow_none=True, metadata={
        "description": "for Stripe.js in the bidder's browser (confirmCardPayment); never logged"})
    status = fields.String(metadata={"description": "pending | held | failed"})
    amount_fen = fields.Integer()
    currency = fields.String()


class WebhookOut(Schema):
    received = fields.Boolean()
    outcome = fields.String()


def _webhook_secret() -> str | None:
    return current_app.config.get("STRIPE_WEBHOOK_SECRET") or os.environ.get("STRIPE_WEBHOOK_SECRET")


def _gateway():
    gateway = services().payment_gateway
    if gateway is None:
        raise ServiceUnavailable("未配置支付渠道 (no payment gateway configured)")
    return gateway


@blp.route("/payments/stripe/webhook")
class StripeWebhook(MethodView):
    @blp.response(200, WebhookOut)
    @blp.alt_response(400, description="签名无效、缺失或过期 (bad, missing or stale signature)")
    def post(self):
        """Stripe 回调 (Stripe webhook): verified with the endpoint secret; each event once."""
        try:
            event = verify_and_parse(request.get_data(cache=False), request.headers.get("Stripe-Signature"),
                                     _webhook_secret())
        except InvalidWebhook as exc:
            log.warning("stripe webhook refused: %s", exc)
            return error_response(400, f"Stripe 签名校验失败 (signature verification failed): {exc}")
        outcome = svc.handle_stripe_event(services().uow_factory, event, now())
        return {"received": True, "outcome": outcome}


@blp.route("/deposits/<int:deposit_id>/payment")
class DepositPayment(MethodView):
    @blp.response(200, DepositPaymentOut)
    def get(self, deposit_id):
        """保证金支付状态 (where the deposit's money is): the bidder or the market's operator."""
        return svc.deposit_payment(uow(), actor_id=require_user()["id"], deposit_id=deposit_id)


@blp.route("/deposits/<int:deposit_id>/payment/intent")
class DepositPaymentIntent(MethodView):
    @blp.response(200, PaymentIntentOut)
    def post(self, deposit_id):
        """支付保证金 (the bidder): the client secret to confirm the card in the browser."""
        return svc.start_deposit_payment(services().uow_factory, _gateway(), actor_id=require_user()["id"],
                                         deposit_id=deposit_id, now=now())


@blp.route("/deposits/<int:deposit_id>/payment/history")
class DepositPaymentHistory(MethodView):
    @blp.response(200, DepositHistoryOut)
    def get(self, deposit_id):
        """保证金历史 (every state change, gateway answer and Stripe event)."""
        return svc.deposit_payment_history(uow(), actor_id=require_user()["id"], deposit_id=deposit_id)


@blp.route("/deposits/<int:deposit_id>/payment/reconcile")
class DepositReconcile(MethodView):
    @blp.response(200, ReconcileOut)
    def post(self, deposit_id):
        """对账 (operator): compare with Stripe and repair what is safe to repair."""
        return svc.reconcile_deposit(services().uow_factory, _gateway(), actor_id=require_user()["id"],
                                     deposit_id=deposit_id, now=now())


@blp.route("/deposits/<int:deposit_id>/payment/refund")
class DepositRefund(MethodView):
    @blp.arguments(RefundIn)
    @blp.response(200, DepositPaymentOut)
    def post(self, body, deposit_id):
        """退还已扣保证金 (operator): e.g. a sale annulled after the capture."""
        return svc.refund_deposit(uow(), actor_id=require_user()["id"], deposit_id=deposit_id,
                                  reason=body["reason"], now=now())


@blp.route("/deposits/<int:deposit_id>/payment/retry")
class DepositRetry(MethodView):
    @blp.response(200, DepositPaymentOut)
    def post(self, deposit_id):
        """重试失败的支付指令 (operator), once the cause is fixed."""
        return svc.retry_deposit_commands(uow(), actor_id=require_user()["id"], deposit_id=deposit_id,
                                          now=now())
