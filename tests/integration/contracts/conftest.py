import sys
from pathlib import Path

import pytest

from market.adapters.clock import FrozenClock

sys.path.insert(0, str(Path(__file__).resolve().parent))   # works in every pytest import mode
from contract_world import NOW, make_orgs  # noqa: E402


@pytest.fixture
def clock():
    """After the end of 2025, so the whole year's contracts are signed in the past."""
    return FrozenClock(NOW)


@pytest.fixture
def orgs(uow_factory):
    return make_orgs(uow_factory)


@pytest.fixture
def staff(services, orgs):
    """User ids: operators of SH and JS, the admin, and a member of the first 上海 organisation."""
    from market.services.accounts import create_user
    ids = {}
    for key, role, market, org in (("op_sh", "operator", "SH", None), ("op_js", "operator", "JS", None),
                                   ("op_zj", "operator", "ZJ", None),
                                   ("admin", "admin", None, None), ("sh_member", "member", None, orgs["上海"][0]),
                                   ("js_member", "member", None, orgs["江苏"][1])):
        ids[key] = create_user(services.uow_factory(), services.hasher, email=f"{key}@example.cn",
                               password="correct-horse-42", display_name=key, role=role,
                               organisation_id=org, market_code=market, now=NOW)["id"]
    return ids
