"""Domain errors. Each carries the HTTP status the API answers with, so one
handler can turn any of them into the project's single JSON error shape."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_message = "请求无效 (bad request)"

    def __init__(self, message: str | None = None, errors: dict | None = None):
        self.message = message or self.default_message
        self.errors = errors or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status = 422
    default_message = "输入有误 (validation failed)"

    @classmethod
    def on(cls, field: str, message: str) -> "ValidationFailed":
        return cls(f"{field}: {message}", {field: [message]})


class Unauthorized(DomainError):
    status = 401
    default_message = "需要登录 (authentication required)"


class Forbidden(DomainError):
    status = 403
    default_message = "无权操作 (forbidden)"


class NotFound(DomainError):
    status = 404
    default_message = "不存在 (not found)"


class Conflict(DomainError):
    status = 409
    default_message = "状态冲突 (conflict)"


class IllegalTransition(Conflict):
    default_message = "不允许的状态转换 (illegal status transition)"


class StaleWrite(Conflict):
    """A write conditional on the version read found the row moved (another process changed it
    first). Raised by the unit of work, so services need not know the storage's own exception."""
    default_message = "数据已被同时修改，请重试 (changed meanwhile, retry)"


class DuplicateWrite(Conflict):
    """A unique constraint refused the write: someone wrote the same thing first."""
    default_message = "记录已存在 (already recorded)"


class TooManyRequests(DomainError):
    status = 429
    default_message = "请求过于频繁 (too many requests)"


class ServiceUnavailable(DomainError):
    status = 503
    default_message = "服务暂不可用 (service unavailable)"
