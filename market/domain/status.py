"""A tiny table-driven status machine shared by achievements and demands.

Keeping transitions as data makes the rules reviewable at a glance and lets
every illegal move fail the same way (409 with a reason)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import IllegalTransition
from .labels import action_label, status_label


@dataclass
class HistoryEntry:
    """One append-only line of an entity's history: a status change or an edit."""
    at: datetime
    from_status: str | None
    to_status: str
    actor_id: int | None = None
    reason: str | None = None
    detail: dict[str, Any] | None = field(default=None)


def clean_title(data: dict, out: dict, errors: dict, max_len: int) -> None:
    """A listing's title: trimmed, present, not too long (shared by achievements and demands)."""
    if "title" not in data:
        return
    title = (data["title"] or "").strip()
    if not title:
        errors["title"] = ["标题不能为空"]
    elif len(title) > max_len:
        errors["title"] = [f"标题不能超过{max_len}字"]
    out["title"] = title


def transition(entity, action: str, table: dict, *, actor_id, now: datetime,
               reason: str | None = None, detail: dict | None = None, label: str = "",
               kind: str = "") -> None:
    """`label` names the entity in the message (成果), `kind` picks its status labels."""
    allowed_from, target = table[action]
    current = entity.status
    if current not in allowed_from:
        raise IllegalTransition(
            f"{label}当前状态为「{status_label(kind, current)}」，不能{action_label(action)}"
            f" (cannot {action} from {current}; allowed from: {', '.join(sorted(allowed_from))})"
        )
    entity.status = target
    entity.updated_at = now
    entity.history.append(entity.history_class(
        at=now, from_status=current, to_status=target, actor_id=actor_id, reason=reason, detail=detail))


class Reviewable:
    """Behaviour shared by listings that the market's operators review (achievements, demands).

    Subclasses set `history_class`, `TRANSITIONS` (which must define submit, approve, reject and
    publish_imported) and `LABEL` (用于错误信息)."""

    history_class: type
    TRANSITIONS: dict
    LABEL = ""
    KIND = ""

    EDITABLE: tuple = ()

    def _check_editable(self, changes: dict) -> None:
        """Owners edit drafts only, so what the operator reviewed cannot change unseen."""
        from .errors import ValidationFailed
        if self.status != "draft":
            raise IllegalTransition(f"只有草稿可以修改，当前状态为「{status_label(self.KIND, self.status)}」"
                                    f" (only drafts can be edited)")
        unknown = set(changes) - set(self.EDITABLE)
        if unknown:
            raise ValidationFailed("不能修改这些字段", {k: ["不可修改"] for k in unknown})

    def _go(self, action, actor_id, now, reason=None, detail=None):
        transition(self, action, self.TRANSITIONS, actor_id=actor_id, now=now, reason=reason,
                   detail=detail, label=self.LABEL, kind=self.KIND)

    def submit(self, actor_id, now):
        self._go("submit", actor_id, now)

    def approve(self, actor_id, now):
        self._go("approve", actor_id, now)
        self.rejection_reason = None
        self.published_at = now

    def reject(self, actor_id, now, reason: str):
        if not (reason or "").strip():
            from .errors import ValidationFailed
            raise ValidationFailed.on("reason", "驳回必须说明理由")
        self._go("reject", actor_id, now, reason=reason.strip())
        self.rejection_reason = reason.strip()

    def publish_imported(self, actor_id, now, reason: str = "feed import"):
        """Imported listings were reviewed by their market already: published on arrival."""
        self._go("publish_imported", actor_id, now, reason=reason)
        self.published_at = self.published_at or now

    def record_change(self, actor_id, now, reason: str, detail: dict) -> None:
        """An edit that is not a status change (e.g. a re-imported price) still goes in the history."""
        self.updated_at = now
        self.history.append(self.history_class(at=now, from_status=self.status, to_status=self.status,
                                               actor_id=actor_id, reason=reason, detail=detail))
