"""The unit of work the services see: one transaction per use case, the repositories it owns, and
the hand-over of the domain events its objects recorded to the message bus.

Every repository is a plain attribute, one per aggregate (`uow.auctions`, `uow.deposits`,
`uow.payments`, `uow.deals`, `uow.live_events`, `uow.audit`, `uow.achievements`, ...), with a
SQLAlchemy implementation (`market.adapters`) and an in-memory fake (tests/unit). A concrete unit
of work implements `_flush`, `_commit`, `_rollback` and `_seen_objects`; the event hand-over is
here, the same for both.
"""
from __future__ import annotations

from typing import Iterable

from market.domain.events import Event, pop_events

from . import messagebus


class AbstractUnitOfWork:
    #: the live-feed publisher the after-commit handlers publish to (None: nobody listens)
    publisher = None

    def __enter__(self):
        self._committed_events: list[Event] = []
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()

    def publish_to(self, publisher) -> None:
        """Publish this unit of work's live events to `publisher` once it commits."""
        if publisher is not None:
            self.publisher = publisher

    # ---- the transaction ---------------------------------------------------------------
    def flush(self) -> None:
        """Write what is pending (still uncommitted) and run the in-transaction handlers of the
        events recorded so far, so that what they write is visible to the next read."""
        self._flush()
        self._dispatch()

    def commit(self) -> None:
        self.flush()
        self._commit()
        events, self._committed_events = self._committed_events, []
        for event in events:
            messagebus.handle_after_commit(event, self)

    def rollback(self) -> None:
        for obj in self._seen_objects():
            pop_events(obj)
        self._committed_events = []
        self._rollback()

    def _dispatch(self) -> None:
        """Hand every new event to its in-transaction handlers (which may record more: run until
        none is left), and keep it for the after-commit ones."""
        while True:
            events = [event for obj in self._seen_objects() for event in pop_events(obj)]
            if not events:
                return
            for event in events:
                messagebus.handle_in_transaction(event, self)
                self._committed_events.append(event)
            self._flush()

    # ---- what a concrete unit of work provides -----------------------------------------
    def _flush(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _seen_objects(self) -> Iterable[object]:
        """The domain objects this unit of work has handed out or been given."""
        raise NotImplementedError
