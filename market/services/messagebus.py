"""The message bus: which handlers a domain event reaches, and when.

Domain objects record events (`market.domain.events.record`); the unit of work collects them when
it flushes or commits and hands them here. Two registries, each a plain mapping from an event
class to the handlers it reaches, in order:

- `IN_TRANSACTION`: run inside the unit of work's transaction, before it commits (and on every
  `uow.flush()`), so what they write commits or rolls back with the change that caused it. The
  payment commands a deposit's move implies are written here: a rolled-back close moves no money.
- `AFTER_COMMIT`: run once the commit succeeded (never for a rolled-back change), e.g. publishing
  live-feed events to the watchers.

A handler is `handler(event, uow)`. To react to an event from another feature (notifications,
say), append a handler: `AFTER_COMMIT.setdefault(DepositMoved, []).append(notify_bidder)`. A
handler must not commit the unit of work it is given; an after-commit handler that needs to write
opens its own.
"""
from __future__ import annotations

import logging
from typing import Callable

from market.domain.auctions import LiveEventsStored
from market.domain.deposits import DepositMoved
from market.domain.events import Event

from .payment_outbox import record_deposit_move

log = logging.getLogger(__name__)

Handler = Callable[[Event, object], None]


def publish_live_events(event: LiveEventsStored, uow) -> None:
    """Hand the committed lot events to the live-feed publisher of this unit of work, if any."""
    publisher = getattr(uow, "publisher", None)
    if publisher is None:
        return
    for item in event.events:
        publisher.publish(item["lot_id"], item)


IN_TRANSACTION: dict[type, list[Handler]] = {
    DepositMoved: [record_deposit_move],
}

AFTER_COMMIT: dict[type, list[Handler]] = {
    LiveEventsStored: [publish_live_events],
}


def handle_in_transaction(event: Event, uow) -> None:
    for handler in IN_TRANSACTION.get(type(event), ()):
        handler(event, uow)


def handle_after_commit(event: Event, uow) -> None:
    """The change is committed whatever a handler does: a failing one is logged, not raised,
    and the others still run."""
    for handler in AFTER_COMMIT.get(type(event), ()):
        try:
            handler(event, uow)
        except Exception:   # noqa: BLE001 - one failing reaction must not hide the commit
            log.exception("after-commit handler %s failed for %s", handler.__name__, type(event).__name__)
