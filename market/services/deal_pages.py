"""What the deal pages show beside the deal services' own views: the names behind the ids (the
achievement's title, the organisations' names) and the transfer modes an offer may name.

The deal views carry ids only (the API's clients look names up as they need); a page shows a
person words, so it asks here for all the names of one page in one unit of work."""
from __future__ import annotations

from typing import Iterable


def names(uow, *, achievement_ids: Iterable[int] = (), org_ids: Iterable[int] = ()) -> dict:
    """{"achievements": {id: {"title", "transfer_modes", "status"}}, "organisations": {id: name}};
    ids that name nothing are left out."""
    with uow:
        achievements = {}
        for ident in set(achievement_ids):
            a = uow.achievements.get(ident)
            if a is not None:
                achievements[ident] = {"title": a.title, "transfer_modes": list(a.transfer_modes or []),
                                       "status": a.status, "price_fen": a.price_fen}
        organisations = {}
        for ident in set(org_ids):
            o = uow.organisations.get(ident)
            if o is not None:
                organisations[ident] = o.name
        return {"achievements": achievements, "organisations": organisations}


def names_for_deals(uow, *views: dict) -> dict:
    """The names every deal view on a page refers to (interests, negotiations, agreements)."""
    achievement_ids = {v["achievement_id"] for v in views if v.get("achievement_id")}
    org_ids = {v[k] for v in views for k in ("buyer_org_id", "seller_org_id") if v.get(k)}
    return names(uow, achievement_ids=achievement_ids, org_ids=org_ids)
