"""Fixtures of the pages' tests."""
from tests.e2e.web.web_world import market_day  # noqa: F401 - the fixture
