"""Publicity notices (公示) of agreed deals by publicly funded sellers: the public list, each
notice with its period and objections, the form to object (anyone signed in but the parties,
during the period) and the listing market operator's ruling on each objection."""
from __future__ import annotations

from flask import render_template, request

from market.api.deals import DealReasonIn, NoticeArgs, RulingIn
from market.api.deps import now, uow
from market.domain import taxonomy
from market.domain.errors import DomainError
from market.domain.labels import status_label
from market.domain.publicity import NOTICE_STATUSES
from market.services import publicity as publicity_svc

from .blueprints import page_blueprint
from .forms import back_with_refusal, done, load, refusal, signed_in
from .session_auth import page_user

bp = page_blueprint("web_publicity")

OPTIONS = {"market": [(code, name) for code, name, _ in taxonomy.MARKETS],
           "status": [(s, status_label("notice", s)) for s in NOTICE_STATUSES]}


@bp.route("/publicity")
def notices():
    args, errors = load(NoticeArgs(), {k: v for k, v in request.args.items() if v != ""})
    result = None
    if args is not None:
        result = publicity_svc.list_notices(uow(), market_code=args.get("market"), status=args.get("status"),
                                            page=args["page"], per_page=args["per_page"])
    return render_template("web/notices.html", result=result, errors=errors, args=request.args.to_dict(),
                           options=OPTIONS), 422 if errors else 200


def _render_notice(notice_id: int, *, errors: dict | None = None, message: str | None = None,
                   text: str = "", status: int = 200):
    view = publicity_svc.get_notice(uow(), notice_id=notice_id)
    user = page_user()
    operator = bool(user and (user["role"] == "admin" or
                              (user["role"] == "operator" and user.get("market_code") == view["market_code"])))
    in_period = view["starts_at"] <= now() < view["ends_at"] and view["status"] in ("scheduled", "open")
    return render_template("web/notice.html", notice=view, operator=operator, in_period=in_period,
                           errors=errors or {}, message=message, text=text), status


@bp.route("/publicity/<int:notice_id>")
def notice(notice_id):
    return _render_notice(notice_id)


@bp.route("/publicity/<int:notice_id>/objections", methods=["POST"])
def object_to(notice_id):
    """异议: a reason in words; refused ones (a party, outside the period) say why on the page."""
    user = signed_in()
    text = request.form.get("reason", "").strip()
    body, errors = load(DealReasonIn(), {"reason": text})
    if body is None:
        return _render_notice(notice_id, errors=errors, message="请填写异议理由", text=text, status=422)
    try:
        publicity_svc.file_objection(uow(), actor_id=user["id"], notice_id=notice_id, reason=body["reason"],
                                     now=now())
    except DomainError as exc:
        message, fields = refusal(exc)
        return _render_notice(notice_id, errors=fields, message=message, text=text, status=exc.status)
    return done("异议已提交，由市场运营方裁定", "web_publicity.notice", notice_id=notice_id)


@bp.route("/publicity/objections/<int:objection_id>/ruling", methods=["POST"])
def rule(objection_id):
    """The operator's ruling: upheld voids the deal, dismissed is recorded; a reason either way."""
    user = signed_in()
    notice_id = request.form.get("notice_id", type=int) or 0
    body, errors = load(RulingIn(), {k: request.form.get(k, "").strip() for k in ("decision", "reason")})
    try:
        if body is None:
            raise DomainError("裁定需要选择结果并说明理由", errors)
        ruled = publicity_svc.rule_objection(uow(), actor_id=user["id"], objection_id=objection_id, now=now(),
                                             decision=body["decision"], reason=body["reason"])
    except DomainError as exc:
        return back_with_refusal(exc, "web_publicity.notice", notice_id=notice_id)
    said = "异议成立，协议已作废，成果重新上架" if body["decision"] == "upheld" else "异议不成立，已记录裁定理由"
    return done(said, "web_publicity.notice", notice_id=ruled["notice_id"])
