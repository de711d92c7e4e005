"""Rules for holders, enterprises and searchers: review results, contracts registered, and new
matches for saved searches and open demands.

A match needs the search index, which follows the database only after the commit; so publishing
writes a match check to an outbox in its own transaction (`on_achievements_published`), and the
scheduler's worker runs the checks (`run_match_checks`) through the matching service's public
functions, telling each owner why it matched (the matches API's explanation)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from market.services import matching

from . import texts
from .compose import tell_orgs, tell_users

CLAIM = timedelta(minutes=5)
FILTERS = ("market", "field", "ip_type", "province")


def on_review_decided(uow, *, achievement_id: int, approved: bool, reason: str | None, now: datetime) -> None:
    facts = uow.notifications.achievement_facts(achievement_id)
    kind = "review_approved" if approved else "review_rejected"
    subject, text = texts.review(facts["title"], approved, reason)
    data = {"achievement_id": achievement_id, "reason": reason}
    key = f"{kind}:{achievement_id}:{now.isoformat()}"
    if facts.get("created_by_id"):
        tell_users(uow, [facts["created_by_id"]], kind, key, subject, text, data, now)
    else:
        tell_orgs(uow, [facts["holder_id"]], kind, key, subject, text, data, now)
    if approved:
        on_achievements_published(uow, achievement_ids=[achievement_id], now=now)


def on_achievements_published(uow, *, achievement_ids: list[int], now: datetime) -> None:
    """Listed directly or imported from a feed: check for matches once the index has it."""
    uow.notifications.add_jobs("match", [{"achievement_id": i} for i in achievement_ids], now)


def on_contract_registered(uow, *, contract_id: int, title: str, registration_number: str, amount_fen: int,
                           seller_org_id: int, buyer_org_id: int, now: datetime) -> None:
    """Both parties are told."""
    subject, text = texts.contract_registered(title, registration_number, amount_fen)
    tell_orgs(uow, [seller_org_id, buyer_org_id], "contract_registered", f"contract:{contract_id}",
              subject, text, {"contract_id": contract_id, "registration_number": registration_number}, now)


# --------------------------------------------------------------------------- the match worker

def run_match_checks(uow_factory, index, now: datetime, *, min_score: float = 0.0,
                     min_share: float = 0.5, limit: int = 50) -> int:
    """Claim a batch of checks, tell demands' and saved searches' owners, then drop the checks.
    A crash in between leaves the claim to expire: the checks run again and the dedupe keys
    keep the owners from being told twice."""
    token = uuid.uuid4().hex
    with uow_factory() as uow:
        claimed = [(i, p["achievement_id"]) for i, p in uow.notifications.claim_jobs("match", token, now, now + CLAIM, limit)]
        uow.commit()
    told = 0
    for _check_id, achievement_id in claimed:
        told += _check(uow_factory, index, achievement_id, now, min_score, min_share)
    if claimed:
        with uow_factory() as uow:
            uow.notifications.finish_jobs([c for c, _ in claimed], token)
            uow.commit()
    return told


def _check(uow_factory, index, achievement_id: int, now: datetime, min_score: float, min_share: float) -> int:
    try:
        found = matching.matches_for_achievement(uow_factory(), index, achievement_id, {"per_page": 50})
    except Exception:   # noqa: BLE001 - not public (any more): nothing to tell
        return 0
    demand_hits = [m for m in found["matches"] if m["type"] == "demand" and (m.get("score") or 0) >= min_score]
    with uow_factory() as uow:
        facts = uow.notifications.achievement_facts(achievement_id)
        told = _tell_demands(uow, facts, demand_hits, now)
        told += _tell_saved_searches(uow, facts, min_share, now)
        uow.commit()
    return told


def _tell_demands(uow, facts: dict, hits: list[dict], now: datetime) -> int:
    demands = uow.notifications.demand_facts([h["id"] for h in hits])
    told = 0
    for hit in hits:
        demand = demands.get(hit["id"])
        if demand is None or demand["status"] != "open":
            continue
        why = [t["term"] for t in hit["explanation"]["terms"]]
        subject, text = texts.new_match(facts["title"], f"您的需求「{demand['title']}」", why)
        told += tell_orgs(uow, [demand["enterprise_id"]], "new_match", f"match:{facts['id']}:demand:{demand['id']}",
                          subject, text, {"achievement_id": facts["id"], "demand_id": demand["id"],
                                          "score": hit.get("score"), "explanation": hit["explanation"]}, now)
    return told


def _tell_saved_searches(uow, facts: dict, min_share: float, now: datetime) -> int:
    """A saved search matches when the achievement passes its filters and carries at least
    `min_share` of the query's key terms (the terms, weights and fields are the explanation)."""
    searches = uow.notifications.saved_searches()
    if not searches:
        return 0
    keywords = list(facts.get("keywords") or [])
    weights = dict(matching.key_terms_of(facts["title"], facts.get("abstract") or "", keywords))
    fields = {"title": facts["title"], "abstract": facts.get("abstract") or "", "keywords": " ".join(keywords)}
    told = 0
    for s in searches:
        explanation = saved_search_explanation(s, facts, weights, fields, min_share)
        if explanation is None:
            continue
        why = [t["term"] for t in explanation["terms"]]
        subject, text = texts.new_match(facts["title"], f"您保存的搜索「{s['name']}」", why)
        told += tell_users(uow, [s["user_id"]], "new_match", f"match:{facts['id']}:search:{s['id']}", subject,
                           text, {"achievement_id": facts["id"], "saved_search_id": s["id"],
                                  "explanation": explanation}, now)
    return told


def saved_search_explanation(search: dict, facts: dict, weights: dict, fields: dict, min_share: float) -> dict | None:
    filters = search.get("filters") or {}
    for name in FILTERS:
        if filters.get(name) and filters[name] != facts.get("market_code" if name == "market" else name):
            return None
    query_terms = [t for t, _ in matching.key_terms_of(search["query"], "")] or [search["query"]]
    matched = [t for t in query_terms if t in weights or any(t in v for v in fields.values())]
    if not matched or len(matched) < min_share * len(query_terms):
        return None
    return {"terms": [{"term": t, "weight": weights.get(t)} for t in matched],
            "fields": {f: [t for t in matched if t in v] for f, v in fields.items() if any(t in v for t in matched)},
            "cross_province": False}
