"""Use cases for technology contracts: the four ways a contract comes in (auction
sale, a demand closed by a deal, direct entry, a market's register imported),
registration by the seller's market, and corrections.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from market.domain.accounts import Organisation
from market.domain.contracts import (AMENDABLE, Contract, ContractImportRun, clean_province,
                                     registering_market)
from market.domain.contract_register import decode_register, guess_kind, refused, row_values
from market.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from market.domain.stats import DateRange

from .common import get_or_404, load_actor, local_today, require_market
from .notifications import listings as notify
from .views import history_view

#: a demand's cooperation mode -> the contract type a deal on it is registered as
DEAL_TYPES = {"技术转让": "技术转让", "技术许可": "技术许可", "合作开发": "技术开发",
              "委托开发": "技术开发", "技术服务": "技术服务"}


def contracts_repo(uow):
    """Kept for callers: the unit of work's own ``uow.contracts``."""
    return uow.contracts


def contract_view(contract: Contract, *, with_history: bool = False) -> dict:
    view = {k: getattr(contract, k) for k in (
        "id", "title", "contract_type", "field", "seller_org_id", "seller_province", "buyer_org_id",
        "buyer_province", "contract_amount_fen", "tech_amount_fen", "signed_on", "source", "market_code",
        "achievement_id", "demand_id", "lot_id", "agreement_id", "publicity_notice_id", "external_id", "status", "registration_number",
        "refusal_reason", "registered_at", "created_at", "updated_at")}
    if with_history:
        view["history"] = [history_view(h) for h in contract.history]
    return view


def _party(uow, org_id, field: str) -> Organisation:
    org = uow.organisations.get(org_id) if org_id is not None else None
    if org is None:
        raise ValidationFailed.on(field, f"机构 {org_id} 不存在")
    return org


def _require_recorder(user, seller: Organisation, buyer: Organisation, market_code: str) -> None:
    """A member of either party, an operator of the registering market, or the admin."""
    if user.is_admin or user.organisation_id in (seller.id, buyer.id) or (
            user.role == "operator" and user.market_code == market_code):
        return
    raise Forbidden("只有合同当事方成员或登记市场运营人员可以录入合同 (parties or the registering market only)")


def _new_contract(uow, *, data: dict, seller: Organisation, buyer: Organisation, source: str,
                  market_code: str | None, now: datetime, actor_id: int | None, **refs) -> Contract:
    contract = Contract(
        title=data.get("title") or "", contract_type=data.get("contract_type"), field=data.get("field"),
        seller_org_id=seller.id, seller_province=seller.province, buyer_org_id=buyer.id,
        buyer_province=buyer.province, contract_amount_fen=data.get("contract_amount_fen"),
        tech_amount_fen=data.get("tech_amount_fen"), signed_on=data.get("signed_on"), source=source,
        market_code=market_code, now=now, created_by_id=actor_id, **refs)
    uow.contracts.add(contract)
    return contract


# --- direct entry ------------------------------------------------------------------------
def record_direct_contract(uow, *, actor_id: int, data: dict, now: datetime) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        seller = _party(uow, data.get("seller_org_id"), "seller_org_id")
        buyer = _party(uow, data.get("buyer_org_id"), "buyer_org_id")
        market_code = registering_market(seller.province, data.get("market_code"))
        if data.get("market_code"):
            require_market(uow, data["market_code"])
        _require_recorder(user, seller, buyer, market_code)
        refs = _check_refs(uow, data, seller, buyer)
        contract = _new_contract(uow, data=data, seller=seller, buyer=buyer, source="direct",
                                 market_code=data.get("market_code") or market_code, now=now,
                                 actor_id=user.id, **refs)
        uow.commit()
        return contract_view(contract, with_history=True)


#: (field, repository, label, owner attribute, owning party, message when another party owns it)
_REFS = (("achievement_id", "achievements", "成果", "holder_id", "seller",
          "成果的权利人应为卖方 (the seller must hold the achievement)"),
         ("demand_id", "demands", "需求", "enterprise_id", "buyer",
          "需求的发布企业应为买方 (the buyer must own the demand)"))


def _check_refs(uow, data: dict, seller, buyer) -> dict:
    """The achievement (held by the seller) and the demand (the buyer's) a contract refers to."""
    parties, refs = {"seller": seller, "buyer": buyer}, {}
    for field, repo, label, owner, party, wrong_owner in _REFS:
        if data.get(field) is None:
            continue
        found = getattr(uow, repo).get(data[field])
        if found is None:
            raise ValidationFailed.on(field, f"{label} {data[field]} 不存在")
        if getattr(found, owner) != parties[party].id:
            raise ValidationFailed.on(field, wrong_owner)
        refs[field] = found.id
    return refs


# --- auction sales (called by the auctions service) --------------------------------------
def record_auction_sale(uow, *, lot_id: int, achievement_id: int, seller_org_id: int, buyer_org_id: int,
                        market_code: str, amount_fen: int, signed_on: date | datetime, now: datetime) -> Contract:
    """Create the contract of a signed auction confirmation, inside the caller's
    transaction (no commit here: the signature and the contract land together).

    The hammer price is the contract amount and, the whole price being paid for
    the technology, also its technology transaction amount. The contract is
    registered by the seller's market (the auction's market when the seller is
    outside the delta). Calling it again for the same lot and buyer returns the
    contract already made, so a retried signing creates no second contract."""
    for existing in uow.contracts.by_lot(lot_id):
        if existing.buyer_org_id == buyer_org_id:
            return existing
    return record_sale(uow, source="auction", achievement_id=achievement_id, seller_org_id=seller_org_id,
                       buyer_org_id=buyer_org_id, market_code=market_code, amount_fen=amount_fen,
                       signed_on=signed_on, now=now, lot_id=lot_id)


def record_agreement_contract(uow, *, agreement, publicity_notice_id: int | None, signed_on: date,
                              now: datetime, actor_id: int | None) -> Contract:
    """Create the contract of a signed agreement (协议成交), inside the caller's transaction: the
    agreed price is its amount, the agreed transfer mode its type, and it is linked to the
    achievement, the agreement and its publicity notice. A retried signing returns the contract
    already made (one per agreement; a unique index on agreement_id backs this up)."""
    existing = uow.contracts.by_agreement(agreement.id)
    if existing is not None:
        return existing
    return record_sale(uow, source="agreement", achievement_id=agreement.achievement_id,
                       seller_org_id=agreement.seller_org_id, buyer_org_id=agreement.buyer_org_id,
                       market_code=agreement.market_code, amount_fen=agreement.price_fen,
                       signed_on=signed_on, now=now, actor_id=actor_id, contract_type=agreement.contract_type,
                       agreement_id=agreement.id, publicity_notice_id=publicity_notice_id)


def record_sale(uow, *, source: str, achievement_id: int, seller_org_id: int, buyer_org_id: int,
                market_code: str, amount_fen: int, signed_on: date | datetime, now: datetime,
                actor_id: int | None = None, contract_type: str | None = None, **refs) -> Contract:
    """The contract of a sale of an achievement (by auction or by agreement). The whole price
    being paid for the technology, it is both the contract and the technology transaction
    amount; the seller's market registers it (the deal's market when the seller is outside the
    delta)."""
    seller = _party(uow, seller_org_id, "seller_org_id")
    buyer = _party(uow, buyer_org_id, "buyer_org_id")
    achievement = uow.achievements.get(achievement_id)
    if achievement is None:
        raise NotFound(f"成果 {achievement_id} 不存在")
    if isinstance(signed_on, datetime):
        signed_on = local_today(signed_on)
    data = {"title": achievement.title[:200], "contract_type": contract_type or _auction_contract_type(achievement),
            "field": achievement.field, "contract_amount_fen": amount_fen, "tech_amount_fen": amount_fen,
            "signed_on": signed_on}
    contract = _new_contract(uow, data=data, seller=seller, buyer=buyer, source=source,
                             market_code=registering_market(seller.province, market_code), now=now,
                             actor_id=actor_id, achievement_id=achievement.id, **refs)
    uow.flush()
    return contract


def _auction_contract_type(achievement) -> str:
    """An achievement offered only by licence is sold as a licence; otherwise the
    auction sells the rights (技术转让)."""
    modes = set(getattr(achievement, "transfer_modes", None) or ())
    if modes and modes <= {"普通许可", "独占许可"}:
        return "技术许可"
    return "技术转让"


# --- a demand closed by a deal -----------------------------------------------------------
def close_demand_by_deal(uow, *, actor_id: int, demand_id: int, data: dict, now: datetime) -> dict:
    """The enterprise (or its market's operator) closes its demand with the contract
    that met it; the demand's enterprise is the buyer."""
    with uow:
        user = load_actor(uow, actor_id)
        demand = get_or_404(uow.demands, demand_id, "需求")
        if not (user.operates(demand.market_code) or user.organisation_id == demand.enterprise_id):
            raise Forbidden("只有发布需求的企业或其市场运营人员可以成交关闭需求")
        if demand.status == "closed":
            raise Conflict("需求已关闭 (demand already closed)")
        seller = _party(uow, data.get("seller_org_id"), "seller_org_id")
        buyer = _party(uow, demand.enterprise_id, "buyer_org_id")
        values = dict(data)
        values.setdefault("title", demand.title[:200])
        if not values.get("field"):
            values["field"] = demand.field
        if not values.get("contract_type"):
            values["contract_type"] = DEAL_TYPES.get(demand.cooperation_mode or "", "技术开发")
        refs = {"demand_id": demand.id}
        if data.get("achievement_id") is not None:
            refs.update(_check_refs(uow, {"achievement_id": data["achievement_id"]}, seller, buyer))
        contract = _new_contract(uow, data=values, seller=seller, buyer=buyer, source="demand",
                                 market_code=registering_market(seller.province, demand.market_code),
                                 now=now, actor_id=user.id, **refs)
        uow.flush()
        demand.close(user.id, now, reason=f"成交: 技术合同 #{contract.id}")
        uow.commit()
        return contract_view(contract, with_history=True)


# --- registration and corrections -------------------------------------------------------
def _load(uow, contract_id: int, *, lock: bool = False) -> Contract:
    repo = uow.contracts
    contract = repo.get_for_update(contract_id) if lock else repo.get(contract_id)
    if contract is None:
        raise NotFound(f"合同 {contract_id} 不存在 (not found)")
    return contract


def _visible(uow, contract_id: int, user, *, lock: bool = False) -> Contract:
    contract = _load(uow, contract_id, lock=lock)
    if not contract.visible_to(user):
        raise NotFound(f"合同 {contract_id} 不存在 (not found)")
    return contract


def get_contract(uow, *, actor_id: int, contract_id: int) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        return contract_view(_visible(uow, contract_id, user), with_history=True)


def register_contract(uow, *, actor_id: int, contract_id: int, now: datetime,
                      registration_number: str | None = None) -> dict:
    """Register (认定登记). Without a number the market's next one is issued:
    market code, year, six-digit serial (SH2025000001)."""
    with uow:
        user = load_actor(uow, actor_id)
        contract = _visible(uow, contract_id, user, lock=True)
        contract.require_registrar(user)
        repo = uow.contracts
        year = local_today(now).year
        number = (registration_number or "").strip() or (
            f"{contract.market_code}{year}{repo.next_registration_serial(contract.market_code, year):06d}")
        other = repo.by_registration_number(number)
        if other is not None and other.id != contract.id:
            raise Conflict("登记编号已被使用 (registration number in use)", {"registration_number": ["已存在"]})
        contract.register(user, number, now)
        notify.on_contract_registered(uow, contract_id=contract.id, title=contract.title, registration_number=number,
                                      amount_fen=contract.contract_amount_fen, seller_org_id=contract.seller_org_id,
                                      buyer_org_id=contract.buyer_org_id, now=now)
        uow.commit()
        return contract_view(contract, with_history=True)


def refuse_contract(uow, *, actor_id: int, contract_id: int, reason: str, now: datetime) -> dict:
    return _act(uow, actor_id, contract_id, lambda c, u: c.refuse(u, reason, now))


def revoke_registration(uow, *, actor_id: int, contract_id: int, reason: str, now: datetime) -> dict:
    return _act(uow, actor_id, contract_id, lambda c, u: c.revoke(u, reason, now))


def resubmit_contract(uow, *, actor_id: int, contract_id: int, now: datetime) -> dict:
    return _act(uow, actor_id, contract_id, lambda c, u: c.resubmit(u, now))


def amend_contract(uow, *, actor_id: int, contract_id: int, changes: dict, now: datetime) -> dict:
    """Correct figures; every statistic reads the rows, so all move together."""
    return _act(uow, actor_id, contract_id, lambda c, u: c.amend(u, changes, now))


def _act(uow, actor_id, contract_id, action) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        contract = _visible(uow, contract_id, user, lock=True)
        action(contract, user)
        uow.commit()
        return contract_view(contract, with_history=True)


def list_contracts(uow, *, actor_id: int, status: str | None = None, market_code: str | None = None,
                   span: DateRange | None = None, page: int = 1, per_page: int = 20) -> dict:
    """Members see their organisation's contracts, operators their market's, the admin all."""
    with uow:
        user = load_actor(uow, actor_id)
        org_id = None
        if user.role == "member":
            org_id = user.organisation_id
        elif user.role == "operator":
            if market_code and market_code != user.market_code:
                raise Forbidden(f"只能查看本市场({user.market_code})登记的合同")
            market_code = user.market_code
        items, total = uow.contracts.list(status=status, market_code=market_code, org_id=org_id,
                                                span=span, page=page, per_page=per_page)
        return {"items": [contract_view(c) for c in items], "total": total, "page": page,
                "per_page": per_page}


# --- the CSV import of a market's contract register (read by market.domain.contract_register) ---
def _find_or_create_org(uow, name: str, province_text: str, credit_code: str | None, side: str, now):
    province = clean_province(province_text)
    if province is None:
        raise refused(f"{side}_province", f"未知省份: {province_text}")
    if credit_code:
        org = uow.organisations.by_credit_code(credit_code.strip().upper())
        if org is not None:
            return org
    org = uow.organisations.by_name(name, province)
    if org is None:
        try:
            org = Organisation(name=name, kind=guess_kind(name), province=province,
                               credit_code=credit_code or None, created_at=now)
        except ValidationFailed as exc:
            field, messages = next(iter(exc.errors.items()))
            raise refused(f"{side}_{field}", "; ".join(messages)) from exc
        uow.organisations.add(org)
        uow.flush()
    return org


def import_contract_register(uow, *, actor_id: int, market_code: str, filename: str, content: bytes,
                             now: datetime) -> dict:
    """Load a market's contract register (CSV). Keyed by (market, the register's
    contract number), so loading the same file again changes nothing; a changed
    amount corrects the contract and its history says so; a registration number
    registers the contract. A bad row is skipped and reported, never fatal."""
    rows = decode_register(content)
    counts = {"rows": len(rows), "created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    errors: list[dict] = []
    with uow:
        user = load_actor(uow, actor_id)
        require_market(uow, market_code)
        if not (user.role == "operator" and user.market_code == market_code):
            raise Forbidden(f"只有{market_code}市场的运营人员可以导入其合同登记表")
        for number, row in enumerate(rows, start=2):          # row 1 is the header
            try:
                with uow.contracts.savepoint():
                    outcome = _import_row(uow, user, market_code, row, now)
                counts[outcome] += 1
            except DomainError as exc:
                counts["rejected"] += 1
                errors.extend(_row_errors(number, row.get("external_id"), exc))
        run = ContractImportRun(market_code=market_code, actor_id=user.id, at=now, filename=filename[:255],
                                sha256=hashlib.sha256(content).hexdigest(), counts=counts, errors=errors)
        uow.contracts.add_import_run(run)
        uow.commit()
        return import_run_view(run)


def _row_errors(number: int, external_id, exc: DomainError) -> list[dict]:
    if exc.errors:
        return [{"row": number, "external_id": external_id, "field": field, "message": "; ".join(map(str, msgs))}
                for field, msgs in exc.errors.items()]
    return [{"row": number, "external_id": external_id, "field": None, "message": exc.message}]


def _import_row(uow, user, market_code: str, row: dict, now: datetime) -> str:
    values = row_values(row)
    repo = uow.contracts
    seller = _find_or_create_org(uow, row["seller_name"], row["seller_province"],
                                 row.get("seller_credit_code"), "seller", now)
    buyer = _find_or_create_org(uow, row["buyer_name"], row["buyer_province"],
                                row.get("buyer_credit_code"), "buyer", now)
    number = row.get("registration_number") or None
    if number:
        other = repo.by_registration_number(number)
        if other is not None and other.external_id != row["external_id"]:
            raise refused("registration_number", "登记编号已被其他合同使用")
    existing = repo.by_external_id(market_code, row["external_id"])
    if existing is None:
        contract = _new_contract(uow, data=values, seller=seller, buyer=buyer, source="import",
                                 market_code=market_code, now=now, actor_id=user.id,
                                 external_id=row["external_id"])
        if number:
            contract.register(user, number, now)
        return "created"
    if (existing.seller_org_id, existing.buyer_org_id) != (seller.id, buyer.id):
        raise refused("seller_name", "同一合同编号的当事方与已导入的不一致 (parties differ from the earlier import)")
    changed = bool(existing.amend(user, {k: values[k] for k in AMENDABLE}, now))
    if number and existing.status == "submitted":
        existing.register(user, number, now)
        changed = True
    elif number and existing.status == "registered" and existing.registration_number != number:
        raise refused("registration_number", "已登记合同的登记编号不能更改")
    return "updated" if changed else "unchanged"


def import_run_view(run: ContractImportRun) -> dict:
    return {k: getattr(run, k) for k in ("id", "market_code", "actor_id", "at", "filename", "sha256", "counts", "errors")}


def list_import_runs(uow, *, actor_id: int, market_code: str) -> list[dict]:
    with uow:
        user = load_actor(uow, actor_id)
        user.require_operator_of(market_code)
        return [import_run_view(r) for r in uow.contracts.import_runs(market_code)]


def get_import_run(uow, *, actor_id: int, market_code: str, run_id: int) -> dict:
    with uow:
        user = load_actor(uow, actor_id)
        user.require_operator_of(market_code)
        run = uow.contracts.import_run(run_id)
        if run is None or run.market_code != market_code:
            raise NotFound(f"导入记录 {run_id} 不存在")
        return import_run_view(run)
