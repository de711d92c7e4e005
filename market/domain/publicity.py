"""The statutory publicity of an agreed price (协议定价公示) and objections to it (异议).

When a publicly funded unit (财政资助单位) transfers or licenses an achievement at an agreed
price, it publishes the achievement, the parties and the intended price for at least 15 days
before signing, and anyone may object meanwhile. Periods are counted as the law counts them
(民法典 第二百零一条: the day the period begins in is not counted): a notice made on day D runs
from 00:00 of D+1 to 24:00 of D+N, Asia/Shanghai calendar days, whatever the server's zone.

A notice moves scheduled → open → ended on time, exactly once (the scheduler and the sweep may
both try; the row lock and the version column make the second a no-op), or → voided when the
listing market's operator upholds an objection.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping
from market.domain.local_time import SHANGHAI

from .deals import MAX_REASON, clean_text
from .errors import Forbidden, IllegalTransition, ValidationFailed

MIN_PUBLICITY_DAYS = 15
NOTICE_STATUSES = ("scheduled", "open", "ended", "voided")
OBJECTION_STATUSES = ("pending", "upheld", "dismissed")
RULINGS = ("upheld", "dismissed")


def publicity_days(market_code: str, configured: Mapping[str, int] | int | None = None) -> int:
    """A market's publicity length: its configured days (PUBLICITY_DAYS, per market or one
    figure for all), never fewer than the statutory 15."""
    days = configured.get(market_code) if isinstance(configured, Mapping) else configured
    days = MIN_PUBLICITY_DAYS if days is None else int(days)
    if days < MIN_PUBLICITY_DAYS:
        raise ValueError(f"publicity of {market_code} must last at least {MIN_PUBLICITY_DAYS} days, not {days}")
    return days


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(timezone.utc)


def publicity_period(now: datetime, days: int) -> tuple[datetime, datetime]:
    """(start, end) in UTC: from the next Shanghai day's 00:00 to 24:00 of its `days`-th day."""
    if days < MIN_PUBLICITY_DAYS:
        raise ValueError(f"publicity must last at least {MIN_PUBLICITY_DAYS} days")
    first = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    return _local_midnight(first), _local_midnight(first + timedelta(days=days))


class PublicityNotice:
    """公示: what the public sees of an agreed deal by a publicly funded seller."""

    def __init__(self, *, agreement, achievement_title: str, seller_name: str, buyer_name: str,
                 days: int, now: datetime):
        self.agreement_id, self.achievement_id = getattr(agreement, "id", None), agreement.achievement_id
        self.market_code = agreement.market_code
        self.seller_org_id, self.buyer_org_id = agreement.seller_org_id, agreement.buyer_org_id
        self.achievement_title, self.seller_name, self.buyer_name = achievement_title, seller_name, buyer_name
        self.price_fen, self.transfer_mode = agreement.price_fen, agreement.transfer_mode
        self.days = days
        self.starts_at, self.ends_at = publicity_period(now, days)
        self.status = "scheduled"
        self.created_at = now
        self.opened_at = self.ended_at = self.voided_at = None
        self.objections: list[Objection] = []

    # --- time ----------------------------------------------------------------------
    def is_due_to_open(self, now: datetime) -> bool:
        return self.status == "scheduled" and now >= self.starts_at

    def is_due_to_end(self, now: datetime) -> bool:
        return self.status in ("scheduled", "open") and now >= self.ends_at

    def in_period(self, now: datetime) -> bool:
        """Objections are taken from the start to the end, whether or not the open has run yet."""
        return self.status in ("scheduled", "open") and self.starts_at <= now < self.ends_at

    def open(self, now: datetime) -> None:
        if not self.is_due_to_open(now):
            raise IllegalTransition(f"公示当前状态为「{self.status}」，未到开始时间或已开始 (not due to open)")
        self.status, self.opened_at = "open", now

    def end(self, now: datetime) -> bool:
        """Close the period. True when the agreement may now be signed (no objection pending:
        upheld ones have already voided the notice)."""
        if not self.is_due_to_end(now):
            raise IllegalTransition(f"公示当前状态为「{self.status}」，未到结束时间或已结束 (not due to end)")
        self.opened_at = self.opened_at or self.starts_at
        self.status, self.ended_at = "ended", now
        return not self.pending_objections()

    def void(self, now: datetime) -> None:
        if self.status not in ("scheduled", "open", "ended"):
            raise IllegalTransition(f"公示当前状态为「{self.status}」，不能撤销 (cannot void)")
        self.status, self.voided_at = "voided", now

    # --- objections ------------------------------------------------------------------
    def pending_objections(self) -> list["Objection"]:
        return [o for o in self.objections if o.status == "pending"]

    def file_objection(self, user, reason: str, now: datetime) -> "Objection":
        """Anyone signed in, except the deal's own parties, during the period."""
        if user is None:
            raise Forbidden("请登录后提出异议 (sign in to object)")
        if getattr(user, "organisation_id", None) in (self.seller_org_id, self.buyer_org_id):
            raise Forbidden("交易当事方不能对自己的交易提出异议 (a party cannot object to its own deal)")
        reason = clean_text(reason, "reason", MAX_REASON, required=True, label="异议理由")
        if not self.in_period(now):
            raise IllegalTransition(
                f"公示期为 {self.starts_at.astimezone(SHANGHAI).isoformat()} 至 "
                f"{self.ends_at.astimezone(SHANGHAI).isoformat()}，现在不能提出异议 (outside the publicity period)")
        objection = Objection(notice=self, user=user, reason=reason, now=now)
        self.objections.append(objection)
        return objection

    def rule(self, user, objection: "Objection", decision: str, reason: str, now: datetime) -> None:
        """The listing market's operator rules; an upheld objection voids the notice."""
        if not user.operates(self.market_code):
            raise Forbidden(f"只有挂牌市场({self.market_code})的运营人员可以处理异议 (operators of {self.market_code})")
        if decision not in RULINGS:
            raise ValidationFailed.on("decision", f"处理结果必须是 {' / '.join(RULINGS)} 之一")
        reason = clean_text(reason, "reason", MAX_REASON, required=True, label="处理理由")
        if objection.status != "pending":
            raise IllegalTransition(f"异议已处理（{objection.status}） (objection already ruled)")
        if self.status == "voided":
            raise IllegalTransition("公示已撤销 (notice voided)")
        objection.status, objection.ruling_reason = decision, reason
        objection.ruled_by_id, objection.ruled_at = user.id, now
        if decision == "upheld":
            self.void(now)


class Objection:
    """异议: a challenge to a notice, filed in its period and ruled on by the operator."""

    def __init__(self, *, notice: PublicityNotice, user, reason: str, now: datetime):
        self.notice_id = getattr(notice, "id", None)
        self.filed_by_id, self.filer_org_id = user.id, getattr(user, "organisation_id", None)
        self.reason, self.status = reason, "pending"
        self.created_at = now
        self.ruling_reason = self.ruled_by_id = self.ruled_at = None
