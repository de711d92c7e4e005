"""Technology contracts (技术合同): direct entry, deals closing a demand,
registration by the seller's market, corrections, and the import of a market's
contract register (CSV)."""
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from market.domain import taxonomy
from market.domain.contracts import MAX_REASON, MAX_REGISTRATION_NUMBER, STATUSES
from market.domain.errors import ValidationFailed
from market.domain.stats import parse_range
from market.services import contracts as svc
from market.domain.local_time import local_today

from .deps import now, require_user, uow
from .fields import LocalDateTime
from .schemas import Choice, HistoryOut, Id, Money, PageArgs, page_schema

blp = Blueprint("contracts", __name__, url_prefix="/api/v1/contracts",
                description="技术合同与认定登记 (technology contracts and their registration)")


def _amounts_in_order(data):
    contract, tech = data.get("contract_amount_fen"), data.get("tech_amount_fen")
    if contract is not None and tech is not None and tech > contract:
        raise ValidationError("技术交易额不能超过合同成交额 (tech amount exceeds contract amount)", "tech_amount_fen")


class ContractFields(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    contract_type = Choice(taxonomy.CONTRACT_TYPES, metadata={"description": "技术开发/技术转让/技术许可/技术咨询/技术服务"})
    field = Choice(taxonomy.FIELDS)
    contract_amount_fen = Money(metadata={"description": "合同成交额 (fen)"})
    tech_amount_fen = Money(metadata={"description": "技术交易额 (fen), ≤ contract_amount_fen"})
    signed_on = fields.Date()

    @validates_schema
    def _amounts(self, data, **kwargs):
        _amounts_in_order(data)


class ContractIn(ContractFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contract_type = Choice(taxonomy.CONTRACT_TYPES, required=True)
    field = Choice(taxonomy.FIELDS, required=True)
    contract_amount_fen = Money(required=True)
    tech_amount_fen = Money(required=True)
    signed_on = fields.Date(required=True)
    seller_org_id = Id(required=True)
    buyer_org_id = Id(required=True)
    market_code = Choice(taxonomy.MARKET_CODES, allow_none=True, metadata={
        "description": "registering market; defaults to the seller's provincial market (required if the seller is outside the delta)"})
    achievement_id = Id(allow_none=True)
    demand_id = Id(allow_none=True)


class ContractPatch(ContractFields):
    pass


class ContractDemandDealIn(ContractFields):
    demand_id = Id(required=True)
    seller_org_id = Id(required=True)
    achievement_id = Id(allow_none=True)
    contract_amount_fen = Money(required=True)
    tech_amount_fen = Money(required=True)
    signed_on = fields.Date(required=True)


class ContractRegisterIn(Schema):
    registration_number = fields.String(validate=validate.Length(max=MAX_REGISTRATION_NUMBER), allow_none=True,
                                        metadata={"description": "omit to issue the market's next number"})


class ContractReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class ContractOut(Schema):
    id = fields.Integer()
    title = fields.String()
    contract_type = fields.String()
    field = fields.String()
    seller_org_id = fields.Integer()
    seller_province = fields.String()
    buyer_org_id = fields.Integer()
    buyer_province = fields.String()
    contract_amount_fen = fields.Integer()
    tech_amount_fen = fields.Integer()
    signed_on = fields.Date()
    source = fields.String()
    market_code = fields.String()
    achievement_id = fields.Integer(allow_none=True)
    demand_id = fields.Integer(allow_none=True)
    lot_id = fields.Integer(allow_none=True)
    agreement_id = fields.Integer(allow_none=True, metadata={"description": "协议成交: the agreement it came from"})
    publicity_notice_id = fields.Integer(allow_none=True, metadata={"description": "公示: the agreement's notice"})
    external_id = fields.String(allow_none=True)
    status = fields.String()
    registration_number = fields.String(allow_none=True)
    refusal_reason = fields.String(allow_none=True)
    registered_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    history = fields.List(fields.Nested(HistoryOut))


ContractPage = page_schema(ContractOut, "ContractPage")


class ContractListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE
    status = Choice(STATUSES)
    market = Choice(taxonomy.MARKET_CODES)
    from_ = fields.String(data_key="from", metadata={"description": "2025, 2025Q1, 2025-03 or 2025-03-15"})
    to = fields.String()


class ContractImportRowErrorOut(Schema):
    row = fields.Integer()
    external_id = fields.String(allow_none=True)
    field = fields.String(allow_none=True)
    message = fields.String()


class ContractImportRunOut(Schema):
    id = fields.Integer()
    market_code = fields.String()
    actor_id = fields.Integer(allow_none=True)
    at = LocalDateTime()
    filename = fields.String()
    sha256 = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    errors = fields.List(fields.Nested(ContractImportRowErrorOut))


class ContractRegisterUploadIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "CSV (UTF-8 or GB18030) of the market's contract register"})


@blp.route("")
class Contracts(MethodView):
    @blp.arguments(ContractListArgs, location="query")
    @blp.response(200, ContractPage)
    def get(self, args):
        """Members see their organisation's contracts, operators their market's, the admin all."""
        span = None
        if args.get("from_") or args.get("to"):
            span = parse_range(args.get("from_"), args.get("to"), today=local_today(now()))
        return svc.list_contracts(uow(), actor_id=require_user()["id"], status=args.get("status"),
                                  market_code=args.get("market"), span=span, page=args["page"],
                                  per_page=args["per_page"])

    @blp.arguments(ContractIn)
    @blp.response(201, ContractOut)
    def post(self, body):
        """Direct entry by a member of either party (or the registering market's operator); starts as submitted."""
        return svc.record_direct_contract(uow(), actor_id=require_user()["id"], data=body, now=now())


@blp.route("/demand-deals")
class DemandDeals(MethodView):
    @blp.arguments(ContractDemandDealIn)
    @blp.response(201, ContractOut)
    def post(self, body):
        """Close a demand with the contract that met it (the demand's enterprise is the buyer)."""
        demand_id = body.pop("demand_id")
        return svc.close_demand_by_deal(uow(), actor_id=require_user()["id"], demand_id=demand_id,
                                        data=body, now=now())


@blp.route("/<int:contract_id>")
class ContractItem(MethodView):
    @blp.response(200, ContractOut)
    def get(self, contract_id):
        return svc.get_contract(uow(), actor_id=require_user()["id"], contract_id=contract_id)

    @blp.arguments(ContractPatch)
    @blp.response(200, ContractOut)
    def patch(self, body, contract_id):
        """Correct figures (parties before registration; the registering market after)."""
        return svc.amend_contract(uow(), actor_id=require_user()["id"], contract_id=contract_id,
                                  changes=body, now=now())


@blp.route("/<int:contract_id>/register")
class ContractRegister(MethodView):
    @blp.arguments(ContractRegisterIn)
    @blp.response(200, ContractOut)
    def post(self, body, contract_id):
        """认定登记 by an operator of the seller's market."""
        return svc.register_contract(uow(), actor_id=require_user()["id"], contract_id=contract_id,
                                     registration_number=body.get("registration_number"), now=now())


@blp.route("/<int:contract_id>/refuse")
class ContractRefuse(MethodView):
    @blp.arguments(ContractReasonIn)
    @blp.response(200, ContractOut)
    def post(self, body, contract_id):
        return svc.refuse_contract(uow(), actor_id=require_user()["id"], contract_id=contract_id,
                                   reason=body["reason"], now=now())


@blp.route("/<int:contract_id>/revoke")
class ContractRevoke(MethodView):
    @blp.arguments(ContractReasonIn)
    @blp.response(200, ContractOut)
    def post(self, body, contract_id):
        """Withdraw a registration (the contract leaves the official figures)."""
        return svc.revoke_registration(uow(), actor_id=require_user()["id"], contract_id=contract_id,
                                       reason=body["reason"], now=now())


@blp.route("/<int:contract_id>/resubmit")
class ContractResubmit(MethodView):
    @blp.response(200, ContractOut)
    def post(self, contract_id):
        return svc.resubmit_contract(uow(), actor_id=require_user()["id"], contract_id=contract_id, now=now())


@blp.route("/imports/<string:market_code>")
class ContractImports(MethodView):
    @blp.arguments(ContractRegisterUploadIn, location="files")
    @blp.response(201, ContractImportRunOut)
    def post(self, files, market_code):
        """Import the market's contract register (CSV; operators of that market).
        Columns (English or Chinese header): external_id/合同编号, title/合同名称,
        contract_type/合同类型, field/技术领域, seller_name/卖方, seller_credit_code,
        seller_province/卖方省份, buyer_name/买方, buyer_credit_code, buyer_province/买方省份,
        contract_amount/合同成交额 and tech_amount/技术交易额 (元, or with 万元), signed_on/签订日期,
        registration_number/登记编号 (optional: registers the row). Idempotent by
        (market, external_id); bad rows are reported, not fatal."""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed.on("file", "请上传文件 (multipart field 'file')")
        return svc.import_contract_register(uow(), actor_id=require_user()["id"], market_code=market_code,
                                            filename=upload.filename or "upload.csv", content=upload.read(),
                                            now=now())

    @blp.response(200, ContractImportRunOut(many=True))
    def get(self, market_code):
        return svc.list_import_runs(uow(), actor_id=require_user()["id"], market_code=market_code)


@blp.route("/imports/<string:market_code>/<int:run_id>")
class ContractImportRunItem(MethodView):
    @blp.response(200, ContractImportRunOut)
    def get(self, market_code, run_id):
        return svc.get_import_run(uow(), actor_id=require_user()["id"], market_code=market_code, run_id=run_id)
