"""Tables of federation out, and the public representations the change feed carries.

``catalogue_changes``: the change feed. Its ids are handed out in commit order (see
``FederationRepository.append_changes``), so "every id above my cursor" never misses a change
committed late by a transaction that started early.
``catalogue_state``: the version of each entity last put in the feed (a row = in the public
catalogue now); a commit that changes nothing public adds no change.
``webhook_subscriptions`` / ``webhook_deliveries``: who wants which events, and each event's
delivery to each subscription (the delivery log).

The representations are built from plain rows, a batch of ids at a time (an import commits 500
achievements at once), and hold only what the public pages show: never a reserve price, a
leader's ceiling, a rejection reason or a contract's amounts."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table,
                        Text, select)

from market.domain.achievements import Achievement
from market.domain.demands import Demand

from . import orm
from .orm import metadata
from .orm_auctions import auction_lots, auction_sessions
from .orm_contracts import contracts
from .types import UTCDateTime

ID = BigInteger().with_variant(Integer, "sqlite")

catalogue_changes = Table(
    "catalogue_changes", metadata,
    Column("id", ID, primary_key=True),
    Column("entity_type", String(16), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),            # created | changed | withdrawn
    Column("event_type", String(40), nullable=False),
    Column("version", String(16)),
    Column("representation", JSON),                         # None when withdrawn
    Column("committed_at", UTCDateTime, nullable=False),
    Index("ix_catalogue_changes_type_id", "entity_type", "id"),
    sqlite_autoincrement=True,                              # an id is never handed out twice
)

catalogue_state = Table(
    "catalogue_state", metadata,
    Column("entity_type", String(16), primary_key=True),
    Column("entity_id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(16), nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("market_code", ForeignKey("markets.code")),      # None: the regional admin's own
    Column("owner_id", ForeignKey("users.id"), nullable=False),
    Column("url", String(500), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("event_types", JSON, nullable=False),
    Column("secret", String(80), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("cursor", BigInteger, nullable=False, default=0),   # last change fanned out to deliveries
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", ID, primary_key=True),
    Column("subscription_id", ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("change_id", BigInteger, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("status", String(12), nullable=False),          # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("budget", Integer, nullable=False),             # attempts allowed (a re-send raises it)
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_status_code", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
)


def _plain(value):
    """JSON-ready: times as ISO text (UTC), dates as ISO dates."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _dict(row, names) -> dict:
    return {name: _plain(getattr(row, name)) for name in names}


ACHIEVEMENT_FIELDS = ("id", "title", "abstract", "keywords", "ip_type", "application_numbers", "field",
                      "maturity", "transfer_modes", "price_fen", "negotiable", "market_code", "province",
                      "city", "district", "status", "published_at")
DEMAND_FIELDS = ("id", "title", "description", "field", "budget_min_fen", "budget_max_fen", "deadline",
                 "cooperation_mode", "market_code", "external_id", "province", "city", "district", "status",
                 "published_at")
LOT_FIELDS = ("id", "session_id", "lot_no", "achievement_id", "title", "starting_price_fen", "status",
              "bid_count", "ends_at", "closed_at")
CONTRACT_FIELDS = ("id", "registration_number", "market_code", "contract_type", "field", "signed_on",
                   "seller_province", "buyer_province", "achievement_id", "demand_id", "lot_id", "status",
                   "registered_at")


def achievements(session, ids: list[int]) -> dict[int, dict]:
    a, org, li = orm.achievements, orm.organisations, orm.achievement_listings
    rows = session.execute(
        select(*(a.c[n] for n in ACHIEVEMENT_FIELDS), org.c.name.label("holder_name"),
               org.c.kind.label("holder_kind"), org.c.province.label("holder_province"), a.c.holder_id)
        .select_from(a.join(org, org.c.id == a.c.holder_id)).where(a.c.id.in_(ids))).all()
    public = [row for row in rows if Achievement.is_public.fget(row)]
    listings: dict[int, list[dict]] = {}
    if public:
        for row in session.execute(
                select(li.c.achievement_id, li.c.market_code, li.c.external_id, li.c.price_fen,
                       li.c.negotiable, li.c.listed_on, li.c.status)
                .where(li.c.achievement_id.in_([r.id for r in public])).order_by(li.c.id)):
            listings.setdefault(row.achievement_id, []).append(
                _dict(row, ("market_code", "external_id", "price_fen", "negotiable", "listed_on", "status")))
    out = {}
    for row in public:
        view = _dict(row, ACHIEVEMENT_FIELDS)
        own = listings.get(row.id, [])
        view["holder"] = {"id": row.holder_id, "name": row.holder_name, "kind": row.holder_kind,
                          "province": row.holder_province}
        view["markets"] = sorted({row.market_code, *(x["market_code"] for x in own if x["status"] == "listed")})
        view["listings"] = own
        out[row.id] = view
    return out


def demands(session, ids: list[int]) -> dict[int, dict]:
    d, org = orm.demands, orm.organisations
    rows = session.execute(
        select(*(d.c[n] for n in DEMAND_FIELDS), d.c.enterprise_id, org.c.name.label("enterprise_name"),
               org.c.province.label("enterprise_province"))
        .select_from(d.join(org, org.c.id == d.c.enterprise_id)).where(d.c.id.in_(ids))).all()
    out = {}
    for row in rows:
        if Demand.is_public.fget(row):
            view = _dict(row, DEMAND_FIELDS)
            view["enterprise"] = {"id": row.enterprise_id, "name": row.enterprise_name,
                                  "province": row.enterprise_province}
            out[row.id] = view
    return out


def lot_results(session, ids: list[int]) -> dict[int, dict]:
    """A closed lot's result: sold (with the hammer price) or unsold. Never the reserve."""
    lot, s = auction_lots, auction_sessions
    rows = session.execute(
        select(*(lot.c[n] for n in LOT_FIELDS), lot.c.current_price_fen, s.c.market_code)
        .select_from(lot.join(s, s.c.id == lot.c.session_id))
        .where(lot.c.id.in_(ids), lot.c.status.in_(("sold", "unsold")))).all()
    out = {}
    for row in rows:
        view = _dict(row, LOT_FIELDS)
        view["auction_id"] = view.pop("session_id")
        view["market_code"] = row.market_code
        view["hammer_price_fen"] = row.current_price_fen if row.status == "sold" else None
        out[row.id] = view
    return out


def registered_contracts(session, ids: list[int]) -> dict[int, dict]:
    """A registered contract's public facts (认定登记): never its title, parties' names or amounts."""
    rows = session.execute(select(*(contracts.c[n] for n in CONTRACT_FIELDS))
                           .where(contracts.c.id.in_(ids), contracts.c.status == "registered")).all()
    return {row.id: _dict(row, CONTRACT_FIELDS) for row in rows}


LOADERS = {"achievement": achievements, "demand": demands, "lot": lot_results, "contract": registered_contracts}
