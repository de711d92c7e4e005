"""Technology contracts (技术合同) on pages: the list a user may read, direct entry by a party or
the registering market's operator, and 认定登记 by an operator of the seller's market.

An auction sale's contract is recorded when the operator signs the winner's confirmation in the
console; this page registers it, so an auction day ends with a registered contract that the
statistics count. Entry is checked by the API's ContractIn schema (the same field messages)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from market.api.contracts import ContractIn, ContractRegisterIn
from market.api.deps import now, uow
from market.domain import taxonomy
from market.services import accounts
from market.services import contracts as svc

from .auction_forms import FormErrors, field_errors, form_body, load_form, signed_in_user
from .blueprints import page_blueprint

bp = page_blueprint("web_contracts")
PER_PAGE = 20
MAX_ORGANISATIONS = 200
STATUS_NAMES = ("submitted", "registered", "refused", "revoked")
SOURCES = {"direct": "直接录入", "auction": "拍卖成交", "demand_deal": "需求对接", "agreement": "协议成交",
           "import": "登记册导入"}


def _organisations() -> list[dict]:
    return accounts.list_organisations(uow(), per_page=MAX_ORGANISATIONS).items


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


@bp.route("/contracts")
def contracts():
    user = signed_in_user()
    status = request.args.get("status") or None
    result = svc.list_contracts(uow(), actor_id=user["id"], status=status if status in STATUS_NAMES else None,
                                page=_page_number(), per_page=PER_PAGE)
    return render_template("web/contracts.html", result=result, status=status, statuses=STATUS_NAMES,
                           sources=SOURCES)


@bp.route("/contracts/new", methods=["GET", "POST"])
def new_contract():
    """Direct entry: the parties, the type and field, both amounts in 元, the signing date."""
    user = signed_in_user()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            body = load_form(ContractIn(), form_body(
                money=("contract_amount", "tech_amount"), ids=("seller_org_id", "buyer_org_id", "achievement_id"),
                text=("title", "contract_type", "field", "signed_on", "market_code")))
        except FormErrors as exc:
            errors, status = field_errors(exc.errors), exc.status
        else:
            contract = svc.record_direct_contract(uow(), actor_id=user["id"], data=body, now=now())
            flash(f"技术合同「{contract['title']}」已录入，待认定登记")
            return redirect(url_for("web_contracts.contract", contract_id=contract["id"]))
    return render_template("web/contract_form.html", errors=errors, form=request.form,
                           organisations=_organisations(), contract_types=taxonomy.CONTRACT_TYPES,
                           fields=taxonomy.FIELDS, markets=taxonomy.MARKETS), status


@bp.route("/contracts/<int:contract_id>")
def contract(contract_id):
    return _render_contract(signed_in_user(), contract_id)


def _render_contract(user: dict, contract_id: int, errors: dict | None = None, status: int = 200):
    view = svc.get_contract(uow(), actor_id=user["id"], contract_id=contract_id)
    names = {i: accounts.get_organisation(uow(), i)["name"] for i in (view["seller_org_id"], view["buyer_org_id"])}
    registrar = user["role"] == "admin" or (user["role"] == "operator" and user["market_code"] == view["market_code"])
    return render_template("web/contract.html", c=view, names=names, registrar=registrar, sources=SOURCES,
                           errors=errors or {}), status


@bp.route("/contracts/<int:contract_id>/register", methods=["POST"])
def register(contract_id):
    """认定登记; without a number the market's next one is issued."""
    user = signed_in_user()
    try:
        body = load_form(ContractRegisterIn(), form_body(text=("registration_number",)))
    except FormErrors as exc:
        return _render_contract(user, contract_id, field_errors(exc.errors), exc.status)
    registered = svc.register_contract(uow(), actor_id=user["id"], contract_id=contract_id, now=now(),
                                       registration_number=body.get("registration_number"))
    flash(f"合同已认定登记，登记编号 {registered['registration_number']}")
    return redirect(url_for("web_contracts.contract", contract_id=contract_id))
