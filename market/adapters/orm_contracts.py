"""Contract tables, their mapping, and the repository with the statistics queries.

Statistics are computed from the contract rows themselves (GROUP BY over an
index on the signed date), not from maintained aggregates: a million contracts
group in well under a second on PostgreSQL (bench/stats_bench.py), and figures
read from the rows cannot drift from them. Year and month are stored beside
the date so that grouping by year, quarter or month is the same integer
arithmetic on SQLite and PostgreSQL.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import (JSON, BigInteger, Column, Date, ForeignKey, Index, Integer, SmallInteger,
                        String, Table, Text, UniqueConstraint, func, select)
from sqlalchemy.orm import Session, relationship

from market.domain.contracts import Contract, ContractHistory, ContractImportRun
from market.domain.stats import DateRange, Totals

from .orm import mapper_registry, metadata
from .types import UTCDateTime

contracts = Table(
    "contracts", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("contract_type", String(8), nullable=False),
    Column("field", String(32), nullable=False),
    Column("seller_org_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("seller_province", String(16), nullable=False),
    Column("buyer_org_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("buyer_province", String(16), nullable=False),
    Column("contract_amount_fen", BigInteger, nullable=False),
    Column("tech_amount_fen", BigInteger, nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("signed_year", SmallInteger, nullable=False),
    Column("signed_month", SmallInteger, nullable=False),
    Column("source", String(12), nullable=False),
    Column("market_code", ForeignKey("markets.code"), nullable=False),
    Column("achievement_id", ForeignKey("achievements.id"), index=True),
    Column("demand_id", ForeignKey("demands.id"), index=True),
    Column("lot_id", Integer, index=True),
    # an agreement (协议成交) makes one contract; its publicity notice when the seller had one
    Column("agreement_id", Integer, unique=True),
    Column("publicity_notice_id", Integer),
    Column("external_id", String(64)),
    Column("status", String(12), nullable=False),
    Column("registration_number", String(40), unique=True),
    Column("refusal_reason", Text),
    Column("registered_at", UTCDateTime),
    Column("registered_by_id", ForeignKey("users.id")),
    Column("created_by_id", ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("market_code", "external_id", name="uq_contracts_market_external"),
    # the statistics filter on a date range (and usually on status)
    Index("ix_contracts_signed_on_status", "signed_on", "status"),
    Index("ix_contracts_market_status", "market_code", "status"),
)

contract_history = Table(
    "contract_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", ForeignKey("users.id")),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("reason", Text),
    Column("detail", JSON),
)

contract_imports = Table(
    "contract_imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("market_code", ForeignKey("markets.code"), nullable=False, index=True),
    Column("actor_id", ForeignKey("users.id")),
    Column("at", UTCDateTime, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
)


def start_contract_mappers() -> None:
    mapper_registry.map_imperatively(ContractHistory, contract_history)
    mapper_registry.map_imperatively(ContractImportRun, contract_imports)
    mapper_registry.map_imperatively(Contract, contracts, properties={
        "history": relationship(ContractHistory, order_by=contract_history.c.id,
                                cascade="all, delete-orphan", lazy="select"),
    })


# --- the repository -------------------------------------------------------------------
c = contracts.c
_DIMENSIONS = {
    "type": (c.contract_type,),
    "field": (c.field,),
    "market": (c.market_code,),
    "year": (c.signed_year,),
    "month": (c.signed_year, c.signed_month),
}


def _quarter():
    return (c.signed_month + 2) // 3         # integer division on both databases


def _group_columns(group: str, side: str) -> tuple:
    if group == "province":
        return (c.seller_province if side == "outflow" else c.buyer_province,)
    if group == "quarter":
        return (c.signed_year, _quarter())
    return _DIMENSIONS[group]


def _key_part(group: str, values: tuple):
    if group == "year":
        return str(values[0])
    if group == "quarter":
        return f"{values[0]}Q{int(values[1])}"
    if group == "month":
        return f"{values[0]}-{int(values[1]):02d}"
    return values[0]


class SqlAlchemyContractRepository:
    def __init__(self, session: Session):
        self.session = session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: what the block wrote is undone if it raises (one register row)."""
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            raise
        nested.commit()

    def add(self, contract: Contract) -> None:
        self.session.add(contract)

    def get(self, ident: int) -> Contract | None:
        return self.session.get(Contract, ident)

    def get_for_update(self, ident: int) -> Contract | None:
        return self.session.get(Contract, ident, with_for_update=True)

    def by_external_id(self, market_code: str, external_id: str) -> Contract | None:
        return self.session.scalars(select(Contract).where(
            c.market_code == market_code, c.external_id == external_id)).first()

    def by_registration_number(self, number: str) -> Contract | None:
        return self.session.scalars(select(Contract).where(c.registration_number == number)).first()

    def by_agreement(self, agreement_id: int) -> Contract | None:
        return self.session.scalars(select(Contract).where(c.agreement_id == agreement_id)).first()

    def by_lot(self, lot_id: int) -> list[Contract]:
        return list(self.session.scalars(select(Contract).where(c.lot_id == lot_id).order_by(c.id)))

    def next_registration_serial(self, market_code: str, year: int) -> int:
        prefix = f"{market_code}{year}"
        count = self.session.scalar(select(func.count()).select_from(contracts).where(
            c.registration_number.like(f"{prefix}%")))
        return (count or 0) + 1

    def add_import_run(self, run: ContractImportRun) -> None:
        self.session.add(run)

    def import_runs(self, market_code: str, limit: int = 50) -> list[ContractImportRun]:
        t = contract_imports.c
        return list(self.session.scalars(select(ContractImportRun).where(t.market_code == market_code)
                                         .order_by(t.id.desc()).limit(limit)))

    def import_run(self, ident: int) -> ContractImportRun | None:
        return self.session.get(ContractImportRun, ident)

    def list(self, *, status=None, market_code=None, org_id=None, span: DateRange | None = None,
             page=1, per_page=50) -> tuple[list[Contract], int]:
        stmt = select(Contract)
        if status:
            stmt = stmt.where(c.status == status)
        if market_code:
            stmt = stmt.where(c.market_code == market_code)
        if org_id is not None:
            stmt = stmt.where((c.seller_org_id == org_id) | (c.buyer_org_id == org_id))
        if span:
            stmt = stmt.where(c.signed_on.between(span.start, span.end))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = list(self.session.scalars(stmt.order_by(c.signed_on.desc(), c.id.desc())
                                          .limit(per_page).offset((page - 1) * per_page)))
        return items, total

    # --- statistics ------------------------------------------------------------------
    @staticmethod
    def _filtered(stmt, span: DateRange, registered_only: bool):
        stmt = stmt.where(c.signed_on >= span.start, c.signed_on <= span.end)
        return stmt.where(c.status == "registered") if registered_only else stmt

    @staticmethod
    def _sums():
        return (func.count(), func.coalesce(func.sum(c.contract_amount_fen), 0),
                func.coalesce(func.sum(c.tech_amount_fen), 0))

    def grouped_totals(self, groups: tuple[str, ...], side: str, span: DateRange,
                       registered_only: bool) -> dict[tuple, Totals]:
        """{(group values...): Totals} over the range, in one GROUP BY."""
        columns = [(g, _group_columns(g, side)) for g in groups]
        flat = [col for _, cols in columns for col in cols]
        stmt = self._filtered(select(*flat, *self._sums()), span, registered_only).group_by(*flat)
        out: dict[tuple, Totals] = {}
        for row in self.session.execute(stmt):
            values, position, key = tuple(row), 0, []
            for group, cols in columns:
                key.append(_key_part(group, values[position:position + len(cols)]))
                position += len(cols)
            count, amount, tech = values[position:]
            out[tuple(key)] = Totals(int(count), int(amount), int(tech))
        return out

    def flow_pairs(self, span: DateRange, registered_only: bool) -> list[tuple[str, str, Totals]]:
        stmt = self._filtered(select(c.seller_province, c.buyer_province, *self._sums()),
                              span, registered_only).group_by(c.seller_province, c.buyer_province)
        return [(s, b, Totals(int(n), int(a), int(t))) for s, b, n, a, t in self.session.execute(stmt)]
