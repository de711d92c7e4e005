"""An in-memory deal repository and unit of work, for the deal services' unit tests.

It answers the same questions as `SqlAlchemyDealRepository`, over lists; locks are no-ops (one
thread), and the unique guards the database keeps are checked on commit."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # foundation_fakes
from foundation_fakes import FakeRepository, FakeUnitOfWork  # noqa: E402

from market.domain.deals import LIVE_AGREEMENT_STATUSES, Agreement, Interest, Negotiation, Offer  # noqa: E402
from market.domain.publicity import Objection, PublicityNotice  # noqa: E402


class InMemoryDealRepository:
    def __init__(self):
        self.rows: dict[type, dict[int, object]] = {cls: {} for cls in (
            Interest, Negotiation, Offer, Agreement, PublicityNotice, Objection)}
        self._ids = {cls: itertools.count(1) for cls in self.rows}

    def _store(self, obj) -> None:
        if getattr(obj, "id", None) is None:
            obj.id = next(self._ids[type(obj)])
        self.rows[type(obj)][obj.id] = obj

    def add(self, obj) -> None:
        self._store(obj)
        self.flush()

    def flush(self) -> None:
        """What the ORM's flush does: ids for new children, foreign keys set from parents."""
        for n in list(self.rows[Negotiation].values()):
            for o in n.offers:
                self._store(o)
                o.negotiation_id = n.id
        for notice in list(self.rows[PublicityNotice].values()):
            for o in notice.objections:
                self._store(o)
                o.notice_id = notice.id

    def _where(self, cls, **attrs):
        return [o for o in self.rows[cls].values() if all(getattr(o, k) == v for k, v in attrs.items())]

    def interest(self, ident, *, lock=False):
        return self.rows[Interest].get(ident)

    def negotiation(self, ident, *, lock=False):
        return self.rows[Negotiation].get(ident)

    def agreement(self, ident, *, lock=False):
        return self.rows[Agreement].get(ident)

    def notice(self, ident, *, lock=False):
        return self.rows[PublicityNotice].get(ident)

    def negotiation_id_of_offer(self, offer_id):
        offer = self.rows[Offer].get(offer_id)
        return offer.negotiation_id if offer else None

    def notice_id_of_objection(self, objection_id):
        objection = self.rows[Objection].get(objection_id)
        return objection.notice_id if objection else None

    def open_interest(self, achievement_id, buyer_org_id):
        return next((i for i in self._where(Interest, achievement_id=achievement_id, buyer_org_id=buyer_org_id)
                     if i.status in ("pending", "negotiating")), None)

    def negotiation_of_interest(self, interest_id):
        return next(iter(self._where(Negotiation, interest_id=interest_id)), None)

    def agreement_of_negotiation(self, negotiation_id):
        return next(iter(self._where(Agreement, negotiation_id=negotiation_id)), None)

    def live_agreement_for_achievement(self, achievement_id):
        return next((a for a in self._where(Agreement, achievement_id=achievement_id)
                     if a.status in LIVE_AGREEMENT_STATUSES), None)

    def notice_of_agreement(self, agreement_id):
        return next(iter(self._where(PublicityNotice, agreement_id=agreement_id)), None)

    @staticmethod
    def _page(items, page, per_page):
        return items[(page - 1) * per_page: page * per_page], len(items)

    def _scoped(self, cls, org_id, market_code, everything, status, page, per_page):
        items = [o for o in self.rows[cls].values()
                 if (everything or (org_id is not None and org_id in (o.buyer_org_id, o.seller_org_id))
                     or (market_code is not None and o.market_code == market_code))
                 and (status is None or o.status == status)]
        return self._page(sorted(items, key=lambda o: -o.id), page, per_page)

    def interests(self, *, org_id, market_code, everything=False, status=None, page=1, per_page=20):
        return self._scoped(Interest, org_id, market_code, everything, status, page, per_page)

    def negotiations(self, *, org_id, market_code, everything=False, status=None, page=1, per_page=20):
        return self._scoped(Negotiation, org_id, market_code, everything, status, page, per_page)

    def notices(self, *, market_code=None, status=None, page=1, per_page=20):
        items = [n for n in self.rows[PublicityNotice].values()
                 if (market_code is None or n.market_code == market_code) and (status is None or n.status == status)]
        return self._page(sorted(items, key=lambda n: (n.starts_at, n.id), reverse=True), page, per_page)

    def notice_ids_due_to_open(self, now):
        return sorted(n.id for n in self.rows[PublicityNotice].values() if n.status == "scheduled" and n.starts_at <= now)

    def notice_ids_due_to_end(self, now):
        return sorted(n.id for n in self.rows[PublicityNotice].values()
                      if n.status in ("scheduled", "open") and n.ends_at <= now)

    def check_unique(self) -> None:
        """The partial unique index: one live agreement per achievement."""
        live = [a.achievement_id for a in self.rows[Agreement].values() if a.status in LIVE_AGREEMENT_STATUSES]
        if len(live) != len(set(live)):
            raise AssertionError("two live agreements on one achievement")


class FakeContractRepository(FakeRepository):
    def by_agreement(self, agreement_id):
        return self._first(agreement_id=agreement_id)


class FakeDealUnitOfWork(FakeUnitOfWork):
    """One store shared by every `with uow:` (the services open a fresh one per call)."""

    def __init__(self):
        super().__init__()
        self.deals = InMemoryDealRepository()
        self.contracts = FakeContractRepository()
        self.session = None

    def __call__(self):
        return self      # usable as its own factory (the sweep takes one)

    def flush(self):
        self.deals.flush()

    def commit(self):
        self.deals.flush()
        self.deals.check_unique()
        super().commit()
