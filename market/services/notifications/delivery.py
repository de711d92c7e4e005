"""The mail outbox worker (run by the scheduler's sweep): claim due rows, send them in batches
over one SMTP connection, mark them sent — or due again later, with exponential backoff.

Exactly one copy per notification, even with several workers: a row is claimed (SKIP LOCKED on
PostgreSQL) by one worker's token for `CLAIM`, and only that token may mark it sent; the
Message-ID is derived from the notification's id, so even a worker that died between the SMTP
"250 OK" and its commit (the one case where a mail goes out again) resends the same message,
which receivers recognise. A refusing or unreachable server loses nothing: the rows stay pending."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from market.domain.mail import MailMessage
from market.domain.notifications import (KINDS, MAX_ATTEMPTS, OutboxMail, backoff, message_id,
                                         unsubscribe_token)

from .texts import SIGNATURE

CLAIM = timedelta(minutes=5)
UNSUBSCRIBE_PATH = "/api/v1/notifications/unsubscribe"


@dataclass
class DeliverySettings:
    secret: str
    base_url: str = "http://127.0.0.1:5000"
    batch: int = 200
    max_batches: int = 50
    connections: int = 4          # a batch goes out over this many SMTP connections at once
    backoff_seconds: float = 30.0


@dataclass
class DeliveryRun:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def deliver_mails(uow_factory, mailer, now: datetime, settings: DeliverySettings) -> DeliveryRun:
    """Send what is due now, batch after batch, until nothing is left (or `max_batches`)."""
    run = DeliveryRun()
    for _ in range(settings.max_batches):
        token = uuid.uuid4().hex
        with uow_factory() as uow:
            rows = uow.notifications.claim_mails(token, now, now + CLAIM, settings.batch)
            uow.commit()
        if not rows:
            break
        groups = _group(rows)
        messages = [compose_mail(group, mailer.sender, settings) for group in groups]
        results = send_parallel(mailer, messages, settings.connections)
        _record(uow_factory, token, groups, results, now, settings, run)
        if len(rows) < settings.batch:
            break
    return run


def _group(rows: list[OutboxMail]) -> list[list[OutboxMail]]:
    """One mail per immediate row; one digest per user for its digest rows."""
    groups: list[list[OutboxMail]] = []
    digests: dict[int, list[OutboxMail]] = {}
    for row in rows:
        if row.email_mode == "digest":
            digests.setdefault(row.user_id, []).append(row)
        else:
            groups.append([row])
    return groups + list(digests.values())


def send_parallel(mailer, messages: list[MailMessage], connections: int) -> list[Exception | None]:
    """SMTP is a conversation of round trips per mail: a few connections at once keep a local
    relay busy (one connection tops out at a few dozen mails/s on a loaded machine)."""
    if connections <= 1 or len(messages) < 2 * connections:
        return send_all(mailer, messages)
    size = -(-len(messages) // connections)
    chunks = [messages[i:i + size] for i in range(0, len(messages), size)]
    with ThreadPoolExecutor(len(chunks)) as pool:
        return [r for chunk_results in pool.map(lambda c: send_all(mailer, c), chunks) for r in chunk_results]


def send_all(mailer, messages: list[MailMessage]) -> list[Exception | None]:
    if hasattr(mailer, "send_many"):
        return mailer.send_many(messages) if messages else []
    results: list[Exception | None] = []
    for message in messages:
        try:
            mailer.send(message)
            results.append(None)
        except Exception as exc:   # noqa: BLE001 - recorded on the row, tried again later
            results.append(exc)
    return results


def _record(uow_factory, token: str, groups, results, now: datetime, settings: DeliverySettings,
            run: DeliveryRun) -> None:
    sent = [row.id for group, error in zip(groups, results) if error is None for row in group]
    with uow_factory() as uow:
        uow.notifications.mark_sent(sent, token, now)
        for group, error in zip(groups, results):
            if error is None:
                continue
            for row in group:
                attempts = row.attempts + 1
                next_at = now + backoff(attempts, settings.backoff_seconds) if attempts < MAX_ATTEMPTS else None
                uow.notifications.mark_failed(row.id, token, str(error), next_at)
                run.failed.append(row.id)
        uow.commit()
    run.sent += sent


def unsubscribe_url(settings: DeliverySettings, user_id: int, kind: str) -> str:
    token = unsubscribe_token(settings.secret, user_id, kind)
    return f"{settings.base_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={quote(token)}"


def compose_mail(group: list[OutboxMail], sender: str, settings: DeliverySettings) -> MailMessage:
    """The stored subject and text, the unsubscribe link(s), a Message-ID from the row's id."""
    first = group[0]
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    link = unsubscribe_url(settings, first.user_id, first.kind)
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    if len(group) == 1 and first.email_mode != "digest":
        text = f"{first.text}\n\n查看详情：{settings.base_url.rstrip('/')}/\n" \
               f"不再接收此类邮件（{KINDS.get(first.kind, first.kind)}）：{link}{SIGNATURE}"
        return MailMessage(to=first.email_to, subject=first.subject, text=text,
                           message_id=message_id(first.id, domain), headers=headers)
    lines = [f"{i}. {row.subject}\n   {row.text}" for i, row in enumerate(group, start=1)]
    kinds = sorted({row.kind for row in group})
    links = "\n".join(f"不再接收「{KINDS.get(k, k)}」：{unsubscribe_url(settings, first.user_id, k)}" for k in kinds)
    return MailMessage(to=first.email_to, subject=f"【每日汇总】{len(group)}条通知：{first.subject}",
                       text="\n\n".join(lines) + "\n\n" + links + SIGNATURE,
                       message_id=message_id(f"digest-{first.id}", domain), headers=headers)
