"""Builders for the contract integration and e2e tests: organisations in
provinces inside and outside the delta, and contracts written straight through
the repository (fast enough for property tests)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import delete

from market.adapters.orm_contracts import contract_history, contracts
from market.domain.contracts import Contract
from market.services.accounts import create_organisation
from market.services.contracts import contracts_repo

#: late enough that every day of 2025 is in the past
NOW = datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc)
PROVINCES = ("上海", "江苏", "浙江", "安徽", "北京", "广东", "境外")
MARKET_OF = {"上海": "SH", "江苏": "JS", "浙江": "ZJ", "安徽": "AH"}


def make_orgs(uow_factory, now=NOW) -> dict[str, list[int]]:
    """Two organisations per province (so intra-province contracts have two parties)."""
    out = {}
    for index, province in enumerate(PROVINCES):
        out[province] = [create_organisation(uow_factory(), name=f"测试机构{index}-{n}", kind="enterprise",
                                             province=province, now=now)["id"] for n in range(2)]
    return out


def clear_contracts(uow_factory) -> None:
    with uow_factory() as uow:
        uow.session.execute(delete(contract_history))
        uow.session.execute(delete(contracts))
        uow.commit()


def add_contracts(uow_factory, orgs, specs, now=NOW) -> list[int]:
    """specs: (seller_province, buyer_province, signed_on, amount, tech, registered, type, field)."""
    with uow_factory() as uow:
        repo = contracts_repo(uow)
        made = []
        for n, (seller, buyer, signed_on, amount, tech, registered, ctype, field) in enumerate(specs):
            contract = Contract(
                title=f"合同{n}", contract_type=ctype, field=field, seller_org_id=orgs[seller][0],
                seller_province=seller, buyer_org_id=orgs[buyer][1], buyer_province=buyer,
                contract_amount_fen=amount, tech_amount_fen=tech, signed_on=signed_on, source="direct",
                market_code=MARKET_OF.get(seller, "SH"), now=now)
            if registered:
                contract.status = "registered"
                contract.registration_number = f"T{n}-{id(contract)}"
            repo.add(contract)
            made.append(contract)
        uow.commit()
        ids = [c.id for c in made]
    return ids


def spec(seller, buyer, signed_on: date, amount=1_000_000, tech=0, registered=True,
         ctype="技术开发", field="电子信息"):
    return (seller, buyer, signed_on, amount, tech, registered, ctype, field)
