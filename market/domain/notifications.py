"""Notifications (issue 18, people): what a user is told, through which channel, and how the
mail reads.

Plain Python: time, secrets and addresses are arguments. A notification is rendered once, when
the event that causes it happens (its subject and text are stored with it), so the outbox worker
that mails it later needs nothing but the row; a retry sends the very same mail again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# kind -> Chinese label (the preferences page and the digest list them)
KINDS: dict[str, str] = {
    "review_approved": "成果审核通过",
    "review_rejected": "成果审核未通过",
    "registration_confirmed": "竞买报名成功",
    "deposit_held": "保证金已到账",
    "deposit_released": "保证金已退还",
    "deposit_forfeited": "保证金已没收",
    "lot_opening_soon": "关注的拍品即将开拍",
    "timed_window_started": "关注的拍品进入限时竞价",
    "outbid": "出价被超越",
    "lot_won": "竞得拍品",
    "lot_lost": "未竞得拍品",
    "lot_closed": "关注的拍品已结束",
    "signing_deadline": "签约期限将至",
    "confirmation_forfeited": "成交确认已违约",
    "contract_registered": "技术合同已登记",
    "new_match": "有新的匹配成果",
}
CHANNELS = ("inbox", "email")
MODES = ("immediate", "digest")
WATCH_TARGETS = ("achievement", "demand", "auction", "lot")
DIGEST_HOUR = 8                    # the daily digest goes out at 08:00 Shanghai time
MAX_ATTEMPTS = 8                   # after these, a mail is marked failed (still in the inbox)


@dataclass(frozen=True)
class Preference:
    """One user's choice for one kind; the default is the inbox and an immediate mail."""
    inbox: bool = True
    email: bool = True
    mode: str = "immediate"


DEFAULT_PREFERENCE = Preference()


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    preference: Preference = DEFAULT_PREFERENCE


@dataclass
class NewNotification:
    """A row for the inbox and (unless the user opted out) the mail outbox.

    `dedupe_key` is unique per user: a rule that runs twice for the same fact (a sweep and a
    scheduler job, a retried transaction) tells the user once."""
    user_id: int
    kind: str
    dedupe_key: str
    subject: str
    text: str
    data: dict
    created_at: datetime
    in_inbox: bool = True
    email_to: str | None = None
    email_mode: str = "immediate"
    next_attempt_at: datetime | None = None

    @property
    def email_status(self) -> str:
        return "pending" if self.email_to else "none"


@dataclass
class OutboxMail:
    """A claimed row of the mail outbox."""
    id: int
    user_id: int
    kind: str
    subject: str
    text: str
    email_to: str
    email_mode: str
    attempts: int
    created_at: datetime
    data: dict = field(default_factory=dict)


def notification_for(recipient: Recipient, kind: str, key: str, subject: str, text: str, data: dict,
                     now: datetime) -> NewNotification | None:
    """Apply the recipient's preference: None when it wants this kind by no channel."""
    pref = recipient.preference
    if not (pref.inbox or pref.email):
        return None
    mode = pref.mode if pref.mode in MODES else "immediate"
    email_to = recipient.email if pref.email and recipient.email else None
    return NewNotification(
        user_id=recipient.user_id, kind=kind, dedupe_key=key, subject=subject, text=text, data=data,
        created_at=now, in_inbox=pref.inbox, email_to=email_to, email_mode=mode,
        next_attempt_at=(next_digest_at(now) if mode == "digest" else now) if email_to else None)


# --------------------------------------------------------------------------- time, money, retry

def next_digest_at(now: datetime) -> datetime:
    """The next 08:00 in Shanghai after `now` (a digest collects everything until then)."""
    local = now.astimezone(SHANGHAI)
    at = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=SHANGHAI)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(timezone.utc)


def backoff(attempts: int, base_seconds: float = 30.0) -> timedelta:
    """Exponential: 30 s, 1 min, 2 min ... capped at 6 h (a mail server down for a day loses nothing)."""
    return timedelta(seconds=min(base_seconds * (2 ** max(attempts - 1, 0)), 6 * 3600))


def yuan(fen: int | None) -> str:
    if fen is None:
        return "面议"
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}元" if not cents else f"{whole:,}.{cents:02d}元"


def local_time(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


# --------------------------------------------------------------------------- unsubscribe tokens

def unsubscribe_token(secret: str, user_id: int, kind: str) -> str:
    """`<user>.<kind>.<signature>`: a link that needs no login and can only switch off this
    user's mail of this kind (nothing else can be forged from it)."""
    payload = f"{user_id}.{kind}"
    return f"{payload}.{_signature(secret, payload)}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, str] | None:
    """(user_id, kind) of a genuine token, else None."""
    try:
        user, kind, signature = (token or "").split(".", 2)
        user_id = int(user)
    except ValueError:
        return None
    if kind not in KINDS or not hmac.compare_digest(signature, _signature(secret, f"{user_id}.{kind}")):
        return None
    return user_id, kind


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def message_id(notification_id: int | str, domain: str) -> str:
    """The same Message-ID for every attempt: a receiver (and a test) recognises a retry."""
    return f"<notification-{notification_id}@{domain}>"
