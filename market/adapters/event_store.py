"""The live feed's reads of auction_events: Core queries, each one round trip.

Every event read here carries `event_id`, the table's primary key: the id of the auction-wide
stream (unique and increasing across the lots of a day), where the lot stream uses `seq`."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .orm_auctions import auction_events, auction_lots, auction_sessions

E, L = auction_events.c, auction_lots.c


def _with_ids(rows) -> list[dict]:
    return [{**data, "event_id": ident} for ident, data in rows]


class EventStore:
    """Reads for one unit of work's session."""

    def __init__(self, session: Session):
        self.session = session

    def lot_events_after(self, lot_id: int, seq: int, limit: int = 1000) -> list[dict]:
        return _with_ids(self.session.execute(
            select(E.id, E.data).where(E.lot_id == lot_id, E.seq > seq).order_by(E.seq).limit(limit)))

    def auction_events_after(self, auction_id: int, event_id: int, limit: int = 1000) -> list[dict]:
        lots = select(L.id).where(L.session_id == auction_id)
        return _with_ids(self.session.execute(
            select(E.id, E.data).where(E.lot_id.in_(lots), E.id > event_id).order_by(E.id).limit(limit)))

    def last_auction_event_id(self, auction_id: int) -> int:
        """The id of the auction's latest event (0 before any): where a page rendered now stands."""
        lots = select(L.id).where(L.session_id == auction_id)
        return self.session.execute(select(func.max(E.id)).where(E.lot_id.in_(lots))).scalar() or 0

    def positions(self, auction_id: int, event_id: int) -> dict[int, int]:
        """Per lot of the auction, the last seq at or before `event_id` (where a resumed
        auction-wide stream stands in each lot's own sequence)."""
        lots = select(L.id).where(L.session_id == auction_id)
        return dict(self.session.execute(
            select(E.lot_id, func.max(E.seq)).where(E.lot_id.in_(lots), E.id <= event_id)
            .group_by(E.lot_id)).all())

    def last_seqs(self, lot_ids: list[int]) -> dict[int, int]:
        if not lot_ids:
            return {}
        rows = self.session.execute(select(L.id, L.event_seq).where(L.id.in_(lot_ids))).all()
        return {lot_id: seq or 0 for lot_id, seq in rows}

    def lots_of(self, auction_ids: list[int]) -> dict[int, int]:
        """lot id -> auction id, for the lots of these auctions."""
        if not auction_ids:
            return {}
        return dict(self.session.execute(
            select(L.id, L.session_id).where(L.session_id.in_(auction_ids))).all())

    def auction_exists(self, auction_id: int) -> bool:
        return self.session.scalar(select(auction_sessions.c.id).where(
            auction_sessions.c.id == auction_id)) is not None
