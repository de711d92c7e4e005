"""Publicity (公示) use cases: the public list and notices, objections and their rulings, and the
opening and ending of periods on time, exactly once.

Opening and ending follow closing a lot: the notice's row lock and its version column make a
second run (the scheduler's job, the sweep, another process, a retry after a crash) find the
notice already moved and do nothing; a crash before the commit leaves it for the next sweep.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from market.domain.errors import Conflict, NotFound, StaleWrite

from .common import load_actor
from .deal_views import notice_view, objection_view, page_view

log = logging.getLogger(__name__)


def _now(clock) -> datetime:
    return clock.now() if hasattr(clock, "now") else clock


def _notice_or_404(repo, notice_id: int, *, lock: bool = False):
    notice = repo.notice(notice_id, lock=lock)
    if notice is None:
        raise NotFound(f"公示 {notice_id} 不存在 (not found)")
    return notice


# =========================================================================== public reads

def list_notices(uow, *, market_code: str | None = None, status: str | None = None, page: int = 1,
                 per_page: int = 20) -> dict:
    """Public: anyone may read every notice, whatever its status."""
    with uow:
        items, total = uow.deals.notices(market_code=market_code, status=status, page=page, per_page=per_page)
        return page_view([notice_view(n) for n in items], total, page, per_page)


def get_notice(uow, *, notice_id: int) -> dict:
    with uow:
        return notice_view(_notice_or_404(uow.deals, notice_id))


# =========================================================================== objections

def file_objection(uow, *, actor_id: int, notice_id: int, reason: str, now: datetime) -> dict:
    """Anyone signed in, except the deal's parties, during the period."""
    with uow:
        user = load_actor(uow, actor_id)
        notice = _notice_or_404(uow.deals, notice_id, lock=True)
        objection = notice.file_objection(user, reason, now)
        _commit_notice(uow)
        return objection_view(objection)


def rule_objection(uow, *, actor_id: int, objection_id: int, decision: str, reason: str, now: datetime) -> dict:
    """The listing market's operator rules. Upheld: the agreement is voided and the achievement
    is published again. Dismissed after the period's end with nothing else pending: the
    agreement becomes signable."""
    with uow:
        user = load_actor(uow, actor_id)
        repo = uow.deals
        notice_id = repo.notice_id_of_objection(objection_id)
        if notice_id is None:
            raise NotFound(f"异议 {objection_id} 不存在 (not found)")
        notice = _notice_or_404(repo, notice_id, lock=True)
        objection = next(o for o in notice.objections if o.id == objection_id)
        notice.rule(user, objection, decision, reason, now)
        agreement = repo.agreement(notice.agreement_id, lock=True)
        if decision == "upheld":
            _void(uow, repo, agreement, user, objection, now)
        elif notice.status == "ended" and not notice.pending_objections() and agreement.status == "in_publicity":
            agreement.become_signable(now)
        _commit_notice(uow)
        view = objection_view(objection)
        view["agreement_status"] = agreement.status
        return view


def _void(uow, repo, agreement, user, objection, now: datetime) -> None:
    """The deal is off: the achievement is published again, and its negotiation and interest are
    closed (the company may register a new interest)."""
    agreement.void(f"异议成立: {objection.ruling_reason}", now)
    uow.achievements.get_for_update(agreement.achievement_id).void_agreement(
        user.id, now, reason=f"公示异议成立 (objection #{objection.id} upheld)")
    negotiation = repo.negotiation(agreement.negotiation_id, lock=True)
    negotiation.close(now)
    repo.interest(negotiation.interest_id, lock=True).close(now)


def _commit_notice(uow) -> None:
    try:
        uow.commit()
    except StaleWrite as exc:   # only without the row lock; the caller may retry
        uow.rollback()
        raise Conflict("公示已被同时修改，请重试 (the notice changed meanwhile; retry)") from exc


# =========================================================================== on time, exactly once

def open_notice(uow, notice_id: int, clock) -> bool:
    """Open a notice whose start has come. False when there is nothing to do."""
    with uow:
        notice = uow.deals.notice(notice_id, lock=True)
        now = _now(clock)
        if notice is None or not notice.is_due_to_open(now):
            return False
        notice.open(now)
        return _commit_once(uow, notice_id, "opened")


def end_notice(uow, notice_id: int, clock) -> bool:
    """End a notice whose period is over: with no objection pending the agreement becomes
    signable. False when this call did not end it (already ended, voided, not due)."""
    with uow:
        repo = uow.deals
        notice = repo.notice(notice_id, lock=True)
        now = _now(clock)
        if notice is None or not notice.is_due_to_end(now):
            return False
        if notice.end(now):
            repo.agreement(notice.agreement_id, lock=True).become_signable(now)
        return _commit_once(uow, notice_id, "ended")


def _commit_once(uow, notice_id: int, what: str) -> bool:
    try:
        uow.commit()
    except StaleWrite:
        log.info("publicity notice %s was %s concurrently", notice_id, what)
        return False
    return True


@dataclass
class PublicitySweep:
    opened: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


def sweep_publicity(uow_factory, clock) -> PublicitySweep:
    """Catch up on every notice due to open or end; safe from several processes at once."""
    result = PublicitySweep()
    now = _now(clock)
    with uow_factory() as uow:
        repo = uow.deals
        to_end, to_open = repo.notice_ids_due_to_end(now), repo.notice_ids_due_to_open(now)
    for notice_id in to_end:
        if end_notice(uow_factory(), notice_id, clock):
            result.ended.append(notice_id)
    for notice_id in to_open:
        if open_notice(uow_factory(), notice_id, clock):
            result.opened.append(notice_id)
    return result


def notice_schedule(uow, now: datetime, horizon: timedelta) -> list[tuple[int, str, datetime, datetime]]:
    """For the scheduler: notices that open or end within the horizon."""
    with uow:
        return uow.deals.upcoming_notice_times(now + horizon)
