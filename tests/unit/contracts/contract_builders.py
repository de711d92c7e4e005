"""Builders for contract unit tests: plain domain objects, a frozen instant."""
from datetime import date, datetime, timezone

import pytest

from market.domain.accounts import User
from market.domain.contracts import Contract

NOW = datetime(2025, 12, 31, 4, 0, tzinfo=timezone.utc)


def make_user(role="member", *, uid=1, organisation_id=None, market_code=None):
    user = User(f"u{uid}@example.cn", f"user {uid}", "x", role,
                organisation_id=organisation_id, market_code=market_code)
    user.id = uid
    return user


def make_contract(**overrides):
    values = dict(title="一种锂电池隔膜的技术转让", contract_type="技术转让", field="新材料",
                  seller_org_id=1, seller_province="上海", buyer_org_id=2, buyer_province="江苏",
                  contract_amount_fen=1_000_000_00, tech_amount_fen=800_000_00,
                  signed_on=date(2025, 3, 15), source="direct", market_code=None, now=NOW)
    values.update(overrides)
    return Contract(**values)


@pytest.fixture
def sh_operator():
    return make_user("operator", uid=10, market_code="SH")


@pytest.fixture
def js_operator():
    return make_user("operator", uid=11, market_code="JS")


@pytest.fixture
def seller_member():
    return make_user("member", uid=20, organisation_id=1)


@pytest.fixture
def admin():
    return make_user("admin", uid=30)
