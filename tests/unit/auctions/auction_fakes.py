"""In-memory fakes of the auction, deposit and payment repositories and a unit of work over them,
for the auction and payment services' unit tests (one thread, a frozen clock).

They answer the same questions as the SQLAlchemy repositories over dicts. A lot's "version" is
bumped by every bid that changes it, as the database's conditional UPDATE does; the bid path's
read hands out the lot itself, so a bid is decided and written on the one object. Events the
domain records go through the real message bus (`AbstractUnitOfWork`)."""
from __future__ import annotations

import itertools
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # foundation_fakes
from foundation_fakes import FakeRepository  # noqa: E402

from market.domain.accounts import Market, Organisation, User  # noqa: E402
from market.domain.achievements import Achievement  # noqa: E402
from market.domain.auctions import (LIVE_LOT_STATUSES, AuctionSession, Confirmation, Lot,  # noqa: E402
                                    Registration, number_events)
from market.domain.payments import OutboxCommand  # noqa: E402
from market.services.repositories import (AbstractAuctionRepository, AbstractDepositRepository,  # noqa: E402
                                          AbstractPaymentRepository, BidContext)
from market.services.unit_of_work import AbstractUnitOfWork  # noqa: E402
from foundation_fakes import NotificationsOfNoOne

BID_STATE = ("status", "opened_at", "current_price_fen", "leader_id", "leader_paddle_no",
             "leader_max_fen", "bid_count", "ends_at", "event_seq", "timed_window_started_at")


class FakeAuctionRepository(AbstractAuctionRepository):
    def __init__(self):
        self.rows: dict[type, dict[int, object]] = {c: {} for c in (AuctionSession, Lot, Registration, Confirmation)}
        self._ids = {c: itertools.count(1) for c in self.rows}
        self.bid_rows: list = []
        self.events: list[dict] = []
        self.answers: dict[tuple[int, str], tuple[int, dict, str | None]] = {}
        self.seen: dict = {}
        self.deposits: dict[int, object] = {}
        self._deposit_ids = itertools.count(1)

    def add(self, obj) -> None:
        cls = type(obj)
        if getattr(obj, "id", None) is None:
            obj.id = next(self._ids[cls])
        self.rows[cls][obj.id] = obj
        if cls is Lot:   # what the table's defaults give a new row
            obj.version = getattr(obj, "version", None) or 1
            for name, default in (("event_seq", 0), ("closed_at", None), ("cancel_reason", None)):
                obj.__dict__.setdefault(name, default)
            obj.session_id = next(s.id for s in self.rows[AuctionSession].values() if obj in s.lots)
        if cls is Registration:
            deposit = obj.deposit
            deposit.id = deposit.id if getattr(deposit, "id", None) else next(self._deposit_ids)
            deposit.registration_id = obj.id
            self.deposits[deposit.id] = deposit

    def _where(self, cls, **attrs) -> list:
        return [o for o in self.rows[cls].values() if all(getattr(o, k) == v for k, v in attrs.items())]

    def auction(self, ident, *, lock=False):
        return self.rows[AuctionSession].get(ident)

    def auctions(self, market_code=None, limit=100):
        found = [s for s in self.rows[AuctionSession].values() if market_code in (None, s.market_code)]
        return sorted(found, key=lambda s: -s.id)[:limit]

    def lot(self, ident):
        return self.rows[Lot].get(ident)

    lot_for_update = lot

    def lots_of(self, session_id):
        return sorted(self._where(Lot, session_id=session_id), key=lambda lot: lot.lot_no)

    # ---- the bid path ---------------------------------------------------------------------
    def read_bid_context(self, lot_id, user_id, key=None, *, lock=True):
        lot = self.lot(lot_id)
        if lot is None:
            return None
        user = self.users.get(user_id)
        org_id = user.organisation_id if user else None
        self.seen[(Lot, lot_id)] = lot
        return BidContext(lot=lot, read={k: getattr(lot, k) for k in (*BID_STATE, "version")},
                          user_found=user is not None, user_active=bool(user and user.active), org_id=org_id,
                          registration=self.registration(lot_id, org_id) if org_id else None,
                          previous=self.answers.get((user_id, key)) if key else None, locked=lock)

    def write_bid(self, ctx, bids, events, answer, *, holds_only_on_state_read):
        lot = ctx.lot
        for bid in bids:
            bid.id, bid.lot_id = len(self.bid_rows) + 1, lot.id
            self.bid_rows.append(bid)
        self.events += events
        if any(getattr(lot, k) != ctx.read[k] for k in BID_STATE):
            lot.version = ctx.read["version"] + 1
        if answer is not None:
            self.answers[(answer["user_id"], answer["key"])] = (lot.id, answer["response"], answer["fingerprint"])
        return True

    def bid_response(self, user_id, key):
        return self.answers.get((user_id, key))

    # ---- lots due ----------------------------------------------------------------------
    def live_lot_for_achievement(self, achievement_id):
        return next((lot for lot in self._where(Lot, achievement_id=achievement_id)
                     if lot.status in LIVE_LOT_STATUSES), None)

    def lot_ids_due_to_open(self, now, limit=200):
        return [lot.id for lot in self.rows[Lot].values()
                if lot.status == "scheduled" and lot.starts_at <= now < lot.ends_at][:limit]

    def lot_ids_due_to_close(self, now, limit=200):
        return [lot.id for lot in self.rows[Lot].values()
                if lot.status in LIVE_LOT_STATUSES and lot.ends_at <= now][:limit]

    def lot_ids_due_to_start_window(self, now, limit=200):
        return [lot.id for lot in self.rows[Lot].values()
                if lot.status == "open" and lot.free_period_ends_at <= now < lot.ends_at
                and lot.timed_window_started_at is None][:limit]

    def upcoming_lot_times(self, until, limit=1000):
        return [(lot.id, lot.status, lot.starts_at, lot.ends_at) for lot in self.rows[Lot].values()
                if lot.status in LIVE_LOT_STATUSES and (lot.starts_at <= until or lot.ends_at <= until)][:limit]

    # ---- registrations, bids, events, confirmations --------------------------------------
    def registration(self, lot_id, bidder_id):
        return next(iter(self._where(Registration, lot_id=lot_id, bidder_id=bidder_id)), None)

    def registrations_of(self, lot_id):
        return sorted(self._where(Registration, lot_id=lot_id), key=lambda r: r.paddle_no)

    def registrations_by_bidder(self, bidder_id):
        return sorted(self._where(Registration, bidder_id=bidder_id), key=lambda r: -r.id)

    def next_paddle_no(self, lot_id):
        return max((r.paddle_no for r in self._where(Registration, lot_id=lot_id)), default=0) + 1

    def bids(self, lot_id, *, accepted_only=False, limit=None, newest_first=False):
        found = [b for b in self.bid_rows if b.lot_id == lot_id
                 and (not accepted_only or (b.accepted and b.seq is not None))]
        found = found[::-1] if newest_first else found
        return found[:limit] if limit else found

    def add_events(self, lot, events):
        stored = number_events(lot, events)
        self.events += stored
        return stored

    def events_after(self, lot_id, seq, limit=500):
        return [e for e in self.events if e["lot_id"] == lot_id and e["seq"] > seq][:limit]

    def confirmation(self, ident):
        return self.rows[Confirmation].get(ident)

    confirmation_for_update = confirmation

    def confirmation_of_lot(self, lot_id):
        return next(iter(self._where(Confirmation, lot_id=lot_id)), None)

    def confirmations_won_by(self, winner_id):
        return {c.lot_id: c for c in self._where(Confirmation, winner_id=winner_id)}

    def sold_lot_of(self, achievement_id):
        sold = [lot for lot in self._where(Lot, achievement_id=achievement_id) if lot.status == "sold"]
        return max(sold, key=lambda lot: lot.closed_at, default=None)

    def confirmation_ids_pending_before(self, day):
        return sorted(c.id for c in self.rows[Confirmation].values() if c.status == "pending" and c.sign_by < day)


class FakeDepositRepository(AbstractDepositRepository):
    def __init__(self, auctions: FakeAuctionRepository):
        self.auctions = auctions

    def get(self, ident, *, lock=False):
        return self.auctions.deposits.get(ident)

    def by_reference(self, reference, *, lock=False):
        return next((d for d in self.auctions.deposits.values() if d.reference == reference), None)

    def lot_id_of(self, deposit_id):
        deposit = self.get(deposit_id)
        return self.auctions.rows[Registration][deposit.registration_id].lot_id if deposit else None

    def market_of_lot(self, lot_id):
        return self.auctions.auction(self.auctions.lot(lot_id).session_id).market_code

    def price_of_lot(self, registration_id):
        return self.auctions.lot(self.auctions.rows[Registration][registration_id].lot_id).current_price_fen


class FakePaymentRepository(AbstractPaymentRepository):
    def __init__(self):
        self._command = OutboxCommand
        self.outbox: dict[int, object] = {}
        self.seen_events: dict[str, dict] = {}
        self.rows: list[dict] = []

    def enqueue(self, *, deposit_id, action, reason, gateway, reference, amount_fen, idempotency_key, now):
        if any(c.idempotency_key == idempotency_key for c in self.outbox.values()):
            return False
        ident = len(self.outbox) + 1
        self.outbox[ident] = self._command(
            id=ident, deposit_id=deposit_id, action=action, reason=reason, gateway=gateway, reference=reference,
            amount_fen=amount_fen, idempotency_key=idempotency_key, status="pending", attempts=0,
            next_attempt_at=now, created_at=now)
        return True

    def command(self, ident):
        return self.outbox.get(ident)

    def commands_for(self, deposit_id):
        return [c for c in self.outbox.values() if c.deposit_id == deposit_id]

    def _due(self, c, now, lease):
        return ((c.status == "pending" and c.next_attempt_at <= now)
                or (c.status == "in_flight" and c.claimed_at <= now - lease))

    def due_ids(self, now, lease, limit):
        return [c.id for c in sorted(self.outbox.values(), key=lambda c: (c.next_attempt_at, c.id))
                if self._due(c, now, lease)][:limit]

    def claim(self, ident, now, lease):
        c = self.outbox.get(ident)
        if c is None or not self._due(c, now, lease):
            return None
        c.status, c.claim_token, c.claimed_at, c.attempts = "in_flight", f"t{ident}-{c.attempts}", now, c.attempts + 1
        return c.claim_token

    def finish(self, ident, token, *, status, now, error=None, retry_at=None, result_status=None,
               result_amount_fen=None):
        c = self.outbox.get(ident)
        if c is None or (token and (c.claim_token != token or c.status != "in_flight")) or (
                not token and c.status == "done"):
            return False
        c.status, c.last_error = status, error
        if status == "pending":
            c.next_attempt_at, c.claim_token = retry_at or now, None
        if status == "done":
            c.done_at, c.result_status, c.result_amount_fen, c.last_error = now, result_status, result_amount_fen, None
        return True

    def event_seen(self, event_id):
        return event_id in self.seen_events

    def record_event(self, *, event_id, type, created, reference, deposit_id, outcome, detail, now):
        if event_id in self.seen_events:
            return False
        self.seen_events[event_id] = dict(id=event_id, type=type, created=created, received_at=now,
                                          reference=reference, deposit_id=deposit_id, outcome=outcome,
                                          detail=detail)
        return True

    def events_for(self, deposit_id):
        return [e for e in self.seen_events.values() if e["deposit_id"] == deposit_id]

    def add_history(self, *, deposit_id, kind, source, now, deposit_status=None, reference=None,
                    amount_fen=None, detail=None):
        self.rows.append(dict(deposit_id=deposit_id, at=now, kind=kind, source=source,
                              deposit_status=deposit_status, reference=reference, amount_fen=amount_fen,
                              detail=detail))

    def history(self, deposit_id):
        return [r for r in self.rows if r["deposit_id"] == deposit_id]


class FakeAuctionUnitOfWork(AbstractUnitOfWork):
    """One store shared by every `with uow:` (the services open a fresh one per call); commits are
    counted, and nothing is rolled back (a use case that fails here raised before changing)."""

    def __init__(self, publisher=None):
        self.markets = FakeRepository(key="code")
        self.organisations = FakeRepository()
        self.users = FakeRepository()
        self.tokens = FakeRepository()
        self.achievements = FakeRepository()
        self.demands = FakeRepository()
        self.auctions = FakeAuctionRepository()
        self.auctions.users = self.users
        self.deposits = FakeDepositRepository(self.auctions)
        self.payments = FakePaymentRepository()
        self.contracts = []
        self.notifications = NotificationsOfNoOne()   # knows no one: the rules tell nobody here
        self.publisher = publisher
        self.committed = 0
        self.changed: set = set()

    def mark_changed(self, kind: str, ident: int) -> None:
        self.changed.add((kind, ident))

    def __call__(self):   # a factory of itself, for the use cases that take one
        return self

    def _flush(self):
        pass

    def _commit(self):
        self.committed += 1

    def _rollback(self):
        pass

    def _seen_objects(self):
        a = self.auctions
        return [*a.rows[Lot].values(), *a.deposits.values(), *a.seen.values()]


class RecordingPublisher:
    def __init__(self):
        self.published: list[tuple[int, dict]] = []

    def publish(self, lot_id, event):
        self.published.append((lot_id, event))


# ---- a small world: Monday 2 March 2026, 10:00 in Shanghai -----------------------------------

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def _org(ident, kind, name, province="上海"):
    o = Organisation(name=name, kind=kind, province=province)
    o.id = ident
    return o


def _user(ident, role="member", organisation=None, market=None):
    u = User(email=f"u{ident}@example.cn", display_name=f"u{ident}", password_hash="x", role=role,
             organisation_id=organisation.id if organisation else None, market_code=market)
    u.id, u.organisation = ident, organisation
    return u


class AuctionWorld:
    """A university's published SH achievement, two enterprises with a member each, the SH operator."""

    def __init__(self, publisher=None):
        self.uow = uow = FakeAuctionUnitOfWork(publisher)
        uow.markets.add(Market("SH", "上海技术交易所", "上海"))
        self.uni = _org(1, "university", "沪东理工大学")
        self.corp, self.corp2 = _org(2, "enterprise", "苏州精密传感", "江苏"), _org(3, "enterprise", "杭州云栖", "浙江")
        self.holder = _user(10, organisation=self.uni)
        self.bidders = [_user(11, organisation=self.corp), _user(12, organisation=self.corp2)]
        self.operator = _user(20, "operator", market="SH")
        for o in (self.uni, self.corp, self.corp2):
            uow.organisations.add(o)
        for u in (self.holder, *self.bidders, self.operator):
            uow.users.add(u)
        a = Achievement(title="一种石墨烯散热膜的制备方法", holder_id=self.uni.id, market_code="SH", field="新材料",
                        ip_type="发明专利", now=T0 - timedelta(days=30), price_fen=5_000_000, transfer_modes=["转让"])
        a.id = 100
        a.submit(self.holder.id, T0 - timedelta(days=30))
        a.approve(self.operator.id, T0 - timedelta(days=29))
        a.holder = self.uni
        uow.achievements.add(a)
        self.achievement = a
