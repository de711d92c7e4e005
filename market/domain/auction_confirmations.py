"""Sale confirmations (成交确认书): the winner signs by a deadline counted in working days."""
from __future__ import annotations

from datetime import date, datetime

from market.domain.auction_basics import _require_aware, end_of_day
from market.domain.auction_bids import CloseResult
from market.domain.calendar import WorkingDayCalendar
from market.domain.errors import Conflict, IllegalTransition
from market.domain.labels import status_label


class Confirmation:
    """成交确认书: the record of a sale, to be signed by the signing deadline (a local date)."""

    def __init__(self, *, lot_id: int, achievement_id: int, market_code: str, seller_id: int,
                 winner_id: int, hammer_price_fen: int, deposit_fen: int, sign_by: date,
                 created_at: datetime):
        _require_aware(created_at, "created_at")
        self.lot_id = lot_id
        self.achievement_id = achievement_id
        self.market_code = market_code
        self.seller_id = seller_id
        self.winner_id = winner_id
        self.hammer_price_fen = hammer_price_fen
        self.deposit_fen = deposit_fen
        self.sign_by = sign_by
        self.status = "pending"
        self.created_at = created_at
        self.signed_at: datetime | None = None
        self.signed_by_id: int | None = None
        self.forfeited_at: datetime | None = None

    @classmethod
    def issue(cls, *, lot, result: CloseResult, market_code: str, now: datetime,
              calendar: WorkingDayCalendar, working_days: int = 5) -> "Confirmation":
        if result.status != "sold":
            raise IllegalTransition("流拍的拍品没有成交确认书 (unsold lot has no confirmation)")
        return cls(lot_id=lot.id, achievement_id=lot.achievement_id, market_code=market_code,
                   seller_id=lot.seller_id, winner_id=result.winner_id,
                   hammer_price_fen=result.hammer_price_fen, deposit_fen=lot.deposit_fen,
                   sign_by=calendar.deadline_day(now, working_days), created_at=now)

    @property
    def deadline(self) -> datetime:
        return end_of_day(self.sign_by)

    def is_overdue(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.deadline

    def sign(self, now: datetime, actor_id: int | None) -> None:
        _require_aware(now)
        if self.status != "pending":
            raise IllegalTransition(f"确认书{status_label('confirmation', self.status)}"
                                    f" (confirmation already {self.status})")
        if now >= self.deadline:
            raise IllegalTransition("已过签约期限 (signing deadline has passed)")
        self.status = "signed"
        self.signed_at = now
        self.signed_by_id = actor_id

    def forfeit(self, now: datetime) -> None:
        _require_aware(now)
        if self.status != "pending":
            raise IllegalTransition(f"确认书{status_label('confirmation', self.status)}"
                                    f" (confirmation already {self.status})")
        if now < self.deadline:
            raise Conflict("签约期限未到 (signing deadline not reached)")
        self.status = "forfeited"
        self.forfeited_at = now
