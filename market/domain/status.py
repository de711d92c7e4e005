"""A tiny table-driven status machine shared by achievements and demands.

Keeping transitions as data makes the rules reviewable at a glance and lets
every illegal move fail the same way (409 with a reason)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import IllegalTransition


@dataclass
class HistoryEntry:
    """One append-only line of an entity's history: a status change or an edit."""
    at: datetime
    from_status: str | None
    to_status: str
    actor_id: int | None = None
    reason: str | None = None
    detail: dict[str, Any] | None = field(default=None)


def transition(entity, action: str, table: dict, *, actor_id, now: datetime,
               reason: str | None = None, detail: dict | None = None, label: str = "") -> None:
    allowed_from, target = table[action]
    current = entity.status
    if current not in allowed_from:
        raise IllegalTransition(
            f"{label}当前状态为「{current}」，不能执行「{action}」"
            f" (cannot {action} from {current}; allowed from: {', '.join(sorted(allowed_from))})"
        )
    entity.status = target
    entity.updated_at = now
    entity.history.append(entity.history_class(
        at=now, from_status=current, to_status=target, actor_id=actor_id, reason=reason, detail=detail))
