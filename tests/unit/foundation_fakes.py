"""In-memory fakes of the unit of work and its repositories, for service unit tests."""
from __future__ import annotations

import itertools

from market.adapters.feeds import FEEDS
from market.adapters.memory_repositories import FakeAccountReads, FakeContractRepository, FakeImportRepository
from market.adapters.notifications_fake import FakeNotificationRepository


class FakeRepository:
    def __init__(self, key="id"):
        self.items: dict = {}
        self._ids = itertools.count(1)
        self.key = key

    def add(self, obj):
        if self.key == "id" and getattr(obj, "id", None) is None:
            obj.id = next(self._ids)
        self.items[getattr(obj, self.key)] = obj

    def get(self, ident):
        return self.items.get(ident)

    get_for_update = get

    def _first(self, **attrs):
        return next((o for o in self.items.values()
                     if all(getattr(o, k) == v for k, v in attrs.items())), None)

    def all(self):
        return list(self.items.values())

    def by_email(self, email):
        return self._first(email=email.strip().lower())

    def by_hash(self, token_hash, lock=False):
        return self._first(token_hash=token_hash)

    def members_of(self, org_id):
        return [o for o in self.items.values() if o.organisation_id == org_id and o.role == "member"]

    def awaiting_verification(self, market_code):
        return [o for o in self.items.values() if o.verification_status == "unverified"
                and (market_code is None or o.market_code == market_code)]

    def open_for(self, email, purpose):
        return [o for o in self.items.values() if o.email == email and o.purpose == purpose and o.used_at is None]

    def pending(self, org_id):
        return [o for o in self.items.values() if o.organisation_id == org_id and o.status == "pending"]

    def pending_of_user(self, user_id):
        return [o for o in self.items.values() if o.user_id == user_id and o.status == "pending"]

    def live_for_user(self, user_id):
        return [o for o in self.items.values() if o.user_id == user_id and o.revoked_at is None]

    def by_credit_code(self, code):
        return self._first(credit_code=code)

    def add_claiming_credit_code(self, org):
        existing = self.by_credit_code(org.credit_code)
        if existing is None:
            self.add(org)
        return existing

    def by_name(self, name, province=None):
        return self._first(name=name, **({"province": province} if province else {}))

    def carrying_application_numbers(self, numbers):
        wanted = set(numbers)
        return [o for o in self.items.values() if wanted & set(getattr(o, "application_numbers", ()) or ())]


class FakeUnitOfWork:
    def __init__(self):
        self.markets = FakeRepository(key="code")
        self.organisations = FakeRepository()
        self.users = FakeRepository()
        self.tokens = FakeRepository()
        self.achievements = FakeRepository()
        self.demands = FakeRepository()
        # the data repositories (imports, contracts, account reads), as SqlAlchemyUnitOfWork has them
        self.feeds = FEEDS
        self.imports = FakeImportRepository(self.achievements, self.demands, self.organisations)
        self.contracts = FakeContractRepository()
        self.accounts = FakeAccountReads(self.users, self.tokens, self.organisations)
        self.changed: set = set()
        self.notifications = NotificationsOfNoOne()   # knows no one: the rules tell nobody here
        self.links = FakeRepository()
        self.join_requests = FakeRepository()
        self.committed = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def flush(self):
        pass

    def mark_changed(self, kind, ident):
        self.changed.add((kind, ident))

    def commit(self):
        self.committed += 1
        for user in self.users.items.values():
            user.organisation = self.organisations.get(user.organisation_id)
        for a in self.achievements.items.values():
            a.holder = self.organisations.get(a.holder_id)
        for d in self.demands.items.values():
            d.enterprise = self.organisations.get(d.enterprise_id)

    def rollback(self):
        pass


class PlainHasher:
    """Reversible 'hash' so tests run fast; never used outside tests."""

    dummy_hash = "plain:\x00no-account"

    def hash(self, password):
        return "plain:" + password

    def verify(self, hashed, password):
        return hashed == "plain:" + password


class _AnyFacts(dict):
    """Facts of a record the notifications' read model was not given: blank, so rules run."""

    def __missing__(self, key):
        return 0 if key.endswith(("_fen", "_id", "_no")) else ""


class NotificationsOfNoOne(FakeNotificationRepository):
    """The notification store for service tests about something else: every record exists (with
    blank facts) and nobody is registered to hear of it, so the rules run and tell no one."""

    def lot_facts(self, lot_id):
        return super().lot_facts(lot_id) or _AnyFacts(lot_id=lot_id)

    def achievement_facts(self, achievement_id):
        return super().achievement_facts(achievement_id) or _AnyFacts(id=achievement_id)
