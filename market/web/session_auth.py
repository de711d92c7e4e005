"""Signing in to the pages: a session cookie that carries the API's own bearer token.

Logging in goes through `accounts.login` (the same throttling and password checks as
POST /api/v1/auth/login); every page request authenticates the token again, so a logout or a
password change anywhere ends the page session too."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from market.api.auth import _login_limit
from market.api.deps import account_throttle, auth_cache_seconds, limiter, now, revocations, services, uow
from market.domain.errors import DomainError
from market.services import accounts
from .blueprints import page_blueprint

bp = page_blueprint("web_auth")


class LoginForm(FlaskForm):
    email = EmailField("邮箱", validators=[DataRequired("请填写邮箱"), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=1024)])


def page_user() -> dict | None:
    """The signed-in user of this page request, or None (an ended token clears the session)."""
    if "page_user" not in g:
        token = session.get("token")
        user = None
        if token:
            extra = services().extra
            user = accounts.authenticate(uow(), token, now(), max_age=auth_cache_seconds(),
                                         cache=extra["token_cache"], revocations=revocations())
            if user is None:
                session.clear()
        g.page_user = user
    return g.page_user


@bp.app_context_processor
def _user_in_templates() -> dict:
    return {"page_user": page_user}


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web_catalogue.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])   # per client address, as POST /api/v1/auth/login
def login():
    form = LoginForm()
    error, status, headers = None, 200, {}
    if request.method == "POST" and not form.validate():
        status = 422
    elif request.method == "POST":
        try:
            answer = accounts.login(uow(), services().hasher, email=form.email.data, password=form.password.data,
                                    now=now(), ttl_hours=current_app.config["TOKEN_TTL_HOURS"],
                                    throttle=account_throttle())
        except DomainError as exc:   # wrong password (401), locked account (429): the API's words
            error, status = exc.message, exc.status
            if getattr(exc, "retry_after", None):
                headers["Retry-After"] = str(exc.retry_after)
        else:
            if answer["user"]["password_reset_required"]:   # as the API: nothing until a new password
                accounts.revoke_token(uow(), answer["token"], now(), revocations=revocations())
                return render_template("web/login.html", form=form, error=(
                    "管理员已重置密码，请先设置新密码 (POST /api/v1/auth/password)")), 403, headers
            session.clear()
            session["token"] = answer["token"]
            session.permanent = True
            flash(f"欢迎，{answer['user']['display_name']}")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("web/login.html", form=form, error=error), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    token = session.pop("token", None)
    if token:
        accounts.revoke_token(uow(), token, now(), revocations=revocations())
    session.clear()
    flash("已退出登录")
    return redirect(url_for("web_catalogue.home"))
