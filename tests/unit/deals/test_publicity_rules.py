"""Publicity (公示) rules on a frozen clock: length, calendar days, objections, exactly-once end."""
from datetime import datetime, timedelta, timezone

import pytest

from deal_builders import NOW, World
from market.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from market.domain.publicity import PublicityNotice, publicity_days, publicity_period

UTC = timezone.utc


def notice(w, now=NOW, days=15):
    return PublicityNotice(agreement=w.agreement(now=now), achievement_title=w.achievement.title,
                           seller_name=w.uni.name, buyer_name=w.corp.name, days=days, now=now)


def test_the_period_runs_from_the_next_shanghai_day_for_whole_calendar_days():
    # 23:30 on 3 March in Shanghai is still 3 March there (15:30 UTC)
    start, end = publicity_period(datetime(2025, 3, 3, 15, 30, tzinfo=UTC), 15)
    assert start == datetime(2025, 3, 3, 16, 0, tzinfo=UTC)     # 4 March 00:00 +08:00
    assert end == datetime(2025, 3, 18, 16, 0, tzinfo=UTC)      # 19 March 00:00 +08:00 = 24:00 of day 15
    # 00:30 on 4 March in Shanghai (16:30 UTC on the 3rd) starts on the 5th
    start, _ = publicity_period(datetime(2025, 3, 3, 16, 30, tzinfo=UTC), 15)
    assert start == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)


def test_publicity_lasts_at_least_15_days_and_is_configurable_per_market():
    assert publicity_days("SH") == 15
    assert publicity_days("JS", {"JS": 20}) == 20
    assert publicity_days("ZJ", {"JS": 20}) == 15
    assert publicity_days("AH", 30) == 30
    with pytest.raises(ValueError):
        publicity_days("SH", {"SH": 14})
    with pytest.raises(ValueError):
        publicity_period(NOW, 10)


def test_a_notice_carries_what_the_law_asks_to_publish():
    w = World()
    n = notice(w, days=20)
    assert (n.achievement_title, n.seller_name, n.buyer_name) == (w.achievement.title, w.uni.name, w.corp.name)
    assert (n.price_fen, n.transfer_mode, n.status, n.days) == (4_500_000, "转让", "scheduled", 20)
    assert (n.ends_at - n.starts_at) == timedelta(days=20)


def test_open_and_end_happen_on_time_exactly_once():
    n = notice(World())
    assert not n.is_due_to_open(n.starts_at - timedelta(microseconds=1))
    with pytest.raises(IllegalTransition):
        n.open(n.starts_at - timedelta(seconds=1))
    n.open(n.starts_at)
    with pytest.raises(IllegalTransition):
        n.open(n.starts_at)
    assert not n.is_due_to_end(n.ends_at - timedelta(microseconds=1))
    assert n.end(n.ends_at) is True
    assert (n.status, n.ended_at) == ("ended", n.ends_at)
    assert not n.is_due_to_end(n.ends_at + timedelta(days=1))
    with pytest.raises(IllegalTransition):
        n.end(n.ends_at + timedelta(days=1))


def test_objections_are_taken_only_inside_the_period():
    w = World()
    n = notice(w)
    with pytest.raises(IllegalTransition):
        n.file_objection(w.buyer2, "价格明显偏低", n.starts_at - timedelta(seconds=1))
    objection = n.file_objection(w.buyer2, "价格明显偏低", n.starts_at)
    assert objection.status == "pending" and objection.filer_org_id == w.corp2.id
    n.file_objection(w.op_js, "评估报告缺失", n.ends_at - timedelta(seconds=1))
    with pytest.raises(IllegalTransition):
        n.file_objection(w.buyer2, "too late", n.ends_at)


def test_a_party_cannot_object_to_its_own_deal_and_a_reason_is_required():
    w = World()
    n = notice(w)
    for party in (w.holder, w.buyer):
        with pytest.raises(Forbidden):
            n.file_objection(party, "自己反对自己", n.starts_at)
    with pytest.raises(ValidationFailed):
        n.file_objection(w.buyer2, "   ", n.starts_at)


def test_an_upheld_objection_voids_the_notice_a_dismissed_one_is_recorded_with_its_reason():
    w = World()
    n = notice(w)
    first = n.file_objection(w.buyer2, "价格明显偏低", n.starts_at)
    second = n.file_objection(w.op_js, "未经评估", n.starts_at)
    with pytest.raises(Forbidden):
        n.rule(w.op_js, first, "dismissed", "理由不足", n.starts_at)
    with pytest.raises(ValidationFailed):
        n.rule(w.op_sh, first, "dismissed", "", n.starts_at)
    n.rule(w.op_sh, first, "dismissed", "价格经评估合理", n.starts_at + timedelta(days=1))
    assert (first.status, first.ruling_reason, first.ruled_by_id) == ("dismissed", "价格经评估合理", w.op_sh.id)
    assert n.status == "scheduled"
    n.rule(w.op_sh, second, "upheld", "缺少资产评估", n.starts_at + timedelta(days=2))
    assert (second.status, n.status) == ("upheld", "voided")
    assert not n.is_due_to_end(n.ends_at)


def test_an_objection_still_pending_at_the_end_keeps_the_deal_unsignable():
    w = World()
    n = notice(w)
    objection = n.file_objection(w.buyer2, "价格明显偏低", n.starts_at)
    assert n.end(n.ends_at) is False
    assert n.pending_objections() == [objection]
    n.rule(w.op_sh, objection, "dismissed", "无依据", n.ends_at + timedelta(days=1))
    assert n.pending_objections() == []
