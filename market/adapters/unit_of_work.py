"""The SQLAlchemy unit of work: one session per use case, the repositories over it, and the hooks
that let other stores (the search index) follow the database.

`before_commit` hooks run inside the transaction (e.g. to write an outbox); `after_commit` hooks
run only once the commit succeeded, so a rolled-back change never reaches them. Domain events go
through the message bus (see `market.services.unit_of_work`). The storage's own exceptions for a
write that lost a race become domain errors here (`StaleWrite`, `DuplicateWrite`), so services
need not import SQLAlchemy.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from market.domain.achievements import Achievement, AchievementHistory, AchievementListing
from market.domain.demands import Demand, DemandHistory
from market.services.unit_of_work import AbstractUnitOfWork

from . import repository, repository_onboarding
from .account_reads import SqlAlchemyAccountReads
from .audit_reads import SqlAlchemyAuditRepository
from .auction_repository import AuctionRepository, SqlAlchemyDepositRepository
from .event_store import EventStore
from .feeds import FEEDS
from .imports_repository import SqlAlchemyImportRepository
from .orm_notifications import SqlAlchemyNotificationRepository
from .federation_repo import SqlAlchemyFederationRepository
from .orm_audit import track_audit
from .orm_contracts import SqlAlchemyContractRepository
from .orm_deals import SqlAlchemyDealRepository
from .orm_payments import PaymentRepository
from .storage_errors import domain_errors

# (kind, attribute holding the aggregate id) for each class whose change matters outside the DB
TRACKED = {
    Achievement: ("achievement", "id"),
    AchievementListing: ("achievement", "achievement_id"),
    AchievementHistory: ("achievement", "achievement_id"),
    Demand: ("demand", "id"),
    DemandHistory: ("demand", "demand_id"),
}

Hook = Callable[["SqlAlchemyUnitOfWork", set], None]


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, session_factory: sessionmaker, before_commit: Iterable[Hook] = (),
                 after_commit: Iterable[Hook] = (), publisher=None):
        self.session_factory = session_factory
        self.before_commit_hooks = list(before_commit)
        self.after_commit_hooks = list(after_commit)
        self.session: Session | None = None
        self.publisher = publisher

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        _track_flushes(self.session_factory)
        track_audit(self.session_factory)
        self.session = self.session_factory()
        self.session.info["uow"] = self
        self.changed: set[tuple[str, int]] = set()
        self.markets = repository.MarketRepository(self.session)
        self.organisations = repository.OrganisationRepository(self.session)
        self.users = repository.UserRepository(self.session)
        self.tokens = repository.TokenRepository(self.session)
        self.achievements = repository.AchievementRepository(self.session)
        self.demands = repository.DemandRepository(self.session)
        self.auctions = AuctionRepository(self.session)
        self.deposits = SqlAlchemyDepositRepository(self.session)
        self.payments = PaymentRepository(self.session)
        self.deals = SqlAlchemyDealRepository(self.session)
        self.live_events = EventStore(self.session)
        self.audit = SqlAlchemyAuditRepository(self.session)
        self._enter_data_repositories()
        self.notifications = SqlAlchemyNotificationRepository(self.session)
        self.federation = SqlAlchemyFederationRepository(self.session)
        self.links = repository_onboarding.AccountLinkRepository(self.session)
        self.join_requests = repository_onboarding.JoinRequestRepository(self.session)
        return super().__enter__()

    # --- data repositories (imports, contracts, statistics, accounts reads) ----------------------
    feeds = FEEDS  # the market feed readers (no state: usable before the unit of work is entered)

    def _enter_data_repositories(self) -> None:
        """The federated import's storage and feed readers, the contracts (with the
        statistics read model), the accounts' token reads: plain attributes like the rest."""
        self.imports = SqlAlchemyImportRepository(self.session)
        self.contracts = SqlAlchemyContractRepository(self.session)
        self.accounts = SqlAlchemyAccountReads(self.session)
    # --- end of the data repositories ------------------------------------------------------------

    def __exit__(self, *exc) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self.session.close()

    def mark_changed(self, kind: str, ident: int) -> None:
        """For changes made with bulk statements the flush tracker cannot see."""
        self.changed.add((kind, ident))

    def _flush(self) -> None:
        with domain_errors():
            self.session.flush()

    def _commit(self) -> None:
        changed = set(self.changed)
        for hook in self.before_commit_hooks:
            hook(self, changed)
        with domain_errors():
            self.session.commit()
        self.changed = set()
        for hook in self.after_commit_hooks:
            hook(self, changed)

    def _rollback(self) -> None:
        self.session.rollback()
        self.changed = set()

    def _seen_objects(self):
        session = self.session
        if session is None:
            return []
        return [*session.identity_map.values(), *session.new, *self.auctions.seen.values()]

    def _collect(self, session) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            spec = TRACKED.get(type(obj))
            if spec:
                ident = getattr(obj, spec[1], None)
                if ident is not None:
                    self.changed.add((spec[0], ident))


def _track_flushes(factory: sessionmaker) -> None:
    """Listen to the factory's flushes once, not to every session: adding a listener per
    session cost a few per cent of a bid's CPU."""
    if not getattr(factory, "_market_tracks_flushes", False):
        event.listen(factory, "after_flush", _collect_flush)
        factory._market_tracks_flushes = True


def _collect_flush(session: Session, _flush_context) -> None:
    uow = session.info.get("uow")
    if uow is not None:
        uow._collect(session)


def track(cls: type, kind: str, id_attr: str = "id") -> None:
    """Let a feature module add its own classes to the change tracker."""
    TRACKED[cls] = (kind, id_attr)
