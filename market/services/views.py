"""Read models: plain dicts built inside the unit of work, so nothing lazy
escapes the session. The API schemas format them (times in Asia/Shanghai)."""
from __future__ import annotations

from datetime import date


def organisation_view(o) -> dict:
    return {"id": o.id, "name": o.name, "kind": o.kind, "province": o.province, "city": o.city,
            "credit_code": o.credit_code, "created_at": o.created_at,
            "publicly_funded": bool(getattr(o, "publicly_funded", False)),
            "market_code": getattr(o, "market_code", None),
            "verification_status": getattr(o, "verification_status", None) or "verified",
            "verified_at": getattr(o, "verified_at", None), "rejection_reason": getattr(o, "rejection_reason", None)}


def user_view(u) -> dict:
    org = u.organisation
    return {"id": u.id, "email": u.email, "display_name": u.display_name, "role": u.role,
            "organisation_id": u.organisation_id, "market_code": u.market_code,
            "organisation_kind": org.kind if org else None,
            "organisation_name": org.name if org else None,
            "password_reset_required": bool(getattr(u, "password_reset_required", False)),
            "org_role": getattr(u, "org_role", None),
            "organisation_status": (org.verification_status or "verified") if org else None}


def history_view(h) -> dict:
    return {"at": h.at, "from_status": h.from_status, "to_status": h.to_status,
            "actor_id": h.actor_id, "reason": h.reason, "detail": h.detail}


def listing_view(li) -> dict:
    return {"market_code": li.market_code, "external_id": li.external_id, "price_fen": li.price_fen,
            "negotiable": li.negotiable, "listed_on": li.listed_on, "status": li.status}


def achievement_view(a, *, with_history: bool = False) -> dict:
    view = {
        "id": a.id, "title": a.title, "abstract": a.abstract, "keywords": list(a.keywords or []),
        "ip_type": a.ip_type, "application_numbers": list(a.application_numbers or []),
        "holder": {"id": a.holder.id, "name": a.holder.name, "kind": a.holder.kind,
                   "province": a.holder.province},
        "field": a.field, "maturity": a.maturity, "transfer_modes": list(a.transfer_modes or []),
        "price_fen": a.price_fen, "negotiable": a.negotiable, "market_code": a.market_code,
        "markets": sorted({a.market_code, *(li.market_code for li in a.listings if li.status == "listed")}),
        "listings": [listing_view(li) for li in a.listings],
        "province": a.province, "city": a.city, "district": a.district, "status": a.status,
        "rejection_reason": a.rejection_reason, "created_at": a.created_at,
        "updated_at": a.updated_at, "published_at": a.published_at,
    }
    if with_history:
        view["history"] = [history_view(h) for h in a.history]
    return view


def demand_view(d, today: date, *, with_history: bool = False) -> dict:
    view = {
        "id": d.id, "title": d.title, "description": d.description,
        "enterprise": {"id": d.enterprise.id, "name": d.enterprise.name, "province": d.enterprise.province},
        "field": d.field, "budget_min_fen": d.budget_min_fen, "budget_max_fen": d.budget_max_fen,
        "deadline": d.deadline, "cooperation_mode": d.cooperation_mode, "market_code": d.market_code,
        "external_id": d.external_id, "province": d.province, "city": d.city, "district": d.district,
        "status": d.display_status(today), "rejection_reason": d.rejection_reason,
        "created_at": d.created_at, "updated_at": d.updated_at, "published_at": d.published_at,
    }
    if with_history:
        view["history"] = [history_view(h) for h in d.history]
    return view
