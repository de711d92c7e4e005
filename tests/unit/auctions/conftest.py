"""Fixtures for the pure auction rules: a lot on a frozen clock and registered bidders."""
from __future__ import annotations

from datetime import timedelta

import pytest

from market.adapters.clock import FrozenClock

from auction_factories import T0, Bidders, make_lot


@pytest.fixture
def clock():
    return FrozenClock(T0 + timedelta(minutes=10))


@pytest.fixture
def lot():
    return make_lot()


@pytest.fixture
def bidders(lot):
    return Bidders(lot, T0 - timedelta(days=1))
