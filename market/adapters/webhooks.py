"""The webhook sender port: ``HttpWebhookSender`` (requests, a few threads, short timeouts) and
``FakeWebhookSender`` (records what would be sent, answers as scripted).

The HTTP sender re-checks the target at each delivery: a name that resolves to a loopback, private
or link-local address is refused unless its host is allowed (``WEBHOOK_ALLOWED_PRIVATE_HOSTS``), so
a subscription cannot be pointed at the market's own network by a DNS record changed later."""
from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from market.domain.federation import Outcome, Outgoing, is_internal_host


class HttpWebhookSender:
    def __init__(self, *, connect_timeout: float = 2.0, read_timeout: float = 5.0, workers: int = 8,
                 allowed_hosts: tuple[str, ...] = ()):
        self.timeout = (connect_timeout, read_timeout)
        self.allowed_hosts = tuple(allowed_hosts)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self.local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def send_many(self, outgoing: list[Outgoing]) -> list[Outcome]:
        return list(self.pool.map(self.send, outgoing))

    def send(self, item: Outgoing) -> Outcome:
        refused = self._refused(item.url)
        if refused:
            return Outcome(item.delivery_id, False, None, refused)
        try:
            response = self._session().post(item.url, data=item.body, headers=item.headers,
                                            timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            return Outcome(item.delivery_id, False, None, f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return Outcome(item.delivery_id, True, response.status_code)
        return Outcome(item.delivery_id, False, response.status_code,
                       f"HTTP {response.status_code}: {response.text[:200]}")

    def _refused(self, url: str) -> str | None:
        host = urlsplit(url).hostname or ""
        if host in self.allowed_hosts:
            return None
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError as exc:
            return f"DNS: {exc}"
        if any(is_internal_host(a) for a in addresses):
            return f"refused: {host} resolves to a private or loopback address"
        return None


class FakeWebhookSender:
    """Answers each delivery with the next scripted status (200 once the script runs out)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.sent: list[Outgoing] = []

    def send_many(self, outgoing: list[Outgoing]) -> list[Outcome]:
        out = []
        for item in outgoing:
            self.sent.append(item)
            status = self.statuses.pop(0) if self.statuses else 200
            out.append(Outcome(item.delivery_id, 200 <= status < 300, status,
                               None if 200 <= status < 300 else f"HTTP {status}"))
        return out


def build_webhook_sender(config: dict) -> HttpWebhookSender:
    return HttpWebhookSender(connect_timeout=float(config.get("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 2.0)),
                             read_timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 5.0)),
                             workers=int(config.get("WEBHOOK_WORKERS", 8)),
                             allowed_hosts=tuple(config.get("WEBHOOK_ALLOWED_PRIVATE_HOSTS", ())))
