"""Federation out: the rules of the change feed and of webhooks, in plain Python.

What a change is called, which webhook event it is, how a payload is signed and verified, how
long a failed delivery waits before the next try, and which URLs a subscription may name. Time
is always an argument."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from .errors import ValidationFailed

# entity types of the change feed, and the event each (entity type, kind) is for a webhook
ENTITY_TYPES = ("achievement", "demand", "lot", "contract")
EVENTS = {
    ("achievement", "created"): "listing.published",
    ("achievement", "changed"): "listing.changed",
    ("achievement", "withdrawn"): "listing.withdrawn",
    ("demand", "created"): "demand.opened",
    ("demand", "changed"): "demand.changed",
    ("demand", "withdrawn"): "demand.closed",
    ("lot", "created"): "lot.result",
    ("lot", "changed"): "lot.result",
    ("contract", "created"): "contract.registered",
    ("contract", "changed"): "contract.changed",
    ("contract", "withdrawn"): "contract.revoked",
}
EVENT_TYPES = tuple(sorted(set(EVENTS.values())))

SIGNATURE_HEADER = "YRD-Signature"
EVENT_ID_HEADER = "YRD-Event-Id"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_URL_CHARS = 500


def change_kind(previous_version: str | None, current_version: str | None) -> str | None:
    """What happened to an entity, given the version last published in the feed (None: not in
    the public catalogue) and its version now (None: not public now); None when nothing public
    changed (a private field, a rejected draft)."""
    if current_version == previous_version:
        return None
    if current_version is None:
        return "withdrawn"
    return "created" if previous_version is None else "changed"


def event_type(entity_type: str, kind: str) -> str:
    return EVENTS[(entity_type, kind)]


def version_of(representation: dict) -> str:
    """A digest of the public representation: any change a mirror could see changes it."""
    raw = json.dumps(representation, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


# --- cursors: opaque to clients, a change id to us ------------------------------------------

def encode_cursor(change_id: int) -> str:
    return base64.urlsafe_b64encode(f"c1:{int(change_id)}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """0 (the beginning) for no cursor; a 422 on the `after` field for one we never issued."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        value = int(number)
        if prefix != "c1" or not 0 <= value < 2**63:
            raise ValueError(cursor)
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.on("after", "游标无效 (unknown cursor: pass next_cursor back unchanged)") from None


# --- signatures --------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret, as hex."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"


def verify(header: str, body: bytes, secret: str, now_unix: float,
           tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """The receiver's check (the README shows the same steps): a v1 signature that matches, on a
    timestamp within `tolerance` seconds of now (an old captured request cannot be replayed)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now_unix - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))


# --- deliveries ---------------------------------------------------------------------------------

@dataclass
class Outgoing:
    """One signed POST to make."""
    delivery_id: int
    url: str
    headers: dict
    body: bytes


@dataclass
class Outcome:
    """What became of it: ok for any 2xx answer."""
    delivery_id: int
    ok: bool
    status_code: int | None = None
    error: str | None = None


# --- retries ------------------------------------------------------------------------------------

class RetryPolicy:
    """Exponential backoff: the n-th failed attempt waits base * 2**(n-1), at most `cap`; after
    `max_attempts` the delivery is failed (a manual re-send gives it a fresh budget)."""

    def __init__(self, max_attempts: int = 8, base_seconds: float = 10.0, cap_seconds: float = 3600.0):
        self.max_attempts = max_attempts
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds

    def next_attempt(self, attempts: int, budget: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` tries (None: give up)."""
        if attempts >= budget:
            return None
        delay = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return now + timedelta(seconds=delay)


# --- subscriptions -------------------------------------------------------------------------------

def check_url(url: str, allowed_hosts: tuple[str, ...] = ()) -> str:
    """An http(s) URL with a host; a loopback, private or link-local target only if its host is
    in `allowed_hosts` (the receiver must be reachable from the internet-facing markets, and the
    market's own network is not a place to post to)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL_CHARS or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed.on("url", f"地址须为 http(s):// 开头的完整网址，最长 {MAX_URL_CHARS} 字符 "
                                         "(an http or https URL)")
    if parts.username or parts.password:
        raise ValidationFailed.on("url", "地址不能包含用户名或密码 (no credentials in the URL)")
    if is_internal_host(parts.hostname) and parts.hostname not in allowed_hosts:
        raise ValidationFailed.on("url", "不能推送到内网或本机地址 (private or loopback targets are refused)")
    return url


def is_internal_host(host: str) -> bool:
    """localhost, or a literal loopback / private / link-local / reserved address."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_event_types(types) -> list[str]:
    chosen = sorted(set(types or ()))
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if not chosen or unknown:
        raise ValidationFailed.on("event_types", f"事件类型须为 {', '.join(EVENT_TYPES)} 中的一个或多个 "
                                                 f"(unknown: {', '.join(unknown) or 'none given'})")
    return chosen


def check_entity_types(types) -> list[str]:
    chosen = sorted(set(types or ())) or list(ENTITY_TYPES)
    unknown = [t for t in chosen if t not in ENTITY_TYPES]
    if unknown:
        raise ValidationFailed.on("types", f"类型须为 {', '.join(ENTITY_TYPES)} 之一 (unknown: {', '.join(unknown)})")
    return chosen
