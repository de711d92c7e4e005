"""Demand–achievement matching: which published achievements answer a demand, and
which open demands an achievement answers, each with the reasons.

The query is built from the listing's own text, not its title alone: its key
terms weighted by TF-IDF (jieba's IDF table; the title counted twice so it
weighs more), run through the same index as search. Each match explains itself
with the terms that matched and the fields they matched in. Cross-province
transfer is the point of the platform, so ``prefer_other_provinces`` lifts
candidates from another province than the requester's.
"""
from __future__ import annotations

import time

from market.adapters.search import analysis
from market.adapters.search.base import MAX_PER_PAGE, SearchIndex, SearchQuery, doc_id
from market.domain.errors import NotFound

from .common import get_or_404
from .search import PAGING_MESSAGE, BadQuery, hit_view

KEY_TERMS = 16
OTHER_PROVINCE_BOOST = 1.3
RERANK_POOL = 100


def key_terms_of(title: str, body: str, keywords: list[str] | None = None) -> list[tuple[str, float]]:
    """Weighted key terms: the title and keywords are repeated so they weigh more."""
    text = "\n".join([title, title, " ".join(keywords or []), " ".join(keywords or []), body or ""])
    return analysis.key_terms(text, top_k=KEY_TERMS)


def matches_for_demand(uow, index: SearchIndex, demand_id: int, args: dict, viewer_id: int | None = None) -> dict:
    with uow:
        demand = get_or_404(uow.demands, demand_id, "需求")
        _require_visible(uow, demand, viewer_id, "需求")
        terms = key_terms_of(demand.title, demand.description)
        province = demand.province or (demand.enterprise.province if demand.enterprise else None)
        source = {"type": "demand", "id": demand.id, "title": demand.title, "province": province}
    return _match(index, source, terms, "achievement", args, province)


def matches_for_achievement(uow, index: SearchIndex, achievement_id: int, args: dict, viewer_id: int | None = None) -> dict:
    with uow:
        achievement = get_or_404(uow.achievements, achievement_id, "成果")
        _require_visible(uow, achievement, viewer_id, "成果")
        terms = key_terms_of(achievement.title, achievement.abstract, list(achievement.keywords or []))
        province = achievement.province or (achievement.holder.province if achievement.holder else None)
        source = {"type": "achievement", "id": achievement.id, "title": achievement.title, "province": province}
    return _match(index, source, terms, "demand", args, province)


def match_text(index: SearchIndex, title: str, body: str, target: str, args: dict) -> dict:
    """Matches for a text that is not a listing: what the judged bench runs (bench/match_eval.py)."""
    terms = key_terms_of(title, body)
    source = {"type": "text", "id": 0, "title": title, "province": None}
    return _match(index, source, terms, target, args, None)


def _require_visible(uow, obj, viewer_id: int | None, label: str) -> None:
    """Public listings match for everyone; others only for those who may see them."""
    if obj.is_public:
        return
    viewer = uow.users.get(viewer_id) if viewer_id is not None else None
    if viewer is None or not obj.visible_to(viewer):
        raise NotFound(f"{label} {obj.id} 不存在 (not found)")


def _match(index: SearchIndex, source: dict, terms: list, target: str, args: dict, province: str | None) -> dict:
    started = time.perf_counter()
    page = int(args["page"]) if args.get("page") is not None else 1
    per_page = int(args["per_page"]) if args.get("per_page") is not None else 20
    if not (1 <= per_page <= MAX_PER_PAGE) or page < 1:
        raise BadQuery.on("per_page", PAGING_MESSAGE)
    prefer_other = bool(args.get("prefer_other_provinces")) and province is not None
    base = dict(
        doc_type=target, market=args.get("market"), field=args.get("field"), ip_type=args.get("ip_type"),
        mode=args.get("mode"), province=args.get("province"), price_min=args.get("price_min"),
        price_max=args.get("price_max"), weighted_terms=terms, exclude_ids=frozenset({doc_id(source["type"], source["id"])}),
    )
    if not terms:
        return _view(source, terms, [], 0, {}, page, per_page, started)
    if prefer_other and page * per_page <= RERANK_POOL:
        result = index.search(SearchQuery(**base, page=1, per_page=RERANK_POOL))
        hits = sorted(result.hits, key=lambda h: -h.score * (OTHER_PROVINCE_BOOST if h.province != province else 1.0))
        for h in hits:
            if h.province != province:
                h.score = round(h.score * OTHER_PROVINCE_BOOST, 4)
        hits = hits[(page - 1) * per_page: page * per_page]
    else:
        result = index.search(SearchQuery(**base, page=page, per_page=per_page))
        hits = result.hits
    return _view(source, terms, hits, result.total, result.facets, page, per_page, started)


def _view(source, terms, hits, total, facets, page, per_page, started) -> dict:
    weights = dict(terms)
    items = []
    for h in hits:
        view = hit_view(h)
        matched_terms = sorted({t for ts in h.matched.values() for t in ts},
                               key=lambda t: -weights.get(t, 0.0))
        view["explanation"] = {
            "terms": [{"term": t, "weight": weights.get(t)} for t in matched_terms],
            "fields": h.matched,
            "cross_province": source["province"] is not None and h.province not in (None, source["province"]),
        }
        items.append(view)
    return {
        "source": source, "query_terms": [{"term": t, "weight": w} for t, w in terms],
        "total": total, "page": page, "per_page": per_page, "facets": facets,
        "took_ms": round((time.perf_counter() - started) * 1000, 2), "matches": items,
    }
