"""Which gateway command each deposit transition implies, and what each Stripe event means."""
from datetime import timedelta

import pytest

from market.services.payments import Command, backoff, commands_for_transition, webhook_effect


def test_applied_deposit_is_captured_in_full():
    assert commands_for_transition("held", "applied", amount_fen=500) == [Command("capture", "apply", 500)]


def test_applied_deposit_larger_than_the_price_captures_only_the_price():
    assert commands_for_transition("held", "applied", amount_fen=500, capture_fen=300) == [
        Command("capture", "apply", 300)]


def test_released_deposit_cancels_the_hold():
    assert commands_for_transition("held", "released", amount_fen=500) == [Command("release", "release", None)]


def test_unpaid_deposit_released_still_cancels_the_intent_so_it_cannot_be_paid_later():
    assert commands_for_transition("pending", "released", amount_fen=500) == [
        Command("release", "release", None)]


def test_forfeit_of_a_held_deposit_captures_it():
    assert commands_for_transition("held", "forfeited", amount_fen=500) == [Command("capture", "forfeit", 500)]


def test_forfeit_of_an_applied_deposit_moves_no_money_again():
    assert commands_for_transition("applied", "forfeited", amount_fen=500) == []


def test_refund_gives_back_what_was_captured():
    assert commands_for_transition("applied", "refunded", amount_fen=500) == [Command("refund", "refund", None)]


def test_deposit_without_a_provider_hold_needs_no_command():
    assert commands_for_transition("held", "applied", amount_fen=500, has_hold=False) == []


def test_idempotency_key_is_made_of_our_ids():
    assert Command("capture", "apply", 500).key(41) == "deposit-41-capture-apply"
    assert Command("capture", "forfeit", 500).key(41) != Command("capture", "apply", 500).key(41)


@pytest.mark.parametrize("status,observed,effect", [
    ("pending", "held", "hold"),
    ("held", "held", "note"),
    ("released", "held", "late_release"),
    ("applied", "held", "note"),
    ("applied", "captured", "settle"),
    ("forfeited", "captured", "settle"),
    ("held", "captured", "mismatch"),
    ("released", "released", "settle"),
    ("held", "released", "release"),
    ("applied", "released", "mismatch"),
    ("refunded", "refunded", "settle"),
    ("applied", "refunded", "mismatch"),
    ("pending", "failed", "note"),
])
def test_webhook_effect_depends_on_the_deposit_state_not_on_arrival_order(status, observed, effect):
    assert webhook_effect(status, observed) == effect


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(seconds=5)
    assert backoff(2) == timedelta(seconds=10)
    assert backoff(30) == timedelta(hours=1)
