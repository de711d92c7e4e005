"""My achievements (universities, institutes) and my demands (companies): create, edit a draft,
submit for review, withdraw or close; the review's comments and the status history.

Both kinds run through one set of routes driven by a `Kind` table: the API's own schemas
(`AchievementIn`, `DemandIn` and their patches) validate the form, the same service functions as
the API act, so a page refuses exactly what the API refuses, with the same field messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import abort, render_template, request
from marshmallow import Schema

from market.adapters.repository import ListingFilter
from market.api.deps import now, uow
from market.api.schemas import AchievementIn, AchievementPatch, DemandIn, DemandPatch
from market.domain import taxonomy
from market.domain.errors import DomainError
from market.services import achievements as achievements_svc
from market.services import demands as demands_svc

from .blueprints import page_blueprint
from .forms import back_with_refusal, done, form_values, load, refusal, signed_in

bp = page_blueprint("web_listings")
PER_PAGE = 20

_MARKETS = [(code, name) for code, name, _ in taxonomy.MARKETS]


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


@dataclass(frozen=True)
class Kind:
    """One kind of listing a member keeps: its words, schemas, form and service functions."""
    name: str                       # achievements | demands
    label: str                      # 科技成果 | 技术需求
    status_kind: str                # achievement | demand (for status labels)
    create_schema: Schema
    patch_schema: Schema
    spec: dict                      # form field -> kind (text, money, list, multi)
    fields: list                    # what the form shows: (name, label, widget, choices, hint)
    service: dict = field(default_factory=dict)   # verb -> service function
    actions: dict = field(default_factory=dict)   # action -> (label, statuses it is offered in)


ACHIEVEMENT_FIELDS = [
    ("title", "成果名称", "text", None, "必填，不超过 200 字"),
    ("abstract", "成果简介", "textarea", None, "技术内容、创新点、应用场景"),
    ("keywords", "关键词", "text", None, "多个关键词用逗号分隔"),
    ("ip_type", "知识产权类型", "select", _choices(taxonomy.IP_TYPES), "必填"),
    ("application_numbers", "专利申请号", "text", None, "如 ZL202110123456.7，多个用逗号分隔"),
    ("field", "技术领域", "select", _choices(taxonomy.FIELDS), "必填"),
    ("maturity", "成熟度", "select", _choices(taxonomy.MATURITIES), None),
    ("transfer_modes", "交易方式", "checkboxes", _choices(taxonomy.TRANSFER_MODES), None),
    ("price_fen", "挂牌价格（元）", "money", None, "留空表示面议"),
    ("market_code", "技术交易市场", "select", _MARKETS, "默认为本单位所在省的市场"),
    ("city", "所在城市", "text", None, None),
]
DEMAND_FIELDS = [
    ("title", "需求名称", "text", None, "必填，不超过 200 字"),
    ("description", "需求描述", "textarea", None, "要解决的技术问题、指标要求"),
    ("field", "技术领域", "select", _choices(taxonomy.FIELDS), None),
    ("budget_min_fen", "预算下限（元）", "money", None, None),
    ("budget_max_fen", "预算上限（元）", "money", None, None),
    ("deadline", "截止日期", "date", None, "征集截止日（北京时间）"),
    ("cooperation_mode", "合作方式", "select", _choices(taxonomy.COOPERATION_MODES), None),
    ("market_code", "技术交易市场", "select", _MARKETS, "默认为本企业所在省的市场"),
    ("city", "所在城市", "text", None, None),
]

KINDS = {
    "achievements": Kind(
        "achievements", "科技成果", "achievement", AchievementIn(), AchievementPatch(),
        spec={"title": "text", "abstract": "text", "keywords": "list", "ip_type": "text",
              "application_numbers": "list", "field": "text", "maturity": "text", "transfer_modes": "multi",
              "price_fen": "money", "market_code": "text", "city": "text"},
        fields=ACHIEVEMENT_FIELDS,
        service={"create": achievements_svc.create_achievement, "update": achievements_svc.update_achievement,
                 "get": achievements_svc.get_achievement, "mine": achievements_svc.list_own_achievements,
                 "submit": achievements_svc.submit_achievement, "withdraw": achievements_svc.withdraw_achievement,
                 "reopen": achievements_svc.reopen_achievement},
        actions={"submit": ("提交审核", ("draft",)), "withdraw": ("撤回", ("draft", "pending_review", "published")),
                 "reopen": ("重新编辑", ("withdrawn",))}),
    "demands": Kind(
        "demands", "技术需求", "demand", DemandIn(), DemandPatch(),
        spec={"title": "text", "description": "text", "field": "text", "budget_min_fen": "money",
              "budget_max_fen": "money", "deadline": "text", "cooperation_mode": "text", "market_code": "text",
              "city": "text"},
        fields=DEMAND_FIELDS,
        service={"create": demands_svc.create_demand, "update": demands_svc.update_demand,
                 "get": demands_svc.get_demand, "mine": demands_svc.list_own_demands,
                 "submit": demands_svc.submit_demand, "close": demands_svc.close_demand},
        actions={"submit": ("提交审核", ("draft",)), "close": ("关闭需求", ("draft", "pending_review", "open"))}),
}
#: the id argument each kind's service functions take
_ID_ARG = {"achievements": "achievement_id", "demands": "demand_id"}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _get(k: Kind, ident: int, user: dict) -> dict:
    args = {"viewer_id": user["id"]}
    if k.name == "demands":
        args["now"] = now()
    return k.service["get"](uow(), ident, **args)


@bp.route("/my/<kind>")
def mine(kind):
    """Every listing of my organisation, in every status, newest first."""
    k, user = _kind(kind), signed_in()
    status = request.args.get("status") or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    f = ListingFilter(page=min(page, 10_000), per_page=PER_PAGE)
    args = {"actor_id": user["id"], "f": f, "status": status}
    if k.name == "demands":
        args["now"] = now()
    result = k.service["mine"](uow(), **args)
    return render_template("web/my_listings.html", k=k, result=result, status=status)


def _render_form(k: Kind, values: dict, errors: dict, item: dict | None = None, message: str | None = None,
                 status: int = 200):
    shown = [f for f in k.fields if not (item and f[0] == "market_code" and k.name == "demands")]
    return render_template("web/listing_form.html", k=k, fields=shown, values=values, errors=errors,
                           item=item, message=message), status


@bp.route("/my/<kind>/new", methods=["GET", "POST"])
def create(kind):
    k, user = _kind(kind), signed_in()
    if request.method == "GET":
        return _render_form(k, {}, {})
    data, errors = form_values(request.form, k.create_schema, k.spec)
    body, errors = load(k.create_schema, data, errors)
    if body is None:
        return _render_form(k, request.form, errors, message="请修改标红的项目后再保存", status=422)
    try:
        view = k.service["create"](uow(), actor_id=user["id"], data=body, now=now())
    except DomainError as exc:
        message, fields = refusal(exc)
        return _render_form(k, request.form, fields, message=message, status=exc.status)
    return done(f"已保存草稿：{view['title']}", "web_listings.item", kind=kind, ident=view["id"])


@bp.route("/my/<kind>/<int:ident>")
def item(kind, ident):
    """The listing as its owner sees it: fields, the reviewer's comment, history, next actions."""
    k, user = _kind(kind), signed_in()
    view = _get(k, ident, user)
    actions = [(name, label) for name, (label, statuses) in k.actions.items() if view["status"] in statuses]
    return render_template("web/my_listing.html", k=k, item=view, actions=actions)


def _form_of(k: Kind, view: dict) -> dict:
    """A view's values as the form shows them (money in 元, lists comma separated)."""
    values = {}
    for name, spec in k.spec.items():
        value = view.get(name)
        if spec == "money":
            values[name] = "" if value is None else f"{value / 100:.2f}".removesuffix(".00")
        elif spec == "list":
            values[name] = "，".join(value or [])
        elif name == "market_code":
            values[name] = view.get("market_code")
        else:
            values[name] = value if value is not None else ""
    return values


@bp.route("/my/<kind>/<int:ident>/edit", methods=["GET", "POST"])
def edit(kind, ident):
    k, user = _kind(kind), signed_in()
    view = _get(k, ident, user)
    if request.method == "GET":
        return _render_form(k, _form_of(k, view), {}, item=view)
    spec = {n: s for n, s in k.spec.items() if not (k.name == "demands" and n == "market_code")}
    data, errors = form_values(request.form, k.patch_schema, spec, editing=True)
    if k.name == "achievements" and data.get("market_code") in (None, view["market_code"]):
        data.pop("market_code", None)        # unchanged: not a move to another market
    changes, errors = load(k.patch_schema, data, errors)
    if changes is None:
        return _render_form(k, request.form, errors, item=view, message="请修改标红的项目后再保存", status=422)
    try:
        k.service["update"](uow(), actor_id=user["id"], changes=changes, now=now(), **{_ID_ARG[kind]: ident})
    except DomainError as exc:
        message, fields = refusal(exc)
        return _render_form(k, request.form, fields, item=view, message=message, status=exc.status)
    return done("修改已保存", "web_listings.item", kind=kind, ident=ident)


@bp.route("/my/<kind>/<int:ident>/<action>", methods=["POST"])
def act(kind, ident, action):
    """Submit, withdraw, reopen or close: one button each, with an optional reason."""
    k, user = _kind(kind), signed_in()
    if action not in k.actions:
        abort(404)
    args: dict = {"actor_id": user["id"], "now": now(), _ID_ARG[kind]: ident}
    if action in ("withdraw", "close"):
        args["reason"] = (request.form.get("reason") or "").strip()[:2000] or None
    verb: Callable = k.service[action]
    try:
        verb(uow(), **args)
    except DomainError as exc:
        return back_with_refusal(exc, "web_listings.item", kind=kind, ident=ident)
    return done(f"已{k.actions[action][0]}", "web_listings.item", kind=kind, ident=ident)
