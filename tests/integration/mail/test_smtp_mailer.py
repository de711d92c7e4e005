"""The SMTP adapter against a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import pytest

from market.adapters.mail import MailError, SmtpMailer, build_mailer, LogMailer
from market.domain.mail import MailMessage
from smtp_testing import free_port


def test_chinese_mail_arrives_with_its_subject_body_and_headers(smtp_server):
    mailer = SmtpMailer(smtp_server.url, "长三角技术市场 <noreply@yrd.example>")
    mailer.send(MailMessage(to="buyer@example.com", subject="您已被超越：拍品 SH-1 当前价 120,000.00 元",
                            text="当前价 120,000.00 元，请登录出价。", message_id="<n-17@yrd.example>",
                            headers={"List-Unsubscribe": "<http://127.0.0.1/u/abc>"}))
    [mail] = smtp_server.wait_for(1)
    assert mail.envelope_to == ["buyer@example.com"]
    assert mail.subject == "您已被超越：拍品 SH-1 当前价 120,000.00 元"
    assert "当前价 120,000.00 元" in mail.text
    assert mail.message["Message-ID"] == "<n-17@yrd.example>"
    assert mail.message["List-Unsubscribe"] == "<http://127.0.0.1/u/abc>"


def test_a_refused_mail_raises_mail_error_and_the_next_try_is_accepted(smtp_server):
    mailer = SmtpMailer(smtp_server.url, "noreply@yrd.example")
    smtp_server.fail_next(1)
    message = MailMessage(to="a@example.com", subject="s", text="t")
    with pytest.raises(MailError):
        mailer.send(message)
    mailer.send(message)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_server_that_is_down_raises_mail_error():
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "noreply@yrd.example", timeout=2)
    with pytest.raises(MailError):
        mailer.send(MailMessage(to="a@example.com", subject="s", text="t"))


def test_send_many_reports_each_mail_over_one_connection(smtp_server):
    mailer = SmtpMailer(smtp_server.url, "noreply@yrd.example")
    results = mailer.send_many([MailMessage(to=f"u{i}@example.com", subject=f"第{i}封", text="t") for i in range(5)])
    assert results == [None] * 5
    assert sorted(m.subject for m in smtp_server.wait_for(5)) == [f"第{i}封" for i in range(5)]


def test_without_smtp_url_mails_go_to_the_log():
    assert isinstance(build_mailer({}), LogMailer)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError):
        SmtpMailer("http://127.0.0.1:25", "noreply@yrd.example")


def test_send_many_keeps_long_chinese_mails_and_their_headers_intact(smtp_server):
    mailer = SmtpMailer(smtp_server.url, "长三角技术市场 <noreply@yrd.example>")
    text = "\n".join(f"第{i}行：拍品「高镍正极材料包覆技术」当前价 540,000元，结束时间 2025-03-03 12:05。" for i in range(80))
    link = "<https://yrd.example/api/v1/notifications/unsubscribe?token=" + "x" * 120 + ">"
    assert mailer.send_many([MailMessage(to="a@example.com", subject="【出价被超越】高镍正极材料包覆技术 当前价540,000元",
                                         text=text, message_id="<notification-9@yrd.example>",
                                         headers={"List-Unsubscribe": link})]) == [None]
    [mail] = smtp_server.wait_for(1)
    assert mail.subject == "【出价被超越】高镍正极材料包覆技术 当前价540,000元" and mail.text.strip() == text
    assert mail.message["List-Unsubscribe"].replace("\r\n", "").replace(" ", "") == link
    assert mail.message["Message-ID"] == "<notification-9@yrd.example>" and "长三角技术市场" in str(mail.message["From"])
