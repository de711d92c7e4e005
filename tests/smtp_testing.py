"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), keeping what it receives.

`fail_next(n)` makes it refuse the next n mails with a 451 (temporary failure), so
tests can prove an outbox retries and loses nothing.
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 try again later (test)"
            parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                              policy=email.policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpTestServer:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail_next(self, n: int) -> None:
        with self.handler.lock:
            self.handler.refuse = n

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` mails arrived (a condition, not a timing claim)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def start(self) -> "SmtpTestServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
