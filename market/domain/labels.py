"""The Chinese label of every status and status action, from ../shared/docs/GLOSSARY.md.

The code and the API keep the English code names; a sentence a person reads says the label
(`确认书已签约`, not `确认书已signed`). One table, used by every message that names a status.
A word that means different things for different things (`open`: a demand 征集中, a lot 竞价中;
`pending`: a deposit 待缴纳, a confirmation 待签约) is looked up by kind first.
"""
from __future__ import annotations

STATUS_LABELS: dict[str, str] = {
    "draft": "草稿",
    "pending_review": "待审核",
    "published": "已发布",
    "rejected": "已驳回",
    "in_auction": "拍卖中",
    "sold": "已成交",
    "withdrawn": "已撤回",
    "closed": "已关闭",
    "expired": "已过期",
    "scheduled": "待开拍",
    "unsold": "流拍",
    "cancelled": "已撤拍",
    "held": "已冻结",
    "applied": "已抵作价款",
    "released": "已退还",
    "refunded": "已退款",
    "signed": "已签约",
    "submitted": "待登记",
    "registered": "已登记",
    "refused": "不予登记",
    "revoked": "已撤销",
    "in_agreement": "协议成交中",
}

#: Labels of the words whose meaning depends on what has the status.
KIND_STATUS_LABELS: dict[tuple[str, str], str] = {
    ("demand", "open"): "征集中",
    ("lot", "open"): "竞价中",
    ("deposit", "pending"): "待缴纳",
    ("deposit", "forfeited"): "已没收",
    ("confirmation", "pending"): "待签约",
    ("confirmation", "forfeited"): "已违约",
    # payment commands (the outbox): not in the glossary, named as the finance desk says them
    ("command", "pending"): "待发送",
    ("command", "done"): "已完成",
    ("command", "failed"): "发送失败",
    # deals by agreement and their publicity (协议成交, 公示): the pages' words
    ("interest", "pending"): "待答复", ("interest", "negotiating"): "洽谈中",
    ("interest", "declined"): "已婉拒", ("interest", "closed"): "已关闭",
    ("negotiation", "open"): "洽谈中", ("negotiation", "agreed"): "已达成协议", ("negotiation", "closed"): "已关闭",
    ("offer", "open"): "待答复", ("offer", "accepted"): "已接受", ("offer", "declined"): "已拒绝",
    ("offer", "countered"): "已还价", ("offer", "expired"): "已失效",
    ("agreement", "in_publicity"): "公示中", ("agreement", "signable"): "待签约", ("agreement", "voided"): "已作废",
    ("notice", "scheduled"): "待公示", ("notice", "open"): "公示中", ("notice", "ended"): "公示期满",
    ("notice", "voided"): "已撤销",
    ("objection", "pending"): "待裁定", ("objection", "upheld"): "异议成立", ("objection", "dismissed"): "异议不成立",
}

#: What each status action is called in a sentence ("不能提交审核").
ACTION_LABELS: dict[str, str] = {
    "submit": "提交审核", "approve": "审核通过", "reject": "驳回", "withdraw": "撤回",
    "reopen": "重新编辑", "start_auction": "上拍", "return_from_auction": "撤出拍卖",
    "mark_sold": "成交", "reinstate": "恢复发布", "publish_imported": "导入发布", "close": "关闭",
    "register": "登记", "refuse": "不予登记", "revoke": "撤销登记", "resubmit": "重新提交",
    "hold": "冻结", "apply": "抵作价款", "release": "退还", "forfeit": "没收", "refund": "退款",
    "open": "开拍", "cancel": "撤拍", "sign": "签约",
}


def status_label(kind: str, status: str | None) -> str:
    """The glossary's label of `status` for a `kind` (achievement, demand, lot, deposit,
    confirmation, contract); an unknown status is shown as it is rather than hidden."""
    if status is None:
        return ""
    return KIND_STATUS_LABELS.get((kind, status)) or STATUS_LABELS.get(status, status)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
