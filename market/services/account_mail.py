"""The mails of joining the platform: confirmation, invitation, password reset, a join request
and the result of a verification. Composed here as `MailMessage`s (Chinese text, links to
PUBLIC_BASE_URL) and handed to one function, `AccountPost.send`, so that they can be routed
through the notification outbox later without touching the services that send them."""
from __future__ import annotations

import logging
from urllib.parse import quote

from market.domain.mail import MailMessage
from market.domain.onboarding import LINK_TTL

log = logging.getLogger("market.accounts.mail")
SIGNATURE = "\n\n—— 长三角技术市场协同平台（本邮件由系统发送，请勿直接回复）"


class AccountPost:
    """The port for account mails: the mailer `create_app` built and the site's public address."""

    def __init__(self, mailer, base_url: str):
        self.mailer = mailer
        self.base_url = (base_url or "").rstrip("/")

    def link(self, path: str, token: str) -> str:
        return f"{self.base_url}{path}?token={quote(token)}"

    def send(self, message: MailMessage) -> None:
        """Hand one account mail over. A refused send is logged, not raised: what the mail
        announces is already committed, and the person can ask again (a new link)."""
        if self.mailer is None:
            return
        try:
            self.mailer.send(message)
        except Exception:   # noqa: BLE001 — any transport failure; the port's family raises MailError
            log.warning("account mail to %s not sent: %s", message.to, message.subject, exc_info=True)


def _hours(purpose: str) -> str:
    minutes = int(LINK_TTL[purpose].total_seconds() // 60)
    return f"{minutes} 分钟" if minutes < 120 else f"{minutes // 60} 小时"


def confirmation_mail(post: AccountPost, to: str, name: str, token: str) -> MailMessage:
    link = post.link("/signup/confirm", token)
    return MailMessage(to=to, subject="请确认您的邮箱 — 长三角技术市场", text=(
        f"{name}，您好：\n\n感谢注册长三角技术市场协同平台。请在 {_hours('confirm_email')} 内打开下面的链接确认邮箱"
        f"（链接只能使用一次）：\n\n{link}\n\n如果不是您本人注册，请忽略本邮件。" + SIGNATURE))


def already_registered_mail(post: AccountPost, to: str) -> MailMessage:
    """Sent instead of a confirmation when the address has an account: the answer to the sign-up
    is the same either way, and only the mailbox's owner learns which it was."""
    return MailMessage(to=to, subject="您的邮箱已注册 — 长三角技术市场", text=(
        "您好：\n\n有人（可能是您）用本邮箱再次注册了长三角技术市场协同平台，但该邮箱已有账户。"
        f"请直接登录：{post.base_url}/login\n忘记密码可在此重设：{post.base_url}/password/forgot"
        "\n\n如果不是您本人操作，请忽略本邮件。" + SIGNATURE))


def reset_mail(post: AccountPost, to: str, name: str, token: str) -> MailMessage:
    link = post.link("/password/reset", token)
    return MailMessage(to=to, subject="重设密码 — 长三角技术市场", text=(
        f"{name}，您好：\n\n请在 {_hours('reset_password')} 内打开下面的链接设置新密码（只能使用一次）。"
        f"设置后，该账户在所有设备上的登录都会失效：\n\n{link}\n\n如果不是您本人申请，请忽略本邮件，"
        "您的密码不会改变。" + SIGNATURE))


def invitation_mail(post: AccountPost, to: str, org_name: str, inviter: str, role_label: str,
                    token: str) -> MailMessage:
    link = post.link("/invitations/accept", token)
    return MailMessage(to=to, subject=f"{org_name} 邀请您加入长三角技术市场", text=(
        f"您好：\n\n{inviter} 邀请您以「{role_label}」身份加入 {org_name}。请在 {_hours('invitation')} 内"
        f"打开下面的链接接受邀请（只能使用一次）：\n\n{link}" + SIGNATURE))


def join_request_mail(post: AccountPost, to: str, org_name: str, applicant: str) -> MailMessage:
    return MailMessage(to=to, subject=f"{applicant} 申请加入 {org_name}", text=(
        f"您好：\n\n{applicant} 申请加入 {org_name}。请登录平台处理：{post.base_url}/organisation" + SIGNATURE))


def join_decision_mail(post: AccountPost, to: str, org_name: str, approved: bool,
                       reason: str | None) -> MailMessage:
    result = "已通过" if approved else "未通过"
    why = f"\n理由：{reason}" if reason and not approved else ""
    return MailMessage(to=to, subject=f"加入 {org_name} 的申请{result}", text=(
        f"您好：\n\n您加入 {org_name} 的申请{result}。{why}\n\n{post.base_url}/organisation" + SIGNATURE))


def verification_mail(post: AccountPost, to: str, org_name: str, verified: bool,
                      reason: str | None) -> MailMessage:
    if verified:
        text = (f"您好：\n\n{org_name} 已通过市场的实名认证。机构成员现在可以提交成果挂牌、公开发布需求、"
                f"报名竞买和报价。\n\n{post.base_url}/organisation")
    else:
        text = (f"您好：\n\n{org_name} 的实名认证未通过。\n理由：{reason}\n\n请核对机构信息后联系所属市场。"
                f"\n\n{post.base_url}/organisation")
    return MailMessage(to=to, subject=f"机构认证{'已通过' if verified else '未通过'}：{org_name}",
                       text=text + SIGNATURE)
