"""An e-mail the platform sends: plain data, built by services, sent by a `Mailer` adapter.

Why a domain type: notifications (issue 18) and account mails (issue 20) compose
mails in services, which must not know how SMTP works.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MailMessage:
    """One mail to one recipient.

    `message_id` makes a retry recognisable (the outbox sends the same id again,
    never a second, different mail); `headers` carries extras such as
    `List-Unsubscribe`.
    """
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
