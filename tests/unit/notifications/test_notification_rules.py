"""The notification rules on fakes (frozen time): who is told what, by which channel, once."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from market.adapters.notifications_fake import FakeNotificationRepository, FakeNotificationUnitOfWork
from market.domain.notifications import Preference, next_digest_at, read_unsubscribe_token, unsubscribe_token
from market.services.notifications import auctions as rules
from market.services.notifications import listings

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)     # Monday 10:00 Shanghai
LOT = {"id": 7, "lot_no": 1, "session_id": 3, "title": "高镍正极材料包覆技术", "auction_title": "G60专场",
       "starts_at": NOW + timedelta(minutes=20), "ends_at": NOW + timedelta(hours=2), "status": "scheduled",
       "current_price_fen": None, "starting_price_fen": 500_000_00, "achievement_id": 11, "seller_id": 1,
       "market_code": "SH"}


class Calendar:
    def deadline_day(self, now, working_days):
        return (now + timedelta(days=working_days)).date()


@pytest.fixture
def uow():
    repo = FakeNotificationRepository(
        users={1: {"email": "uni@example.cn", "org": 1}, 2: {"email": "a@example.cn", "org": 20},
               3: {"email": "b@example.cn", "org": 30}, 4: {"email": "watcher@example.cn", "org": None},
               5: {"email": "gone@example.cn", "org": None, "active": False}},
        lots={7: dict(LOT)}, registrations=[(7, 20, 2), (7, 30, 3)],
        deposits={101: {"lot_id": 7, "bidder_id": 20, "status": "applied", "amount_fen": 50_000_00},
                  102: {"lot_id": 7, "bidder_id": 30, "status": "released", "amount_fen": 50_000_00}})
    return FakeNotificationUnitOfWork(repo)


def _rows(uow, kind=None):
    return [r for r in uow.notifications.rows if kind is None or r.kind == kind]


def test_outbid_tells_the_previous_leader_only(uow):
    lot = SimpleNamespace(id=7, leader_id=30, current_price_fen=520_000_00, ends_at=NOW + timedelta(hours=2), bid_count=4)
    rules.on_bid(uow, lot=lot, previous_leader_id=20, events=[{"type": "bid_placed"}], now=NOW)
    [row] = _rows(uow)
    assert (row.user_id, row.kind, row.email_to) == (2, "outbid", "a@example.cn")
    assert "520,000元" in row.subject and row.next_attempt_at == NOW


def test_a_bid_that_keeps_the_leader_tells_nobody(uow):
    lot = SimpleNamespace(id=7, leader_id=20, current_price_fen=520_000_00, ends_at=NOW, bid_count=4)
    rules.on_bid(uow, lot=lot, previous_leader_id=20, events=[{"type": "bid_placed"}], now=NOW)
    assert _rows(uow) == []


def test_close_tells_winner_losers_and_watchers_each_once(uow):
    uow.notifications.watch_rows = [(4, "lot", 7), (4, "auction", 3), (3, "lot", 7), (5, "lot", 7)]
    rules.on_lot_closed(uow, lot_id=7, status="sold", winner_id=20, hammer_price_fen=600_000_00,
                        sign_by="2025-03-10", now=NOW)
    assert [(r.user_id, r.kind) for r in _rows(uow)] == [(2, "lot_won"), (3, "lot_lost"), (3, "deposit_released")]
    assert rules.expand_fanouts(lambda: uow, NOW) == 1       # the watchers: right after the close's commit
    assert [(r.user_id, r.kind) for r in _rows(uow)][-1] == (4, "lot_closed")
    assert "请于2025-03-10前签约" in _rows(uow, "lot_won")[0].subject
    rules.on_lot_closed(uow, lot_id=7, status="sold", winner_id=20, hammer_price_fen=600_000_00,
                        sign_by="2025-03-10", now=NOW)
    rules.expand_fanouts(lambda: uow, NOW)
    assert len(_rows(uow)) == 4            # the dedupe key: a second run tells nobody again


def test_preferences_choose_the_channel_and_the_digest(uow):
    uow.notifications.prefs = {2: {"lot_won": Preference(inbox=True, email=False)},
                               3: {"lot_lost": Preference(inbox=True, email=True, mode="digest")}}
    rules.on_lot_closed(uow, lot_id=7, status="sold", winner_id=20, hammer_price_fen=1, sign_by="x", now=NOW)
    won, lost = _rows(uow, "lot_won")[0], _rows(uow, "lot_lost")[0]
    assert (won.email_to, won.email_status) == (None, "none")
    assert (lost.email_mode, lost.next_attempt_at) == ("digest", next_digest_at(NOW))
    assert next_digest_at(NOW) == datetime(2025, 3, 4, 0, 0, tzinfo=timezone.utc)   # 08:00 Shanghai


def test_opening_soon_and_signing_reminders_come_from_the_clock_once(uow):
    uow.notifications.watch_rows = [(4, "achievement", 11)]
    uow.notifications.confirmations = [{"id": 9, "lot_id": 7, "winner_id": 20, "seller_id": 1, "status": "pending",
                                        "hammer_price_fen": 600_000_00, "sign_by": date(2025, 3, 5)}]
    for _ in range(2):
        rules.remind_due(uow, now=NOW, lead=timedelta(minutes=30), calendar=Calendar())
    assert [(r.user_id, r.kind) for r in _rows(uow)] == [(4, "lot_opening_soon"), (2, "signing_deadline")]
    assert "签约期限2025-03-05" in _rows(uow, "signing_deadline")[0].subject


def test_a_lot_opening_after_the_lead_time_waits(uow):
    uow.notifications.watch_rows = [(4, "lot", 7)]
    rules.remind_due(uow, now=NOW, lead=timedelta(minutes=10), calendar=Calendar())
    assert _rows(uow) == []


def test_review_rejection_carries_the_reason_and_approval_queues_a_match_check(uow):
    uow.notifications.achievements = {11: {"id": 11, "title": "柔性散热膜", "holder_id": 1, "created_by_id": 1}}
    listings.on_review_decided(uow, achievement_id=11, approved=False, reason="材料不全", now=NOW)
    assert "材料不全" in _rows(uow, "review_rejected")[0].subject and uow.notifications.jobs == {}
    listings.on_review_decided(uow, achievement_id=11, approved=True, reason=None, now=NOW)
    assert list(uow.notifications.jobs.values()) == [("match", {"achievement_id": 11})]


def test_a_saved_search_matches_on_its_terms_and_filters():
    facts = {"id": 1, "title": "一种石墨烯散热膜", "abstract": "", "keywords": [], "market_code": "SH", "field": "新材料"}
    weights = {"石墨": 1.0, "散热": 0.9}
    fields = {"title": facts["title"], "abstract": "", "keywords": ""}
    search = {"query": "石墨烯 散热膜", "filters": {"field": "新材料"}}
    found = listings.saved_search_explanation(search, facts, weights, fields, 0.5)
    assert {t["term"] for t in found["terms"]} == {"石墨", "散热"} and found["fields"]["title"]
    assert listings.saved_search_explanation({**search, "filters": {"market": "JS"}}, facts, weights, fields, 0.5) is None
    assert listings.saved_search_explanation({"query": "量子通信", "filters": {}}, facts, weights, fields, 0.5) is None


def test_contract_registration_tells_both_parties(uow):
    listings.on_contract_registered(uow, contract_id=5, title="柔性散热膜技术转让", registration_number="SH2025000001",
                                    amount_fen=100_000_00, seller_org_id=1, buyer_org_id=20, now=NOW)
    assert sorted(r.user_id for r in _rows(uow, "contract_registered")) == [1, 2]


def test_unsubscribe_tokens_are_signed_per_user_and_kind():
    token = unsubscribe_token("secret", 42, "outbid")
    assert read_unsubscribe_token("secret", token) == (42, "outbid")
    assert read_unsubscribe_token("other", token) is None
    assert read_unsubscribe_token("secret", token.replace("42.", "43.", 1)) is None
    assert read_unsubscribe_token("secret", "garbage") is None


def test_a_mail_keeps_its_message_id_and_unsubscribe_header_on_every_attempt():
    from market.domain.notifications import OutboxMail
    from market.services.notifications.delivery import DeliverySettings, compose_mail
    row = OutboxMail(12, 2, "outbid", "【出价被超越】拍品", "正文", "a@example.cn", "immediate", 0, NOW)
    settings = DeliverySettings(secret="s", base_url="https://yrd.example")
    first, again = compose_mail([row], "市场 <noreply@yrd.example>", settings), \
        compose_mail([row], "市场 <noreply@yrd.example>", settings)
    assert first == again and first.message_id == "<notification-12@yrd.example>"
    assert first.headers["List-Unsubscribe"].startswith("<https://yrd.example/api/v1/notifications/unsubscribe?token=2.outbid.")
