"""Demand–achievement matching: which published achievements answer a demand, and
which open demands an achievement answers, each with the reasons.

The query is built from the listing's own text, not its title alone: its real key
terms (dictionary words and compounds, no generic demand words; the title and stated
goal weigh more than the company background), run through the same index as search for
candidates, which are then judged on their own text (``agreement``: several terms or one
rare central one, no organisation names, sub-words only toward their compound). Below a
calibrated floor there is no good match: the response says so and offers the closest few,
marked as such, instead of filling the page. Each match explains itself
with the terms that matched and the fields they matched in. Cross-province
transfer is the point of the platform, so ``prefer_other_provinces`` lifts
candidates from another province than the requester's.
"""
from __future__ import annotations

import time

from market.adapters.search import agreement, keyterms
from market.adapters.search.base import MAX_PER_PAGE, SearchIndex, SearchQuery, decorate, doc_id, query_term_set
from market.domain.errors import NotFound

from .common import get_or_404
from .search import PAGING_MESSAGE, BadQuery, hit_view

KEY_TERMS = 16
OTHER_PROVINCE_BOOST = 1.3
RERANK_POOL = 100
MAX_POOL = 2000  # deep pages are judged from at most this many candidates
#: When nothing reaches the floor, this many of the closest candidates are offered, marked as such.
CLOSEST = 3


def key_terms_of(title: str, body: str, keywords: list[str] | None = None) -> list[keyterms.KeyTerm]:
    """Real key terms, weighted by where they stand (see market.adapters.search.keyterms)."""
    return keyterms.key_terms(title, body or "", keywords, top_k=KEY_TERMS)


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
    """Matches for a text that is not (yet) a listing: what the judged bench runs (bench/match_eval.py)."""
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
    """Candidates from the index, judged on their own text (agreement, floor), then paged."""
    started = time.perf_counter()
    page = int(args["page"]) if args.get("page") is not None else 1
    per_page = int(args["per_page"]) if args.get("per_page") is not None else 20
    if not (1 <= per_page <= MAX_PER_PAGE) or page < 1:
        raise BadQuery.on("per_page", PAGING_MESSAGE)
    if not terms:
        return _view(source, terms, [], [], {}, page, per_page, started)
    prefer_other = bool(args.get("prefer_other_provinces")) and province is not None
    query = SearchQuery(
        doc_type=target, market=args.get("market"), field=args.get("field"), ip_type=args.get("ip_type"),
        mode=args.get("mode"), province=args.get("province"), price_min=args.get("price_min"),
        price_max=args.get("price_max"), weighted_terms=agreement.query_terms(terms),
        exclude_ids=frozenset({doc_id(source["type"], source["id"])}), page=1,
        per_page=min(max(RERANK_POOL, page * per_page), MAX_POOL), snippets=False,
    )
    result = index.search(query)
    judged = []
    for h in result.hits:
        relevance, matched, agreed = agreement.judge(h.document, terms) if h.document else (0.0, {}, False)
        if prefer_other and h.province != province:
            relevance *= OTHER_PROVINCE_BOOST
        judged.append((round(relevance, 4), agreed, matched, h))
    top = max((h.score for h in result.hits), default=0.0) or 1.0
    judged.sort(key=lambda j: -_blend(j[0], j[3].score / top))
    good = [j for j in judged if j[1] and j[0] >= agreement.FLOOR]
    closest = [j for j in judged if j[0] > 0 and j not in good][:CLOSEST] if not good else []
    marked = query_term_set(query)
    for j in good[(page - 1) * per_page: page * per_page] + closest:  # snippets for the shown page only
        decorate(j[3], j[3].document, marked)
    return _view(source, terms, good, closest, result.facets, page, per_page, started)


#: How much the index's own ranking (BM25 over the platform's listings) counts beside the key-term
#: relevance judged here (tuned on bench/match_eval.py).
INDEX_SHARE = 1.0


def _blend(relevance: float, index_score: float) -> float:
    return relevance + INDEX_SHARE * index_score


def _view(source, terms, good, closest, facets, page, per_page, started) -> dict:
    """The response: ``matches`` above the floor (paged), ``closest`` below it when none is."""
    weights = {t.text: t.weight for t in terms}
    return {
        "source": source, "query_terms": [{"term": t.text, "weight": t.weight} for t in terms],
        "total": len(good), "page": page, "per_page": per_page, "facets": facets,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
        "matches": [_item(j, source, weights) for j in good[(page - 1) * per_page: page * per_page]],
        "no_good_match": not good, "floor": agreement.FLOOR,
        "closest": [dict(_item(j, source, weights), below_floor=True) for j in closest],
    }


def _item(judged, source: dict, weights: dict) -> dict:
    relevance, _, matched, h = judged
    view = hit_view(h)
    view["score"] = relevance
    terms = sorted({t for ts in matched.values() for t in ts}, key=lambda t: -weights.get(t, 0.0))
    view["explanation"] = {
        "terms": [{"term": t, "weight": weights.get(t)} for t in terms],
        "fields": matched,
        "cross_province": source["province"] is not None and h.province not in (None, source["province"]),
    }
    return view
