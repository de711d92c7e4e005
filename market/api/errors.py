"""One JSON error shape for every failure:
{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {"field": ["..."]}}"""
from __future__ import annotations

import logging
import math
import time
from http import HTTPStatus

from flask import jsonify
from werkzeug.exceptions import HTTPException

from market.domain.errors import DomainError

log = logging.getLogger(__name__)

_DEFAULT_MESSAGES = {
    400: "请求格式错误 (bad request)",
    401: "需要登录 (authentication required)",
    403: "无权操作 (forbidden)",
    404: "不存在 (not found)",
    405: "不支持的请求方法 (method not allowed)",
    409: "状态冲突 (conflict)",
    413: "请求体过大 (payload too large)",
    415: "不支持的内容类型 (unsupported media type)",
    422: "输入有误 (validation failed)",
    429: "请求过于频繁，请稍后再试 (too many requests)",
    500: "服务器内部错误 (internal server error)",
}


def error_response(code: int, message: str | None = None, errors: dict | None = None, headers=None):
    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message or _DEFAULT_MESSAGES.get(code, HTTPStatus(code).phrase),
        "errors": errors or {},
    }
    response = jsonify(body)
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten(messages) -> dict:
    """webargs nests messages by location ({"json": {...}, "query": {...}}); clients
    want field names. Schema-level errors come as `_schema`."""
    if not isinstance(messages, dict):
        return {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, value in fields.items():
                flat[name] = value
        else:
            flat[location] = fields
    return flat


def handle_domain_error(exc: DomainError):
    headers = {}
    if exc.status == 429:
        headers["Retry-After"] = str(getattr(exc, "retry_after", None) or _limiter_retry_after())
    return error_response(exc.status, exc.message, exc.errors, headers)


def _limiter_retry_after() -> int:
    """Seconds until the limit that refused this request lets the client in again (a 429 always
    says when to come back; 60 if the limiter cannot tell)."""
    from .deps import limiter   # deps imports nothing from here; late only to keep errors light
    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:   # noqa: BLE001 - the header still goes out
        log.debug("no current rate limit to read Retry-After from", exc_info=True)
    return 60


def handle_http_exception(exc: HTTPException):
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten(data["messages"]) if "messages" in data else {}
    message = None
    if code == 422 and errors:
        first = next(iter(errors.items()))
        message = f"输入有误: {first[0]}"
    elif code == 400 and "json" in errors:
        message = "请求体不是有效的 JSON (malformed JSON)"
        errors = {"json": [message]}
    headers = dict(data.get("headers") or {})
    if code == 429:
        message = _DEFAULT_MESSAGES[429]
        headers.setdefault("Retry-After", str(_limiter_retry_after()))
    valid_methods = getattr(exc, "valid_methods", None)
    if valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return error_response(code, message, errors, headers)


def handle_unexpected(exc: Exception):
    log.exception("unhandled error")
    return error_response(500)


def register_error_handlers(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
