"""GET /api/v1/audit: the audit trail as each reader may see it, as JSON pages or CSV; and the
request's part of every entry (who, from where, which request), read when an entry is made."""
from __future__ import annotations

import json
import re
import uuid

from flask import Response, g, has_request_context, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from market.adapters import exports, orm_audit
from market.services import audit as svc

from .deps import require_user, uow
from .fields import LocalDateTime
from .schemas import Choice, PageArgs, page_schema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                description="审计日志 (tamper-evident audit trail)")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
CSV_COLUMNS = ("seq", "at", "actor_id", "actor_role", "market_code", "request_id", "client_address",
               "entity", "action", "before", "after", "hash")


def request_id() -> str:
    """The caller's X-Request-Id when it is a sane token, else one of ours (once per request)."""
    if "audit_request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.audit_request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return g.audit_request_id


def request_context() -> dict:
    """Who is acting, for an audit entry: the signed-in user of this request, or the system
    (CLI, scheduler). Only a user already authenticated by the view is used: no token is read here."""
    if not has_request_context():
        return orm_audit._system_context()
    user = g.get("market_user")
    return {"actor_id": user["id"] if user else None,
            "actor_role": user["role"] if user else "anonymous",
            "market_code": user.get("market_code") if user else None,
            "request_id": request_id(), "client_address": request.remote_addr}


def init_audit(app) -> None:
    orm_audit.context_provider = request_context

    @app.after_request
    def _echo_request_id(response):
        if "audit_request_id" in g:
            response.headers["X-Request-Id"] = g.audit_request_id
        return response


class AuditArgs(PageArgs):
    entity = fields.String(validate=validate.Regexp(
        r"^[a-z_]{1,30}:[0-9]{1,18}$", error="应为 种类:编号，如 lot:5 (kind:id, e.g. lot:5)"),
        metadata={"description": "one entity, e.g. lot:5, deposit:3, user:12"})
    format = Choice(("json", "csv"), load_default="json", metadata={"description": "json | csv"})


class AuditEntryOut(Schema):
    seq = fields.Integer()
    at = LocalDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    market_code = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    client_address = fields.String(allow_none=True)
    entity = fields.String()
    action = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    hash = fields.String()


AuditPageOut = page_schema(AuditEntryOut, "AuditPage")


def _wants_csv(args: dict) -> bool:
    if args["format"] == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv" and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]


def _csv(items: list[dict]) -> Response:
    rows = [[LocalDateTime()._serialize(i["at"], "at", None) if c == "at"
             else json.dumps(i[c], ensure_ascii=False, sort_keys=True) if c in ("before", "after") and i[c] is not None
             else i[c] for c in CSV_COLUMNS] for i in items]
    response = Response(exports.to_csv(list(CSV_COLUMNS), rows), content_type=exports.CONTENT_TYPES["csv"])
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


@blp.route("")
class AuditEntries(MethodView):
    @blp.doc(responses={"200": {"description": "JSON page; CSV (UTF-8 with BOM) with format=csv or Accept: text/csv",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}},
                                            "text/csv": {"schema": {"type": "string"}}}}})
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPageOut)
    def get(self, args):
        """Audit entries, newest first: an operator sees its market's, the admin all, any other
        user its own (what it did, and what was done to its account)."""
        result = svc.list_entries(uow(), require_user(), entity=args.get("entity"),
                                  page=args["page"], per_page=args["per_page"])
        if _wants_csv(args):
            return _csv(result["items"])
        return result
