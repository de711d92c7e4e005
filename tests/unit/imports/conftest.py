import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # foundation_fakes, in every pytest import mode
from foundation_fakes import FakeUnitOfWork  # noqa: E402

from market.adapters.clock import FrozenClock  # noqa: E402
from market.domain.accounts import Market  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
MARKETS = (("SH", "上海技术交易所", "上海"), ("JS", "江苏省技术产权交易市场", "江苏"),
           ("ZJ", "浙江科技大市场", "浙江"), ("AH", "安徽科技大市场", "安徽"))


@pytest.fixture
def uow():
    """One in-memory unit of work shared by every call of a test (the fakes keep their state)."""
    u = FakeUnitOfWork()
    for code, name, province in MARKETS:
        u.markets.add(Market(code, name, province))
    return u


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def feed():
    return lambda name: FIXTURES / name
