"""Technology contracts (技术合同) and their registration (认定登记).

A contract is the fact the regional statistics are built from. The seller's and
buyer's provinces are copied onto the contract when it is made: official
figures count a contract where its parties were when it was signed, and the
statistics must not move when an organisation later changes its address.

Only registered contracts count officially; registration is done by the
operators of the seller's market and nobody else (not even the regional admin:
认定登记 is a legal certification of that market's registry).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from market.domain.local_time import SHANGHAI

from . import taxonomy
from .errors import Forbidden, ValidationFailed
from .status import HistoryEntry, transition


STATUSES = ("submitted", "registered", "refused")
SOURCES = ("auction", "agreement", "demand", "direct", "import")
TRANSITIONS = {
    "register": ({"submitted"}, "registered"),
    "refuse": ({"submitted"}, "refused"),
    "resubmit": ({"refused"}, "submitted"),
    "revoke": ({"registered"}, "refused"),
}
MAX_TITLE, MAX_REASON, MAX_REGISTRATION_NUMBER = 200, 500, 40
#: Fields a correction may change; each change is kept in the history.
#: No technology contract predates the Technology Contract Law (技术合同法, 1987): an earlier
#: date is a typing error (1897 for 1987), and would open a statistics period of its own.
EARLIEST_SIGNED_ON = date(1987, 1, 1)
AMENDABLE = ("contract_amount_fen", "tech_amount_fen", "contract_type", "field", "signed_on", "title")

MARKET_OF_PROVINCE = {province: code for code, _, province in taxonomy.MARKETS}


class ContractHistory(HistoryEntry):
    pass


def clean_province(value: str | None) -> str | None:
    """'江苏省' -> '江苏', '境外'/'abroad' -> '境外'; None when unknown."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in ("abroad", "foreign", "境外", "国外", "海外"):
        return taxonomy.ABROAD
    return taxonomy.canonical_province(text)


def registering_market(seller_province: str, deal_market_code: str | None) -> str | None:
    """The market that registers a contract: the seller's own provincial market
    when the seller is in the delta, otherwise the market where the deal was made."""
    return MARKET_OF_PROVINCE.get(seller_province) or deal_market_code


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def amount_errors(contract_amount_fen: Any, tech_amount_fen: Any) -> dict[str, list[str]]:
    """The money rules: integer fen, a positive contract amount, and a technology
    transaction amount between 0 and the contract amount (技术交易额 ≤ 合同成交额)."""
    errors: dict[str, list[str]] = {}
    if not _is_int(contract_amount_fen):
        errors["contract_amount_fen"] = ["合同成交额必须是整数(分)"]
    elif contract_amount_fen <= 0:
        errors["contract_amount_fen"] = ["合同成交额必须大于0"]
    if not _is_int(tech_amount_fen):
        errors["tech_amount_fen"] = ["技术交易额必须是整数(分)"]
    elif tech_amount_fen < 0:
        errors["tech_amount_fen"] = ["技术交易额不能为负"]
    elif _is_int(contract_amount_fen) and tech_amount_fen > contract_amount_fen:
        errors["tech_amount_fen"] = ["技术交易额不能超过合同成交额 (tech amount exceeds contract amount)"]
    return errors


def _field_errors(data: dict, now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            errors["title"] = ["合同名称不能为空"]
        elif len(title) > MAX_TITLE:
            errors["title"] = [f"合同名称不能超过{MAX_TITLE}字"]
    if "contract_type" in data and data["contract_type"] not in taxonomy.CONTRACT_TYPES:
        errors["contract_type"] = [f"合同类型必须是以下之一: {'、'.join(taxonomy.CONTRACT_TYPES)}"]
    if "field" in data and data["field"] not in taxonomy.FIELDS:
        errors["field"] = [f"技术领域必须是以下之一: {'、'.join(taxonomy.FIELDS)}"]
    if "signed_on" in data:
        signed = data["signed_on"]
        if not isinstance(signed, date) or isinstance(signed, datetime):
            errors["signed_on"] = ["签订日期必须是日期"]
        elif signed > now.astimezone(SHANGHAI).date():
            errors["signed_on"] = ["签订日期不能晚于今天 (signed_on may not be in the future)"]
        elif signed < EARLIEST_SIGNED_ON:
            errors["signed_on"] = [f"签订日期不能早于 {EARLIEST_SIGNED_ON.isoformat()}（技术合同法）"
                                   f" (signed_on before {EARLIEST_SIGNED_ON.isoformat()})"]
    return errors


class Contract:
    """One technology contract between a seller and a buyer organisation."""

    history_class = ContractHistory

    def __init__(self, *, title: str, contract_type: str, field: str,
                 seller_org_id: int, seller_province: str, buyer_org_id: int, buyer_province: str,
                 contract_amount_fen: int, tech_amount_fen: int, signed_on: date, source: str,
                 market_code: str | None, now: datetime, achievement_id: int | None = None,
                 demand_id: int | None = None, lot_id: int | None = None,
                 external_id: str | None = None, created_by_id: int | None = None,
                 agreement_id: int | None = None, publicity_notice_id: int | None = None):
        seller_p, buyer_p = clean_province(seller_province), clean_province(buyer_province)
        errors = _field_errors(dict(title=title, contract_type=contract_type, field=field,
                                    signed_on=signed_on), now)
        errors.update(amount_errors(contract_amount_fen, tech_amount_fen))
        if seller_p is None:
            errors["seller_province"] = [f"未知省份: {seller_province}"]
        if buyer_p is None:
            errors["buyer_province"] = [f"未知省份: {buyer_province}"]
        if seller_org_id is not None and seller_org_id == buyer_org_id:
            errors["buyer_org_id"] = ["买方和卖方不能是同一机构"]
        if source not in SOURCES:
            errors["source"] = [f"来源必须是 {', '.join(SOURCES)} 之一"]
        registrar = registering_market(seller_p, market_code) if seller_p else market_code
        if registrar not in taxonomy.MARKET_CODES:
            errors["market_code"] = ["登记市场必须是 SH/JS/ZJ/AH 之一 (卖方不在长三角时需指定)"]
        elif market_code is not None and seller_p in MARKET_OF_PROVINCE and market_code != registrar:
            errors["market_code"] = [f"卖方位于{seller_p}，应由{registrar}市场认定登记 (seller's market registers)"]
        if errors:
            raise ValidationFailed("合同信息有误 (invalid contract)", errors)
        self.title = title.strip()
        self.contract_type, self.field = contract_type, field
        self.seller_org_id, self.seller_province = seller_org_id, seller_p
        self.buyer_org_id, self.buyer_province = buyer_org_id, buyer_p
        self.contract_amount_fen, self.tech_amount_fen = contract_amount_fen, tech_amount_fen
        self.signed_on = signed_on
        self._set_period()
        self.source, self.market_code = source, registrar
        self.achievement_id, self.demand_id, self.lot_id = achievement_id, demand_id, lot_id
        self.agreement_id, self.publicity_notice_id = agreement_id, publicity_notice_id
        self.external_id, self.created_by_id = external_id, created_by_id
        self.status = "submitted"
        self.registration_number: str | None = None
        self.refusal_reason: str | None = None
        self.registered_at: datetime | None = None
        self.registered_by_id: int | None = None
        self.created_at = self.updated_at = now
        self.history = [ContractHistory(at=now, from_status=None, to_status="submitted",
                                        actor_id=created_by_id, detail={"source": source})]

    def _set_period(self) -> None:
        """Year and month are stored beside the date so that grouping by year,
        quarter or month is integer arithmetic on every database."""
        self.signed_year, self.signed_month = self.signed_on.year, self.signed_on.month

    # --- who may do what ---------------------------------------------------
    def is_party(self, user) -> bool:
        org = getattr(user, "organisation_id", None)
        return org is not None and org in (self.seller_org_id, self.buyer_org_id)

    def is_registrar(self, user) -> bool:
        """An operator of the seller's (registering) market."""
        return (user is not None and getattr(user, "role", None) == "operator"
                and getattr(user, "market_code", None) == self.market_code)

    def require_registrar(self, user) -> None:
        if not self.is_registrar(user):
            raise Forbidden(f"只有卖方所在市场({self.market_code})的运营人员可以认定登记 "
                            f"(only operators of market {self.market_code} register this contract)")

    def visible_to(self, user) -> bool:
        """The parties, the registering market's operators (as in the list), the admin."""
        if user is None:
            return False
        return bool(getattr(user, "is_admin", False)) or self.is_party(user) or self.is_registrar(user)

    # --- registration -------------------------------------------------------
    @property
    def counts_officially(self) -> bool:
        return self.status == "registered"

    def register(self, user, registration_number: str, now: datetime) -> None:
        self.require_registrar(user)
        number = (registration_number or "").strip()
        if not number:
            raise ValidationFailed.on("registration_number", "登记编号不能为空")
        if len(number) > MAX_REGISTRATION_NUMBER:
            raise ValidationFailed.on("registration_number", f"登记编号不能超过{MAX_REGISTRATION_NUMBER}字符")
        transition(self, "register", TRANSITIONS, actor_id=getattr(user, "id", None), now=now,
                   detail={"registration_number": number}, label="合同", kind="contract")
        self.registration_number, self.refusal_reason = number, None
        self.registered_at, self.registered_by_id = now, getattr(user, "id", None)

    def refuse(self, user, reason: str, now: datetime) -> None:
        self.require_registrar(user)
        reason = _reason(reason, "不予登记必须说明理由")
        transition(self, "refuse", TRANSITIONS, actor_id=getattr(user, "id", None), now=now,
                   reason=reason, label="合同", kind="contract")
        self.refusal_reason = reason

    def revoke(self, user, reason: str, now: datetime) -> None:
        """Withdraw a registration found to be wrong; the contract leaves the official figures."""
        self.require_registrar(user)
        reason = _reason(reason, "撤销登记必须说明理由")
        old = self.registration_number
        transition(self, "revoke", TRANSITIONS, actor_id=getattr(user, "id", None), now=now,
                   reason=reason, detail={"registration_number": old}, label="合同", kind="contract")
        self.registration_number, self.registered_at, self.registered_by_id = None, None, None
        self.refusal_reason = reason

    def resubmit(self, user, now: datetime) -> None:
        if not (self.is_party(user) or self.is_registrar(user)):
            raise Forbidden("只有合同当事方或登记市场可以重新提交 (parties or the registering market only)")
        transition(self, "resubmit", TRANSITIONS, actor_id=getattr(user, "id", None), now=now,
                   label="合同", kind="contract")
        self.refusal_reason = None

    # --- corrections ------------------------------------------------------------
    def amend(self, user, changes: dict, now: datetime) -> dict:
        """Correct the figures. Parties may correct an unregistered contract; once
        registered only the registering market may (a registered figure is official).
        Returns {field: [old, new]} of what really changed."""
        if self.status == "registered":
            self.require_registrar(user)
        elif not (self.is_party(user) or self.is_registrar(user)
                  or getattr(user, "is_admin", False)):
            raise Forbidden("只有合同当事方或登记市场可以修改合同 (parties or the registering market only)")
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise ValidationFailed("不能修改这些字段", {k: ["不可修改"] for k in sorted(unknown)})
        errors = _field_errors(changes, now)
        errors.update(amount_errors(changes.get("contract_amount_fen", self.contract_amount_fen),
                                    changes.get("tech_amount_fen", self.tech_amount_fen)))
        if errors:
            raise ValidationFailed("合同信息有误 (invalid contract)", errors)
        diff = {}
        for key, value in changes.items():
            if key == "title":
                value = value.strip()
            old = getattr(self, key)
            if old != value:
                diff[key] = [_jsonable(old), _jsonable(value)]
                setattr(self, key, value)
        if diff:
            self._set_period()
            self.updated_at = now
            self.history.append(ContractHistory(at=now, from_status=self.status, to_status=self.status,
                                                actor_id=getattr(user, "id", None), reason="amend",
                                                detail=diff))
        return diff


def _reason(reason: str | None, message: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed.on("reason", message)
    if len(text) > MAX_REASON:
        raise ValidationFailed.on("reason", f"理由不能超过{MAX_REASON}字")
    return text


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


class ContractImportRun:
    """One load of a market's contract register: who, when, which file, what happened."""

    def __init__(self, *, market_code: str, actor_id: int | None, at: datetime, filename: str,
                 sha256: str, counts: dict, errors: list[dict]):
        self.market_code, self.actor_id, self.at = market_code, actor_id, at
        self.filename, self.sha256 = filename, sha256
        self.counts, self.errors = counts, errors
