"""Domain events: what happened to an aggregate, recorded on the object by the domain and handed
by the unit of work to the message bus (`market.services.messagebus`) when it flushes or commits.

Objects loaded by the ORM (or built detached on the bid path) never ran `__init__`, so the list is
made on first use."""
from __future__ import annotations


class Event:
    """Base class of every domain event (handlers are registered per class)."""


def record(obj, event: Event) -> None:
    obj.__dict__.setdefault("events", []).append(event)


def pop_events(obj) -> list[Event]:
    """The events `obj` recorded since the last call, oldest first (and forgets them)."""
    events = obj.__dict__.get("events")
    if not events:
        return []
    obj.__dict__["events"] = []
    return events
