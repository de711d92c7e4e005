"""What every page blueprint shares: CSRF on every POST, errors shown as pages."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from market.domain.errors import DomainError

csrf = CSRFProtect()


def _error_page(exc: DomainError):
    """A page's error is a page (the API's is JSON), with the same message."""
    return render_template("web/error.html", status=exc.status, message=exc.message), exc.status


def _csrf_refused(exc: CSRFError):
    return render_template("web/error.html", status=400,
                           message="表单已过期或缺少安全令牌，请刷新页面后重试 (CSRF token missing or invalid)"), 400


def page_blueprint(name: str) -> Blueprint:
    bp = Blueprint(name, __name__)
    bp.before_request(lambda: csrf.protect())   # WTF_CSRF_CHECK_DEFAULT is off: the API needs none
    bp.register_error_handler(DomainError, _error_page)
    bp.register_error_handler(CSRFError, _csrf_refused)
    return bp
