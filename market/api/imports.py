"""Federated import of a market's feed (multipart upload) and its run reports."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from market.domain.errors import ValidationFailed
from market.domain.taxonomy import MARKET_CODES
from market.services import imports as svc

from .deps import now, require_user, uow
from .fields import LocalDateTime
from .schemas import PageArgs, page_schema

blp = Blueprint("imports", __name__, url_prefix="/api/v1/markets",
                description="市场数据导入 (federated import of the markets' feeds)")


class FeedUploadIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "the market's export file"})


class FeedUploadArgs(Schema):
    kind = fields.String(validate=validate.OneOf(("achievements", "demands")),
                         metadata={"description": "optional: refuse the file if it is not this kind"})


class FeedRowErrorOut(Schema):
    row = fields.Integer()
    external_id = fields.String(allow_none=True)
    field = fields.String()
    reason = fields.String()


class FeedHeaderOut(Schema):
    found = fields.List(fields.String(), metadata={"description": "the columns (keys) the file had"})
    unknown = fields.List(fields.String(), metadata={"description": "not in the market's format: ignored"})
    missing_optional = fields.List(fields.String(), metadata={"description": "documented optional columns absent"})


class FeedCountsOut(Schema):
    rows_read = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    withdrawn = fields.Integer()
    rejected = fields.Integer()


class FeedRunOut(Schema):
    id = fields.Integer()
    market_code = fields.String()
    kind = fields.String()
    filename = fields.String()
    file_hash = fields.String(metadata={"description": "SHA-256 of the file"})
    size_bytes = fields.Integer()
    actor_id = fields.Integer(allow_none=True)
    status = fields.String()
    started_at = LocalDateTime()
    finished_at = LocalDateTime(allow_none=True)
    counts = fields.Nested(FeedCountsOut)
    reconciles = fields.Boolean()
    header = fields.Nested(FeedHeaderOut, allow_none=True)
    errors = fields.List(fields.Nested(FeedRowErrorOut))
    warnings = fields.List(fields.Nested(FeedRowErrorOut), metadata={
        "description": "rows kept with a deliberate change (markup removed, list capped, place not placed), "
                       "and row 0: unknown or missing optional columns"})


FeedRunPage = page_schema(FeedRunOut, "FeedRunPage")


class FeedRunArgs(Schema):
    error_limit = fields.Integer(validate=validate.Range(min=1, max=100_000),
                                 metadata={"description": "at most this many row errors and warnings (default: all)"})


def _market(code: str) -> str:
    code = code.upper()
    if code not in MARKET_CODES:
        raise ValidationFailed.on("code", f"未知市场: {code} (SH/JS/ZJ/AH)")
    return code


@blp.route("/<string:code>/imports")
class Imports(MethodView):
    @blp.arguments(FeedUploadArgs, location="query")
    @blp.arguments(FeedUploadIn, location="files")
    @blp.response(201, FeedRunOut)
    def post(self, args, files, code):
        """Upload one export file of the market (operator of that market or admin); returns the run report."""
        upload = files["file"]
        return svc.import_feed(uow(), _market(code), upload.stream, upload.filename or "upload",
                               require_user()["id"], now(), kind=args.get("kind"))

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, FeedRunPage)
    def get(self, args, code):
        """The market's import runs, newest first (without row errors)."""
        return svc.list_runs(uow(), _market(code), require_user()["id"], args["page"], args["per_page"])


@blp.route("/<string:code>/imports/<int:run_id>")
class ImportRunItem(MethodView):
    @blp.arguments(FeedRunArgs, location="query")
    @blp.response(200, FeedRunOut)
    def get(self, args, code, run_id):
        """One run with its row errors and warnings (row, the market's id, column, reason)."""
        return svc.get_run(uow(), _market(code), run_id, require_user()["id"], args.get("error_limit"))
