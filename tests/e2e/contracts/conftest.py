import sys
from pathlib import Path

import pytest

from market.adapters.clock import FrozenClock

sys.path.insert(0, str(Path(__file__).resolve().parent))   # works in every pytest import mode
from contract_e2e_clock import NOW  # noqa: E402


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def deal(cast, client):
    """POST a direct contract as `who`; returns the response."""
    def post(who="uni_member", seller="uni", buyer="corp", **fields):
        body = {"title": "柔性显示驱动芯片技术开发", "contract_type": "技术开发", "field": "电子信息",
                "seller_org_id": cast.orgs[seller], "buyer_org_id": cast.orgs[buyer],
                "contract_amount_fen": 2_000_000_00, "tech_amount_fen": 1_500_000_00, "signed_on": "2025-04-18"}
        body.update(fields)
        return client.post("/api/v1/contracts", json=body, headers=cast[who])
    return post
