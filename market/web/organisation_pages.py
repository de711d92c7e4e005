"""Pages of one's organisation and of the operators' verification queue (issue 20).

/organisation: a registrant creates its organisation or asks to join one; a member sees its
organisation's verification status and members, and its administrators the join requests.
/operator/verification: an operator's queue of organisations awaiting verification."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from market.api.deps import now, uow
from market.api.signup import account_post
from market.domain import taxonomy
from market.domain.errors import Unauthorized
from market.services import accounts, memberships, signup, verification
from .blueprints import page_blueprint
from .session_auth import page_user
from .signup_pages import REQUIRED, run_form

bp = page_blueprint("web_organisation")
KIND_LABELS = {"university": "高校", "research_institute": "科研院所", "enterprise": "企业", "other": "其他"}
STATUS_LABELS = {"unverified": "待市场认证", "verified": "已认证", "rejected": "认证未通过"}


class OrganisationForm(FlaskForm):
    name = StringField("机构名称", validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField("机构类型", choices=[SelectChoice(k, KIND_LABELS[k]) for k in taxonomy.SIGNUP_ORG_KINDS])
    credit_code = StringField("统一社会信用代码", validators=[DataRequired(REQUIRED), Length(max=32)])
    province = SelectField("省份", choices=[SelectChoice(p) for p in taxonomy.PROVINCES])
    city = StringField("城市", validators=[DataRequired(REQUIRED), Length(max=64)])
    market_code = SelectField("所属市场", choices=[SelectChoice(c, n) for c, n, _ in taxonomy.MARKETS])


class JoinForm(FlaskForm):
    org_id = IntegerField("机构编号", validators=[DataRequired(REQUIRED), NumberRange(min=1, max=2**31 - 1)])
    message = TextAreaField("说明（选填）", validators=[Optional(), Length(max=500)])


class DecisionForm(FlaskForm):
    reason = StringField("驳回理由", validators=[Optional(), Length(max=500)])


def _signed_in() -> dict:
    user = page_user()
    if user is None:
        raise Unauthorized("请先登录 (sign in first)")
    return user


@bp.route("/organisation", methods=["GET", "POST"])
def organisation():
    user = _signed_in()
    if user["role"] == "registrant":
        return _registrant_page(user)
    if user["organisation_id"] is None:
        return redirect(url_for("web_catalogue.home"))
    org = accounts.get_organisation(uow(), user["organisation_id"])
    members = memberships.list_members(uow(), actor_id=user["id"], org_id=org["id"])
    requests = (memberships.list_join_requests(uow(), actor_id=user["id"], org_id=org["id"])
                if user.get("org_role") == "administrator" else [])
    return render_template("web/organisation.html", org=org, members=members, requests=requests,
                           status_label=STATUS_LABELS, kind_label=KIND_LABELS)


def _registrant_page(user):
    create, join = OrganisationForm(), JoinForm()
    error, status = None, 200
    if request.method == "POST" and request.form.get("which") == "create":
        result, error, status = run_form(create, lambda: signup.create_own_organisation(
            uow(), actor_id=user["id"], now=now(), data={f: create[f].data for f in create._fields if f != "csrf_token"}))
        if result:
            flash(f"已创建 {result['name']}，等待所属市场认证")
            return redirect(url_for(".organisation"))
    elif request.method == "POST":
        result, error, status = run_form(join, lambda: signup.request_to_join(
            uow(), account_post(), actor_id=user["id"], org_id=join.org_id.data, now=now(),
            message=join.message.data))
        if result:
            flash("已提交加入申请，请等待该机构管理员处理")
            return redirect(url_for(".organisation"))
    return render_template("web/organisation.html", create=create, join=join, error=error), status


@bp.route("/operator/verification")
def queue():
    user = _signed_in()
    market = request.args.get("market") if user["role"] == "admin" else None
    items = verification.verification_queue(uow(), actor_id=user["id"], market_code=market or None)
    return render_template("web/verification_queue.html", items=items, form=DecisionForm(),
                           kind_label=KIND_LABELS)


@bp.route("/operator/verification/<int:org_id>", methods=["POST"])
def decide(org_id):
    user = _signed_in()
    form = DecisionForm()
    verified = request.form.get("decision") == "verify"
    view = verification.decide(uow(), account_post(), actor_id=user["id"], org_id=org_id, verified=verified,
                               now=now(), reason=form.reason.data)
    flash(f"{view['name']}：{STATUS_LABELS[view['verification_status']]}")
    return redirect(url_for(".queue"))
