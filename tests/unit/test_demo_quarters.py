"""The demo contracts span this quarter and the five before it."""
from datetime import date

from market.services.seed_deals import _quarter_start


def test_demo_quarters_step_back_across_years():
    assert [_quarter_start(date(2025, 3, 3), back) for back in range(6)] == [
        date(2025, 1, 1), date(2024, 10, 1), date(2024, 7, 1), date(2024, 4, 1), date(2024, 1, 1), date(2023, 10, 1)]
