"""The mail outbox against real databases and a real SMTP server: two workers running at the same
time on PostgreSQL never send one notification twice; a server that is down loses nothing."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest

from market.adapters.mail import SmtpMailer
from market.domain.notifications import Recipient, notification_for
from market.services.notifications.delivery import DeliverySettings, deliver_mails

SETTINGS = DeliverySettings(secret="test-secret", batch=25)


def _app(url, clock, tmp_path, smtp_url):
    from market import create_app
    return create_app("testing", DATABASE_URL=url, CLOCK=clock, SEARCH_INDEX_DIR=str(tmp_path / "ix"),
                      MAILER=SmtpMailer(smtp_url, "noreply@yrd.example"))


def _people_with_mail(app, n: int) -> list[int]:
    from market.services.accounts import create_user
    s = app.extensions["market"]
    ids = [create_user(s.uow_factory(), s.hasher, email=f"reader{i}@example.cn", password="long-enough-pass",
                       display_name=f"r{i}", role="admin", now=s.clock.now())["id"] for i in range(n)]
    with s.uow_factory() as uow:
        now = s.clock.now()
        uow.notifications.add_many([notification_for(Recipient(uid, f"reader{i}@example.cn"), "outbid",
                                                      f"k:{uid}", f"【出价被超越】拍品{i}", "正文", {}, now)
                                    for i, uid in enumerate(ids)])
        uow.commit()
    return ids


@pytest.mark.postgres
def test_two_concurrent_workers_never_send_the_same_notification_twice(postgres_url, clock, tmp_path, smtp_server):
    app = _app(postgres_url, clock, tmp_path, smtp_server.url)
    s = app.extensions["market"]
    _people_with_mail(app, 120)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            for _ in range(10):
                deliver_mails(s.uow_factory, s.mailer, clock.now(), SETTINGS)
        except BaseException as exc:   # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = Counter(m.message["Message-ID"] for m in smtp_server.received)
    assert len(ids) == 120 and set(ids.values()) == {1}
    s.extra["engine"].dispose()


def test_a_server_that_is_down_loses_nothing(database_url, clock, tmp_path):
    from smtp_testing import free_port
    app = _app(database_url, clock, tmp_path, f"smtp://127.0.0.1:{free_port()}")   # nobody listens
    s = app.extensions["market"]
    ids = _people_with_mail(app, 3)
    run = deliver_mails(s.uow_factory, s.mailer, clock.now(), SETTINGS)
    assert run.sent == [] and len(run.failed) == 3
    with s.uow_factory() as uow:
        states = [uow.notifications.mail_status(i) for i in range(1, 4)]
    assert [(st["email_status"], st["attempts"]) for st in states] == [("pending", 1)] * 3
    assert all(st["last_error"] for st in states) and len(ids) == 3
    clock.set(clock.now() + timedelta(seconds=10))
    assert deliver_mails(s.uow_factory, s.mailer, clock.now(), SETTINGS).failed == []   # backing off
    s.extra["engine"].dispose()
