"""Pages for joining the platform (issue 20): sign up, confirm the e-mail, forgot and reset the
password, accept an invitation. Each form posts to the same services as the API; a domain error's
field messages are shown under the fields, and the rest above the form.

A mailed link opens a page with a button: the link is spent by the POST it sends, not by the GET,
so a mail scanner that fetches links cannot use them up."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional

from market.api.deps import now, revocations, services, uow
from market.api.signup import account_mail_limits, account_post
from market.domain.errors import DomainError
from market.services import memberships, signup
from .blueprints import page_blueprint

bp = page_blueprint("web_signup")
REQUIRED = "此项必填 (required)"


class SignUpForm(FlaskForm):
    email = EmailField("邮箱", validators=[DataRequired(REQUIRED), Length(max=254)])
    display_name = StringField("姓名", validators=[DataRequired(REQUIRED), Length(max=100)])
    phone = TelField("手机或电话（选填）", validators=[Optional(), Length(max=32)])
    password = PasswordField("密码（至少12位）", validators=[DataRequired(REQUIRED), Length(max=256)])


class TokenForm(FlaskForm):
    token = HiddenField(validators=[DataRequired("链接不完整 (the link is incomplete)"), Length(max=128)])


class ForgotForm(FlaskForm):
    email = EmailField("注册邮箱", validators=[DataRequired(REQUIRED), Length(max=254)])


class ResetForm(TokenForm):
    new_password = PasswordField("新密码（至少12位）", validators=[DataRequired(REQUIRED), Length(max=256)])


class InvitationForm(TokenForm):
    display_name = StringField("姓名（新账户）", validators=[Optional(), Length(max=100)])
    password = PasswordField("密码（新账户设置，已有账户输入原密码）", validators=[DataRequired(REQUIRED), Length(max=256)])


def run_form(form, action):
    """(result, error, status): the service's answer, or its message with the field messages put on
    the form's fields (422 / the error's own status)."""
    if not form.validate():
        return None, None, 422
    try:
        return action(), None, 200
    except DomainError as exc:
        rest = []
        for field, messages in exc.errors.items():
            if field in form._fields and field != "token":
                form[field].errors = list(messages)
            else:
                rest += [str(m) for m in messages]
        return None, exc.message, exc.status


def page(form, title: str, *, intro: str = "", error=None, status=200, done: str | None = None, button="提交"):
    return render_template("web/account_form.html", form=form, title=title, intro=intro, error=error,
                           done=done, button=button), status


@bp.route("/signup", methods=["GET", "POST"])
@account_mail_limits[0]
@account_mail_limits[1]
def sign_up():
    form = SignUpForm()
    if request.method == "POST":
        result, error, status = run_form(form, lambda: signup.sign_up(
            uow(), services().hasher, account_post(), email=form.email.data, display_name=form.display_name.data,
            password=form.password.data, phone=form.phone.data or None, now=now()))
        if result:
            return page(None, "查收确认邮件", done=result["message"], status=202)
        return page(form, "注册", error=error, status=status)
    return page(form, "注册", intro="注册后可创建本单位的机构，或申请加入已有机构。", button="注册")


@bp.route("/signup/confirm", methods=["GET", "POST"])
def confirm():
    form = TokenForm(token=request.args.get("token", ""))
    if request.method == "POST":
        result, error, status = run_form(form, lambda: signup.confirm_email(uow(), token=form.token.data, now=now()))
        if result:
            flash("邮箱已确认，请登录")
            return redirect(url_for("web_auth.login", next=url_for("web_organisation.organisation")))
        return page(None if status in (404, 410) else form, "确认邮箱", error=error, status=status)
    return page(form, "确认邮箱", intro="点击下面的按钮确认您的邮箱。", button="确认邮箱")


@bp.route("/password/forgot", methods=["GET", "POST"])
@account_mail_limits[0]
@account_mail_limits[1]
def forgot():
    form = ForgotForm()
    if request.method == "POST":
        result, error, status = run_form(form, lambda: signup.request_password_reset(
            uow(), account_post(), email=form.email.data, now=now()))
        if result:
            return page(None, "查收重设邮件", done=result["message"], status=202)
        return page(form, "找回密码", error=error, status=status)
    return page(form, "找回密码", intro="我们会向注册邮箱发送一个30分钟内有效的重设链接。", button="发送重设邮件")


@bp.route("/password/reset", methods=["GET", "POST"])
def reset():
    form = ResetForm(token=request.args.get("token", ""))
    if request.method == "POST":
        result, error, status = run_form(form, lambda: signup.reset_password(
            uow(), services().hasher, token=form.token.data, new_password=form.new_password.data, now=now(),
            revocations=revocations()))
        if result:
            flash("密码已重设，所有设备上的登录均已失效，请用新密码登录")
            return redirect(url_for("web_auth.login"))
        return page(None if status in (404, 410) else form, "设置新密码", error=error, status=status)
    return page(form, "设置新密码", button="设置新密码")


@bp.route("/invitations/accept", methods=["GET", "POST"])
def accept_invitation():
    form = InvitationForm(token=request.args.get("token", ""))
    if request.method == "POST":
        result, error, status = run_form(form, lambda: memberships.accept_invitation(
            uow(), services().hasher, token=form.token.data, display_name=form.display_name.data,
            password=form.password.data, now=now()))
        if result:
            flash("已加入机构，请登录")
            return redirect(url_for("web_auth.login"))
        return page(None if status in (404, 410) else form, "接受邀请", error=error, status=status)
    return page(form, "接受邀请", intro="没有账户：填写姓名并设置密码；已注册：输入您的密码。", button="加入机构")
