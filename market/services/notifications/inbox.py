"""What a signed-in user does with notifications: read the inbox, mark read, choose channels,
watch things, save searches; and the one-click unsubscribe that needs no log-in."""
from __future__ import annotations

from datetime import datetime

from market.domain.errors import NotFound, ValidationFailed
from market.domain.notifications import (KINDS, MODES, WATCH_TARGETS, DEFAULT_PREFERENCE, Preference,
                                         read_unsubscribe_token)

from ..common import load_actor

MAX_SAVED_SEARCHES = 50


def list_notifications(uow, *, actor_id: int, unread_only: bool, page: int, per_page: int) -> dict:
    with uow:
        load_actor(uow, actor_id)
        items, total = uow.notifications.inbox(actor_id, unread_only=unread_only, page=page, per_page=per_page)
        return {"items": [_view(i) for i in items], "total": total, "page": page, "per_page": per_page,
                "unread": uow.notifications.unread_count(actor_id)}


def _view(row: dict) -> dict:
    return {"id": row["id"], "kind": row["kind"], "kind_label": KINDS.get(row["kind"], row["kind"]),
            "subject": row["subject"], "text": row["body"], "data": row["data"],
            "created_at": row["created_at"].isoformat(), "read": row["read_at"] is not None,
            "read_at": row["read_at"].isoformat() if row["read_at"] else None}


def unread_count(uow, *, actor_id: int) -> dict:
    with uow:
        load_actor(uow, actor_id)
        return {"unread": uow.notifications.unread_count(actor_id)}


def mark_read(uow, *, actor_id: int, notification_id: int, now: datetime) -> dict:
    with uow:
        load_actor(uow, actor_id)
        if uow.notifications.owner_of(notification_id) != actor_id:
            raise NotFound(f"通知 {notification_id} 不存在 (notification not found)")
        uow.notifications.mark_read(actor_id, [notification_id], now)
        uow.commit()
        return {"unread": uow.notifications.unread_count(actor_id)}


def mark_all_read(uow, *, actor_id: int, now: datetime) -> dict:
    with uow:
        load_actor(uow, actor_id)
        marked = uow.notifications.mark_read(actor_id, None, now)
        uow.commit()
        return {"marked": marked, "unread": 0}


# --------------------------------------------------------------------------- preferences

def get_preferences(uow, *, actor_id: int) -> dict:
    with uow:
        load_actor(uow, actor_id)
        mine = uow.notifications.preferences([actor_id]).get(actor_id, {})
        return {"kinds": [_pref_view(k, mine.get(k, DEFAULT_PREFERENCE)) for k in KINDS]}


def _pref_view(kind: str, p: Preference) -> dict:
    return {"kind": kind, "label": KINDS[kind], "inbox": p.inbox, "email": p.email, "mode": p.mode}


def set_preferences(uow, *, actor_id: int, changes: list[dict]) -> dict:
    """Each change names a kind and any of inbox / email / mode; the rest stays as it was."""
    errors = {}
    for i, change in enumerate(changes):
        if change.get("kind") not in KINDS:
            errors[f"kinds.{i}.kind"] = [f"未知的通知类型 (unknown kind: {change.get('kind')})"]
        if change.get("mode") is not None and change["mode"] not in MODES:
            errors[f"kinds.{i}.mode"] = ["必须是 immediate 或 digest (must be immediate or digest)"]
    if errors:
        raise ValidationFailed("通知设置无效 (invalid preferences)", errors)
    with uow:
        load_actor(uow, actor_id)
        mine = uow.notifications.preferences([actor_id]).get(actor_id, {})
        for change in changes:
            old = mine.get(change["kind"], DEFAULT_PREFERENCE)
            new = Preference(inbox=_pick(change, "inbox", old.inbox), email=_pick(change, "email", old.email),
                             mode=_pick(change, "mode", old.mode))
            uow.notifications.set_preference(actor_id, change["kind"], new)
            if not new.email:
                uow.notifications.stop_pending_mail(actor_id, change["kind"])
        uow.commit()
    return get_preferences(uow, actor_id=actor_id)


def _pick(change: dict, name: str, old):
    return old if change.get(name) is None else change[name]


def unsubscribe(uow, *, token: str, secret: str) -> dict:
    """The mail's one-click link: no log-in, the signed token says whose mail of which kind."""
    found = read_unsubscribe_token(secret, token)
    if found is None:
        raise ValidationFailed.on("token", "退订链接无效 (invalid unsubscribe link)")
    user_id, kind = found
    with uow:
        if uow.users.get(user_id) is None:
            raise NotFound("用户不存在 (user not found)")
        old = uow.notifications.preferences([user_id]).get(user_id, {}).get(kind, DEFAULT_PREFERENCE)
        uow.notifications.set_preference(user_id, kind, Preference(inbox=old.inbox, email=False, mode=old.mode))
        uow.notifications.stop_pending_mail(user_id, kind)
        uow.commit()
    return {"unsubscribed": True, "kind": kind, "label": KINDS[kind],
            "message": f"已退订「{KINDS[kind]}」邮件 (unsubscribed from these mails)"}


# --------------------------------------------------------------------------- watches

def add_watch(uow, *, actor_id: int, target_type: str, target_id: int, now: datetime) -> dict:
    if target_type not in WATCH_TARGETS:
        raise ValidationFailed.on("target_type", f"必须是 {', '.join(WATCH_TARGETS)} 之一 (unknown target type)")
    with uow:
        load_actor(uow, actor_id)
        if not uow.notifications.target_exists(target_type, target_id):
            raise NotFound(f"关注对象 {target_type} {target_id} 不存在 (not found)")
        uow.notifications.add_watch(actor_id, target_type, target_id, now)
        uow.commit()
        return {"items": [_watch_view(w) for w in uow.notifications.watches_of(actor_id)]}


def list_watches(uow, *, actor_id: int) -> dict:
    with uow:
        load_actor(uow, actor_id)
        return {"items": [_watch_view(w) for w in uow.notifications.watches_of(actor_id)]}


def remove_watch(uow, *, actor_id: int, watch_id: int) -> None:
    with uow:
        load_actor(uow, actor_id)
        if not uow.notifications.remove_watch(actor_id, watch_id):
            raise NotFound(f"关注 {watch_id} 不存在 (watch not found)")
        uow.commit()


def _watch_view(w: dict) -> dict:
    return {"id": w["id"], "target_type": w["target_type"], "target_id": w["target_id"],
            "created_at": w["created_at"].isoformat()}


# --------------------------------------------------------------------------- saved searches

def add_saved_search(uow, *, actor_id: int, name: str, query: str, filters: dict, now: datetime) -> dict:
    if not (query or "").strip():
        raise ValidationFailed.on("query", "查询不能为空 (query required)")
    with uow:
        load_actor(uow, actor_id)
        if len(uow.notifications.saved_searches(actor_id)) >= MAX_SAVED_SEARCHES:
            raise ValidationFailed.on("query", f"最多保存 {MAX_SAVED_SEARCHES} 个搜索 (too many saved searches)")
        clean = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        ident = uow.notifications.add_saved_search(actor_id, (name or query).strip()[:100], query.strip(), clean, now)
        uow.commit()
        return {"id": ident, "name": (name or query).strip()[:100], "query": query.strip(), "filters": clean,
                "created_at": now.isoformat()}


def list_saved_searches(uow, *, actor_id: int) -> dict:
    with uow:
        load_actor(uow, actor_id)
        return {"items": [{"id": s["id"], "name": s["name"], "query": s["query"], "filters": s["filters"],
                           "created_at": s["created_at"].isoformat()}
                          for s in uow.notifications.saved_searches(actor_id)]}


def remove_saved_search(uow, *, actor_id: int, search_id: int) -> None:
    with uow:
        load_actor(uow, actor_id)
        if not uow.notifications.remove_saved_search(actor_id, search_id):
            raise NotFound(f"保存的搜索 {search_id} 不存在 (saved search not found)")
        uow.commit()
