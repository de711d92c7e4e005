"""The facts notification rules read (who to tell, what the lot is called, whose deposit it is):
plain dicts from Core queries over the other features' tables, so the rules in
`market/services/notifications` need no feature repository (and no sqlalchemy)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from .orm import achievements, demands, users
from .orm_auctions import auction_confirmations, auction_lots, auction_registrations, auction_sessions, deposits

_L = auction_lots.c


class NotificationReads:
    session = None

    def recipients(self, user_ids) -> list[tuple[int, str]]:
        """(user id, e-mail) of the active users among `user_ids`."""
        ids = sorted(set(i for i in user_ids if i is not None))
        found: list[tuple[int, str]] = []
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            found += [tuple(r) for r in self.session.execute(select(users.c.id, users.c.email).where(
                users.c.id.in_(chunk), users.c.active.is_(True)).order_by(users.c.id))]
        return found

    def members_of(self, org_ids) -> list[tuple[int, str]]:
        """(user id, e-mail) of the organisations' active members."""
        ids = sorted(set(i for i in org_ids if i is not None))
        if not ids:
            return []
        return [tuple(r) for r in self.session.execute(select(users.c.id, users.c.email).where(
            users.c.organisation_id.in_(ids), users.c.active.is_(True)).order_by(users.c.id))]

    def lot_facts(self, lot_id: int) -> dict | None:
        """Read once per unit of work (a close asks for each deposit it releases)."""
        memo = self.__dict__.setdefault("_lot_memo", {})
        if lot_id not in memo:
            memo[lot_id] = self._lot_facts(lot_id)
        return memo[lot_id]

    def _lot_facts(self, lot_id: int) -> dict | None:
        row = self.session.execute(select(
            _L.id, _L.lot_no, _L.session_id, _L.title, _L.starts_at, _L.ends_at, _L.status,
            _L.current_price_fen, _L.starting_price_fen, _L.achievement_id, _L.seller_id,
            auction_sessions.c.title.label("auction_title"), auction_sessions.c.market_code)
            .join(auction_sessions, auction_sessions.c.id == _L.session_id).where(_L.id == lot_id)).mappings().first()
        return dict(row) if row else None

    def lot_registrants(self, lot_id: int) -> list[tuple[int, int | None]]:
        """(bidder organisation, the user who registered it) per registration of the lot."""
        r = auction_registrations.c
        return [tuple(x) for x in self.session.execute(
            select(r.bidder_id, r.user_id).where(r.lot_id == lot_id).order_by(r.id))]

    def registrant_users(self, lot_id: int, org_ids) -> list[int]:
        r = auction_registrations.c
        ids = list(set(org_ids))
        return list(self.session.scalars(select(r.user_id).where(r.lot_id == lot_id, r.bidder_id.in_(ids))))

    def deposit_facts(self, deposit_id: int) -> dict | None:
        r, d = auction_registrations.c, deposits.c
        row = self.session.execute(select(
            d.id, d.amount_fen, d.bidder_id, d.release_by, r.user_id, r.lot_id, users.c.email, users.c.active)
            .join(auction_registrations, r.id == d.registration_id).outerjoin(users, users.c.id == r.user_id)
            .where(d.id == deposit_id)).mappings().first()
        return dict(row) if row else None

    def lots_opening_between(self, after: datetime, until: datetime) -> list[int]:
        return list(self.session.scalars(select(_L.id).where(
            _L.status == "scheduled", _L.starts_at > after, _L.starts_at <= until).order_by(_L.starts_at)))

    def confirmations_pending_by(self, day: date) -> list[dict]:
        c = auction_confirmations.c
        rows = self.session.execute(select(c.id, c.lot_id, c.winner_id, c.seller_id, c.hammer_price_fen, c.sign_by)
                                    .where(c.status == "pending", c.sign_by <= day).order_by(c.id)).mappings()
        return [dict(r) for r in rows]

    def achievement_facts(self, achievement_id: int) -> dict | None:
        a = achievements.c
        row = self.session.execute(select(a.id, a.title, a.holder_id, a.created_by_id, a.status, a.market_code,
                                          a.abstract, a.keywords, a.province, a.field, a.ip_type).where(a.id == achievement_id)
                                   ).mappings().first()
        return dict(row) if row else None

    def demand_facts(self, demand_ids) -> dict[int, dict]:
        d = demands.c
        ids = sorted(set(demand_ids))
        if not ids:
            return {}
        rows = self.session.execute(select(d.id, d.title, d.enterprise_id, d.status).where(d.id.in_(ids))).mappings()
        return {r["id"]: dict(r) for r in rows}

    def target_exists(self, target_type: str, target_id: int) -> bool:
        table = {"achievement": achievements, "demand": demands, "auction": auction_sessions,
                 "lot": auction_lots}[target_type]
        return self.session.scalar(select(table.c.id).where(table.c.id == target_id)) is not None

    def lot_deposits(self, lot_id: int) -> list[dict]:
        """Every registration of the lot with its deposit and the registrant's address, in one query
        (a close tells fifty bidders with a handful of statements)."""
        r, d = auction_registrations.c, deposits.c
        rows = self.session.execute(select(
            d.id.label("deposit_id"), d.status, d.amount_fen, d.release_by, r.bidder_id, r.user_id,
            users.c.email, users.c.active).join(auction_registrations, r.id == d.registration_id)
            .outerjoin(users, users.c.id == r.user_id).where(r.lot_id == lot_id).order_by(r.id)).mappings()
        return [dict(x) for x in rows]

    def watchers_with_address(self, targets: list[tuple[str, int]]) -> list[tuple[int, str]]:
        return self.recipients(self.watchers(targets))
