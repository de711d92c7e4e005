"""The statistics computed the slow, obvious way in plain Python: the oracle the
SQL read model (market.adapters.orm_contracts) is tested against. Test code only:
production has one implementation, the GROUP BY in the adapter."""
from __future__ import annotations

from datetime import date
from typing import Iterable, Iterator, NamedTuple

from market.domain.stats import TIME_GROUPS, DateRange, Totals, period_key


class ContractFact(NamedTuple):
    """What the statistics need to know about one contract."""
    seller_province: str
    buyer_province: str
    signed_on: date
    contract_type: str
    field: str
    market_code: str
    status: str
    contract_amount_fen: int
    tech_amount_fen: int

    @property
    def totals(self) -> Totals:
        return Totals(1, self.contract_amount_fen, self.tech_amount_fen)


def fact_key(fact: ContractFact, group: str, side: str):
    if group == "province":
        return fact.seller_province if side == "outflow" else fact.buyer_province
    if group in TIME_GROUPS:
        return period_key(group, fact.signed_on.year, fact.signed_on.month)
    return {"type": fact.contract_type, "field": fact.field, "market": fact.market_code}[group]


def select(facts: Iterable[ContractFact], span: DateRange, registered_only: bool) -> Iterator[ContractFact]:
    for fact in facts:
        if span.contains(fact.signed_on) and (fact.status == "registered" or not registered_only):
            yield fact


def aggregate(facts: Iterable[ContractFact], groups: tuple[str, ...], side: str) -> dict[tuple, Totals]:
    """Reference grouping in memory: {(key, ...): Totals}."""
    out: dict[tuple, Totals] = {}
    for fact in facts:
        key = tuple(fact_key(fact, g, side) for g in groups)
        out[key] = out.get(key, Totals()) + fact.totals
    return out
