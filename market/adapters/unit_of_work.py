"""The unit of work: one transaction per use case, and the hooks that let
other stores (the search index) follow the database.

`before_commit` hooks run inside the transaction (e.g. to write an outbox);
`after_commit` hooks run only once the commit succeeded, so a rolled-back
change never reaches them.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from market.domain.achievements import Achievement, AchievementHistory, AchievementListing
from market.domain.demands import Demand, DemandHistory

from . import repository, repository_onboarding
from .orm_audit import track_audit

# (kind, attribute holding the aggregate id) for each class whose change matters outside the DB
TRACKED = {
    Achievement: ("achievement", "id"),
    AchievementListing: ("achievement", "achievement_id"),
    AchievementHistory: ("achievement", "achievement_id"),
    Demand: ("demand", "id"),
    DemandHistory: ("demand", "demand_id"),
}

Hook = Callable[["SqlAlchemyUnitOfWork", set], None]


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker, before_commit: Iterable[Hook] = (),
                 after_commit: Iterable[Hook] = ()):
        self.session_factory = session_factory
        self.before_commit_hooks = list(before_commit)
        self.after_commit_hooks = list(after_commit)
        self.session: Session | None = None

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
        self.links = repository_onboarding.AccountLinkRepository(self.session)
        self.join_requests = repository_onboarding.JoinRequestRepository(self.session)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def mark_changed(self, kind: str, ident: int) -> None:
        """For changes made with bulk statements the flush tracker cannot see."""
        self.changed.add((kind, ident))

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.flush()
        changed = set(self.changed)
        for hook in self.before_commit_hooks:
            hook(self, changed)
        self.session.commit()
        self.changed = set()
        for hook in self.after_commit_hooks:
            hook(self, changed)

    def rollback(self) -> None:
        self.session.rollback()
        self.changed = set()

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
