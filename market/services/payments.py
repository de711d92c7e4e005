"""Deposit payments: the outbox of gateway commands (`payment_outbox`), Stripe webhooks
(`payment_webhooks`), and each deposit's payment as its bidder and operator see it
(`deposit_payments`); the decisions themselves are plain functions in `market.domain.payments`.

This module gathers their names for the API, the scheduler and the tests that import them from
here. How money stays safe is told in `payment_outbox`'s docstring.
"""
from __future__ import annotations

from market.domain.payments import (  # noqa: F401 (re-exported)
    EXPECTED, MAX_BACKOFF, Command, backoff, commands_for_transition, provider_state_of,
    reconcile_action, settlement, webhook_effect)

from .deposit_payments import (  # noqa: F401 (re-exported)
    deposit_payment, deposit_payment_history, reconcile_deposit, refund_deposit,
    retry_deposit_commands, start_deposit_payment)
from .payment_outbox import (  # noqa: F401 (re-exported)
    LEASE, ONLINE_GATEWAYS, OutboxRun, enqueue_transition, ensure_release, process_payment_outbox,
    record_deposit_move, retry_failed_command)
from .payment_webhooks import handle_stripe_event  # noqa: F401 (re-exported)
