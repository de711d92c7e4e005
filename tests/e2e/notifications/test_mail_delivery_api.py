"""The mail side through HTTP: a refusing server gets the mail later with exactly one copy, the
one-click unsubscribe works without a log-in (link and List-Unsubscribe header), preferences turn
the mail off or into a daily digest."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from auction_http import publish_achievement
from notify_http import mails_to


def test_a_server_refusing_twice_gets_the_mail_on_the_third_attempt_exactly_once(client, cast, clock, deliver,
                                                                                  smtp_server):
    publish_achievement(client, cast)
    smtp_server.fail_next(2)
    deliver()
    assert smtp_server.received == []
    clock.set(clock.now() + timedelta(seconds=31))            # first retry after 30 s
    deliver()
    assert smtp_server.received == []
    deliver()                                                 # not yet due again (backoff: 60 s)
    clock.set(clock.now() + timedelta(seconds=61))
    deliver()
    clock.set(clock.now() + timedelta(hours=1))
    deliver()
    mails = mails_to(smtp_server, "uni_member")
    assert len(mails) == 1 and mails[0].subject.startswith("【审核通过】")
    assert mails[0].message["Message-ID"].startswith("<notification-")


def test_the_mail_carries_a_one_click_unsubscribe_that_needs_no_login(client, cast, deliver, smtp_server):
    publish_achievement(client, cast, title="成果一")
    deliver()
    mail = mails_to(smtp_server, "uni_member")[0]
    link = "".join(str(mail.message["List-Unsubscribe"]).split()).strip("<>")   # unfolded
    assert link in mail.text and mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = urlsplit(link)
    r = client.post(parts.path, query_string=parts.query)            # no Authorization header
    assert r.status_code == 200 and r.get_json()["kind"] == "review_approved", r.get_json()
    prefs = client.get("/api/v1/notifications/preferences", headers=cast["uni_member"]).get_json()["kinds"]
    assert [p for p in prefs if p["kind"] == "review_approved"][0]["email"] is False
    publish_achievement(client, cast, title="成果二")
    deliver()
    assert len(mails_to(smtp_server, "uni_member")) == 1              # still in the inbox, no second mail
    assert client.get("/api/v1/notifications/unread-count", headers=cast["uni_member"]).get_json()["unread"] == 2
    forged = client.get(parts.path, query_string={"token": parts.query.split("=", 1)[1][:-3] + "abc"})
    assert forged.status_code == 422 and "token" in forged.get_json()["errors"]


def test_a_daily_digest_collects_the_day_into_one_mail_at_eight(client, cast, clock, deliver, smtp_server):
    r = client.put("/api/v1/notifications/preferences", headers=cast["uni_member"],
                   json={"kinds": [{"kind": "review_approved", "mode": "digest"}]})
    assert r.status_code == 200, r.get_json()
    publish_achievement(client, cast, title="成果一")
    publish_achievement(client, cast, title="成果二")
    deliver()
    assert mails_to(smtp_server, "uni_member") == []
    clock.set(clock.now() + timedelta(hours=22))               # 08:00 Shanghai the next day
    deliver()
    digests = mails_to(smtp_server, "uni_member")
    assert len(digests) == 1 and digests[0].subject.startswith("【每日汇总】2条通知")
    assert "成果一" in digests[0].text and "成果二" in digests[0].text


def test_bad_preferences_and_watches_answer_with_field_messages(client, cast):
    r = client.put("/api/v1/notifications/preferences", headers=cast["uni_member"],
                   json={"kinds": [{"kind": "nonsense", "mode": "weekly"}]})
    assert r.status_code == 422 and r.get_json()["errors"]
    r = client.post("/api/v1/watches", headers=cast["uni_member"], json={"target_type": "lot", "target_id": 999})
    assert r.status_code == 404
    r = client.post("/api/v1/watches", headers=cast["uni_member"], json={"target_type": "planet", "target_id": 1})
    assert r.status_code == 422 and "target_type" in str(r.get_json()["errors"])
