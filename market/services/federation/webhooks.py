"""Webhook subscriptions and their delivery (at least once, signed, with backoff).

A subscription belongs to a market (its operators manage it) or, with no market, to the regional
admin, who may manage every one. It starts at the feed's head: it gets the events committed after
it was made. Delivery is the scheduler's job (``deliver_due``): fan the feed out into one delivery
row per (subscription, change) — the subscription's cursor moves in the same transaction, so an
event is queued exactly once —, lease a batch of due rows, POST them, record each outcome. A
worker that dies mid-batch leaves its lease to run out and the rows are tried again: receivers
de-duplicate on the event id header."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Callable

from market.domain import federation as fed
from market.domain.errors import Forbidden, NotFound, ValidationFailed
from market.domain.federation import Outcome, Outgoing

from ..common import load_actor, require_market

LEASE = timedelta(minutes=2)
FAN_OUT_BATCH = 1000


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


# --- who may manage a subscription ---------------------------------------------------------------

def _manager(uow, actor_id: int):
    user = load_actor(uow, actor_id)
    if not (user.is_admin or user.role == "operator"):
        raise Forbidden("只有市场运营方或区域管理员可以管理订阅 (operators and the regional admin only)")
    return user


def _owned(uow, user, subscription_id: int, *, lock: bool = False) -> dict:
    found = uow.federation.subscription(subscription_id, lock=lock)
    if found is None or not (user.is_admin or (found["market_code"] and user.operates(found["market_code"]))):
        raise NotFound(f"订阅 {subscription_id} 不存在 (subscription not found)")
    return found


def subscription_view(row: dict, *, secret: bool = False) -> dict:
    view = {"id": row["id"], "market_code": row["market_code"], "url": row["url"],
            "description": row["description"], "event_types": list(row["event_types"]),
            "active": row["active"], "secret_hint": row["secret"][:6] + "…" + row["secret"][-4:],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}
    if secret:
        view["secret"] = row["secret"]
    return view


# --- use cases ----------------------------------------------------------------------------------------

def create_subscription(uow, *, actor_id: int, data: dict, now: datetime, allowed_hosts: tuple = ()) -> dict:
    """The secret is in this answer only (and in a rotation's)."""
    with uow:
        user = _manager(uow, actor_id)
        market = data.get("market_code") or (None if user.is_admin else user.market_code)
        if market is not None:
            require_market(uow, market)
            user.require_operator_of(market)
        values = {"market_code": market, "owner_id": user.id, "url": fed.check_url(data.get("url"), allowed_hosts),
                  "description": (data.get("description") or "").strip()[:200],
                  "event_types": fed.check_event_types(data.get("event_types")), "secret": new_secret(),
                  "active": bool(data.get("active", True)), "cursor": uow.federation.head(),
                  "created_at": now, "updated_at": now}
        ident = uow.federation.add_subscription(values)
        uow.commit()
        return subscription_view({**values, "id": ident}, secret=True)


def list_subscriptions(uow, *, actor_id: int) -> list[dict]:
    with uow:
        user = _manager(uow, actor_id)
        rows = uow.federation.subscriptions(None if user.is_admin else user.market_code)
        return [subscription_view(r) for r in rows]


def get_subscription(uow, *, actor_id: int, subscription_id: int) -> dict:
    with uow:
        return subscription_view(_owned(uow, _manager(uow, actor_id), subscription_id))


def update_subscription(uow, *, actor_id: int, subscription_id: int, data: dict, now: datetime,
                        allowed_hosts: tuple = ()) -> dict:
    with uow:
        found = _owned(uow, _manager(uow, actor_id), subscription_id, lock=True)
        values = {"updated_at": now}
        if "url" in data:
            values["url"] = fed.check_url(data["url"], allowed_hosts)
        if "event_types" in data:
            values["event_types"] = fed.check_event_types(data["event_types"])
        if "description" in data:
            values["description"] = (data["description"] or "").strip()[:200]
        if "active" in data:
            values["active"] = bool(data["active"])
        uow.federation.update_subscription(subscription_id, values)
        uow.commit()
        return subscription_view({**found, **values})


def rotate_secret(uow, *, actor_id: int, subscription_id: int, now: datetime) -> dict:
    """A new secret at once (deliveries from now on are signed with it)."""
    with uow:
        found = _owned(uow, _manager(uow, actor_id), subscription_id, lock=True)
        values = {"secret": new_secret(), "updated_at": now}
        uow.federation.update_subscription(subscription_id, values)
        uow.commit()
        return subscription_view({**found, **values}, secret=True)


def delete_subscription(uow, *, actor_id: int, subscription_id: int) -> None:
    with uow:
        _owned(uow, _manager(uow, actor_id), subscription_id, lock=True)
        uow.federation.delete_subscription(subscription_id)
        uow.commit()


def delivery_view(row: dict) -> dict:
    return {"id": row["id"], "subscription_id": row["subscription_id"], "event_id": event_id(row["change_id"]),
            "event_type": row["event_type"], "status": row["status"], "attempts": row["attempts"],
            "last_status_code": row["last_status_code"], "last_error": row["last_error"],
            "next_attempt_at": row["next_attempt_at"] if row["status"] == "pending" else None,
            "created_at": row["created_at"], "delivered_at": row["delivered_at"]}


def delivery_log(uow, *, actor_id: int, subscription_id: int, status: str | None, page: int,
                 per_page: int) -> dict:
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise ValidationFailed.on("status", "状态须为 pending / delivered / failed 之一")
    with uow:
        _owned(uow, _manager(uow, actor_id), subscription_id)
        total, rows = uow.federation.deliveries(subscription_id, status, (page - 1) * per_page, per_page)
        return {"total": total, "page": page, "per_page": per_page, "items": [delivery_view(r) for r in rows]}


def resend(uow, *, actor_id: int, subscription_id: int, delivery_id: int, now: datetime,
           policy: fed.RetryPolicy) -> dict:
    """Queue the event again now, with a fresh budget of attempts (delivered ones too: a receiver
    may have lost it)."""
    with uow:
        _owned(uow, _manager(uow, actor_id), subscription_id)
        row = uow.federation.delivery(delivery_id)
        if row is None or row["subscription_id"] != subscription_id:
            raise NotFound(f"投递 {delivery_id} 不存在 (delivery not found)")
        values = {"status": "pending", "next_attempt_at": now, "budget": row["attempts"] + policy.max_attempts}
        uow.federation.update_delivery(delivery_id, values)
        uow.commit()
        return delivery_view({**row, **values})


# --- the worker -----------------------------------------------------------------------------------

def event_id(change_id: int) -> str:
    return f"evt_{change_id}"


def payload(change: dict) -> bytes:
    """The body: the same bytes for every attempt of one event to one subscription."""
    committed = change["committed_at"]
    data = {"id": event_id(change["id"]), "type": change["event_type"],
            "created_at": committed.isoformat() if isinstance(committed, datetime) else committed,
            "cursor": fed.encode_cursor(change["id"]),
            "data": {"entity_type": change["entity_type"], "entity_id": change["entity_id"],
                     "kind": change["kind"], "object": change["representation"]}}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def fan_out(uow, now: datetime, policy: fed.RetryPolicy) -> int:
    """Queue a delivery per new change a subscription wants; its cursor moves with them."""
    queued = 0
    with uow:
        repo = uow.federation
        for sub in repo.subscriptions(active_only=True):
            sub = repo.subscription(sub["id"], lock=True)
            head = repo.head()
            rows = repo.changes_after(sub["cursor"], head, list(fed.ENTITY_TYPES), FAN_OUT_BATCH)
            wanted = set(sub["event_types"])
            new = [{"subscription_id": sub["id"], "change_id": r["id"], "event_type": r["event_type"],
                    "status": "pending", "attempts": 0, "budget": policy.max_attempts, "next_attempt_at": now,
                    "created_at": now} for r in rows if r["event_type"] in wanted]
            repo.add_deliveries(new)
            cursor = rows[-1]["id"] if len(rows) == FAN_OUT_BATCH else max(sub["cursor"], head)
            if cursor != sub["cursor"]:
                repo.update_subscription(sub["id"], {"cursor": cursor})
            queued += len(new)
        uow.commit()
    return queued


def _claim(uow, now: datetime, batch: int) -> tuple[list[Outgoing], dict[int, dict]]:
    """Lease due deliveries and build their signed requests; also the rows as claimed."""
    with uow:
        repo = uow.federation
        due = repo.claim_due(now, now + LEASE, batch)
        if not due:
            return [], {}
        changes = repo.changes_by_id(sorted({d["change_id"] for d in due}))
        subs = {s["id"]: s for s in repo.subscriptions()}
        uow.commit()
    out = []
    for d in due:
        sub, change = subs[d["subscription_id"]], changes.get(d["change_id"])
        body = payload(change)
        stamp = int(now.timestamp())
        out.append(Outgoing(d["id"], sub["url"], {
            "Content-Type": "application/json; charset=utf-8", fed.EVENT_ID_HEADER: event_id(change["id"]),
            "YRD-Event-Type": change["event_type"], "YRD-Delivery-Id": str(d["id"]),
            "YRD-Delivery-Attempt": str(d["attempts"] + 1),
            fed.SIGNATURE_HEADER: fed.signature_header(sub["secret"], stamp, body)}, body))
    return out, {d["id"]: d for d in due}


def _record(uow, outcomes: list[Outcome], claimed: dict[int, dict], now: datetime,
            policy: fed.RetryPolicy) -> None:
    """Each outcome on its row (a row deleted meanwhile with its subscription is not updated)."""
    with uow:
        results = []
        for o in outcomes:
            row = claimed[o.delivery_id]
            attempts = row["attempts"] + 1
            values = {"id": o.delivery_id, "attempts": attempts, "last_status_code": o.status_code}
            if o.ok:
                values.update(status="delivered", delivered_at=now, next_attempt_at=None, last_error=None)
            else:
                retry = policy.next_attempt(attempts, row["budget"], now)
                values.update(status="pending" if retry else "failed", next_attempt_at=retry,
                              last_error=(o.error or "")[:500])
            results.append(values)
        uow.federation.record_attempts(results)
        uow.commit()


def deliver_due(uow_factory, sender, now: Callable[[], datetime], policy: fed.RetryPolicy, *,
                batch: int = 200, max_batches: int = 20) -> dict:
    """One run of the worker: fan out, then send due deliveries a batch at a time."""
    queued = fan_out(uow_factory(), now(), policy)
    sent = failed = 0
    for _ in range(max_batches):
        outgoing, claimed = _claim(uow_factory(), now(), batch)
        if not outgoing:
            break
        outcomes = sender.send_many(outgoing)
        _record(uow_factory(), outcomes, claimed, now(), policy)
        sent += sum(o.ok for o in outcomes)
        failed += sum(not o.ok for o in outcomes)
    return {"queued": queued, "delivered": sent, "failed_attempts": failed}
