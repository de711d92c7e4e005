"""Mailers: the port (`Mailer`) and its family (`SmtpMailer`, `LogMailer`, `FakeMailer`).

`SMTP_URL` picks one in `create_app`: `smtp://user:pass@host:25`,
`smtp+starttls://host:587` or `smtps://host:465`; unset (development) writes
each mail to the log instead of sending it.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from abc import ABC, abstractmethod
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from market.domain.mail import MailMessage

log = logging.getLogger("market.mail")
_WIRE = compat32.clone(linesep="\r\n")


class MailError(Exception):
    """Sending failed; the caller (an outbox worker) retries later."""


class Mailer(ABC):
    sender: str

    @abstractmethod
    def send(self, message: MailMessage) -> None:
        """Hand one mail to the transport; raise `MailError` when it was not accepted."""


def to_email(message: MailMessage, sender: str) -> EmailMessage:
    """The MIME form: UTF-8 subject and body (Chinese survives every hop), optional HTML part."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message.message_id or make_msgid(domain=_domain_of(sender))
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text, charset="utf-8")
    if message.html:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


def to_wire(message: MailMessage, sender: str) -> bytes:
    """The same mail as `to_email`, serialised with the compat32 classes: several times cheaper
    in CPU (the default policy parses every header it is given), which bounds a batch's mails/s."""
    body = MIMEText(message.text, "plain", "utf-8")
    if message.html:
        mail = MIMEMultipart("alternative")
        mail.attach(body)
        mail.attach(MIMEText(message.html, "html", "utf-8"))
    else:
        mail = body
    name, address = parseaddr(sender)
    mail["From"] = formataddr((str(Header(name, "utf-8")), address)) if name else address
    mail["To"] = message.to
    mail["Subject"] = Header(message.subject, "utf-8")
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message.message_id or make_msgid(domain=_domain_of(sender))
    for header, value in message.headers.items():
        mail[header] = value
    return mail.as_bytes(policy=_WIRE)   # CRLF: bytes go to the server as they are


def _domain_of(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"


class SmtpMailer(Mailer):
    """One SMTP connection per send: simple and safe across worker threads; a batch
    sender can use `session()` to reuse one connection for many mails."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise ValueError(f"SMTP_URL scheme must be smtp, smtps or smtp+starttls, not {parts.scheme!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
        if self.username:
            client.login(self.username, self.password or "")
        return client

    def send(self, message: MailMessage) -> None:
        try:
            with self.connect() as client:
                client.send_message(to_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{self.host}:{self.port}: {exc}") from exc

    def send_many(self, messages: list[MailMessage]) -> list[Exception | None]:
        """Send over one connection; the result says, per mail, None (accepted) or the error."""
        results: list[Exception | None] = []
        try:
            client = self.connect()
        except (OSError, smtplib.SMTPException) as exc:
            return [MailError(str(exc))] * len(messages)
        envelope_from = parseaddr(self.sender)[1]
        with client:
            for message in messages:
                try:
                    client.sendmail(envelope_from, [message.to], to_wire(message, self.sender))
                    results.append(None)
                except smtplib.SMTPServerDisconnected as exc:
                    results.extend([MailError(str(exc))] * (len(messages) - len(results)))
                    break
                except smtplib.SMTPException as exc:
                    results.append(MailError(str(exc)))
        return results


class LogMailer(Mailer):
    """Development: the mail goes to the log (with its links), nothing leaves the machine."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        log.info("mail to %s: %s\n%s", message.to, message.subject, message.text)


class FakeMailer(Mailer):
    """Unit tests: keeps what was sent; `fail_next` makes the next sends raise."""

    def __init__(self, sender: str = "noreply@yrd.example") -> None:
        self.sender = sender
        self.sent: list[MailMessage] = []
        self.fail_next = 0

    def send(self, message: MailMessage) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise MailError("fake failure")
        self.sent.append(message)


def build_mailer(config) -> Mailer:
    sender = config.get("MAIL_FROM") or "长三角技术市场 <noreply@yrd.example>"
    url = config.get("SMTP_URL")
    return SmtpMailer(url, sender) if url else LogMailer(sender)
