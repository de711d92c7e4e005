"""Read models of the deal feature: plain dicts built inside the unit of work."""
from __future__ import annotations

from datetime import datetime


def interest_view(i, negotiation_id: int | None = None) -> dict:
    view = {k: getattr(i, k) for k in (
        "id", "achievement_id", "buyer_org_id", "seller_org_id", "market_code", "message", "status",
        "decline_reason", "created_at", "answered_at")}
    view["negotiation_id"] = negotiation_id
    return view


def offer_view(o, now: datetime) -> dict:
    view = {k: getattr(o, k) for k in (
        "id", "negotiation_id", "side", "price_fen", "transfer_mode", "payment_terms", "replaces_id",
        "decline_reason", "created_at", "expires_at", "answered_at")}
    view["status"] = o.display_status(now)
    return view


def negotiation_view(n, now: datetime, agreement_id: int | None = None) -> dict:
    view = {k: getattr(n, k) for k in (
        "id", "interest_id", "achievement_id", "buyer_org_id", "seller_org_id", "market_code", "status",
        "created_at", "updated_at")}
    view["offers"] = [offer_view(o, now) for o in n.offers]
    view["agreement_id"] = agreement_id
    return view


def agreement_view(a, notice_id: int | None = None) -> dict:
    view = {k: getattr(a, k) for k in (
        "id", "negotiation_id", "offer_id", "achievement_id", "seller_org_id", "buyer_org_id", "market_code",
        "price_fen", "transfer_mode", "payment_terms", "publicly_funded", "status", "contract_id",
        "void_reason", "created_at", "signed_at", "voided_at")}
    view["contract_type"] = a.contract_type
    view["publicity_notice_id"] = notice_id
    return view


def objection_view(o) -> dict:
    """What the public sees of an objection: not who filed it."""
    return {k: getattr(o, k) for k in (
        "id", "notice_id", "reason", "status", "ruling_reason", "created_at", "ruled_at")}


def notice_view(n) -> dict:
    view = {k: getattr(n, k) for k in (
        "id", "agreement_id", "achievement_id", "achievement_title", "market_code", "price_fen",
        "transfer_mode", "days", "status", "starts_at", "ends_at", "opened_at", "ended_at", "voided_at",
        "created_at")}
    view["seller"] = {"id": n.seller_org_id, "name": n.seller_name}
    view["buyer"] = {"id": n.buyer_org_id, "name": n.buyer_name}
    view["objections"] = [objection_view(o) for o in n.objections]
    return view


def page_view(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}
