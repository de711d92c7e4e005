"""Search use cases, and the indexer that makes the index follow the database.

How an update reaches the index (and why none is lost):

1. ``SearchIndexer.record`` is a unit-of-work *before-commit* hook: it writes one
   ``search_outbox`` row per changed achievement/demand in the same transaction
   as the change. A rolled-back change leaves no row, so it never reaches the index.
2. ``SearchIndexer.after_commit`` then drains the outbox: under the index's
   exclusive writer lock (Whoosh's file lock, a PostgreSQL advisory lock) it
   reads a batch of rows, loads the *current* state of those listings, writes
   them in one index commit (one ~36 ms Whoosh commit for the whole batch, not
   one per document) and deletes the rows it handled.

Several worker processes committing at once queue on the lock instead of
failing with ``LockError``; whoever holds it drains everyone's rows. Because the
drainer reads the database *after* taking the lock, the last write to the index
for a listing always carries its latest committed state. If indexing fails or
times out, the rows stay and the next drain (or ``market reindex``) applies
them; ``market check-index`` reports the drift meanwhile.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from sqlalchemy import delete, func, insert, select

from market.adapters import orm
from market.adapters.orm_search import search_outbox
from market.adapters.search.exact import search_exact_first
from market.adapters.search.base import (
    DOC_TYPES, MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, SearchDocument, SearchIndex, SearchQuery, SearchResult,
    doc_id,
)
from market.domain.achievements import Achievement
from market.domain.demands import Demand
from market.domain.errors import ValidationFailed

log = logging.getLogger(__name__)

KINDS = ("achievement", "demand")


PAGING_MESSAGE = f"分页参数无效 (per_page 1..{MAX_PER_PAGE}, page 1..10000)"


class BadQuery(ValidationFailed):
    """A search or matching argument the schema could not judge alone: 422 naming the field,
    like every other bad argument."""
    default_message = "查询无效 (bad search query)"


# --- documents -----------------------------------------------------------------------

def achievement_document(a: Achievement) -> SearchDocument:
    return _achievement_document(
        a, a.holder.name if a.holder else "", a.holder.province if a.holder else None,
        [li.market_code for li in (a.listings or []) if li.status == "listed"], a.is_public)


def _achievement_document(a, org: str, org_province: str | None, listed_markets: list[str],
                          public: bool) -> SearchDocument:
    """``a``: an ``Achievement`` or a row of the achievements table (same attribute names)."""
    doc = SearchDocument(
        doc_type="achievement", entity_id=a.id, title=a.title, body=a.abstract or "",
        keywords=list(a.keywords or []), org=org, codes=list(a.application_numbers or []), field=a.field,
        markets=sorted({a.market_code, *listed_markets}), province=a.province or org_province,
        ip_type=a.ip_type, modes=list(a.transfer_modes or []), price_fen=a.price_fen,
        price_low_fen=a.price_fen, status=a.status, public=public,
        published_at=a.published_at, updated_at=a.updated_at,
    )
    doc.version = version_of(doc)
    return doc


def demand_document(d: Demand) -> SearchDocument:
    return _demand_document(d, d.enterprise.name if d.enterprise else "",
                            d.enterprise.province if d.enterprise else None, d.is_public)


def _demand_document(d, org: str, org_province: str | None, public: bool) -> SearchDocument:
    """``d``: a ``Demand`` or a row of the demands table (same attribute names)."""
    doc = SearchDocument(
        doc_type="demand", entity_id=d.id, title=d.title, body=d.description or "", keywords=[],
        org=org, field=d.field, markets=[d.market_code], province=d.province or org_province, ip_type=None,
        modes=[d.cooperation_mode] if d.cooperation_mode else [],
        price_fen=d.budget_max_fen, price_low_fen=d.budget_min_fen, status=d.status, public=public,
        published_at=d.published_at, updated_at=d.updated_at,
    )
    doc.version = version_of(doc)
    return doc


def version_of(doc: SearchDocument) -> str:
    """A digest of everything indexed: any change a search could see changes it."""
    data = {k: v for k, v in doc.__dict__.items() if k != "version"}
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def load_documents(session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], SearchDocument | None]:
    """Current public documents for ``keys``; None where the listing is gone or not public.

    The indexer's hot path (every import batch goes through it): plain rows of just
    the columns a document needs, the holder joined and the batch's listings in one
    more query, instead of ORM objects (identity map, joined holder, selectin
    listings), which cost twice as much. ``achievement_document`` /
    ``demand_document`` build the same documents from the objects; whether a row
    is public is the domain's own rule (``is_public``) applied to the row."""
    keys = set(keys)
    out: dict[tuple[str, int], SearchDocument | None] = {k: None for k in keys}
    for kind, load in (("achievement", _load_achievement_documents), ("demand", _load_demand_documents)):
        ids = sorted(i for k, i in keys if k == kind)
        for start in range(0, len(ids), 500):
            for doc in load(session, ids[start:start + 500]):
                out[(kind, doc.entity_id)] = doc
    return out


_ACHIEVEMENT_COLUMNS = ("id", "title", "abstract", "keywords", "field", "market_code", "province", "ip_type",
                        "transfer_modes", "price_fen", "status", "published_at", "updated_at",
                        "application_numbers")
_DEMAND_COLUMNS = ("id", "title", "description", "field", "market_code", "province", "cooperation_mode",
                   "budget_min_fen", "budget_max_fen", "status", "published_at", "updated_at")


def _load_achievement_documents(session, ids: list[int]) -> list[SearchDocument]:
    a, org, li = orm.achievements, orm.organisations, orm.achievement_listings
    rows = session.execute(
        select(*(a.c[name] for name in _ACHIEVEMENT_COLUMNS),
               org.c.name.label("holder_name"), org.c.province.label("holder_province"))
        .select_from(a.outerjoin(org, org.c.id == a.c.holder_id)).where(a.c.id.in_(ids))).all()
    public = [row for row in rows if Achievement.is_public.fget(row)]
    if not public:
        return []
    listed: dict[int, list[str]] = {}
    for achievement_id, market_code in session.execute(
            select(li.c.achievement_id, li.c.market_code)
            .where(li.c.achievement_id.in_([row.id for row in public]), li.c.status == "listed")):
        listed.setdefault(achievement_id, []).append(market_code)
    return [_achievement_document(row, row.holder_name or "", row.holder_province, listed.get(row.id, []), True)
            for row in public]


def _load_demand_documents(session, ids: list[int]) -> list[SearchDocument]:
    d, org = orm.demands, orm.organisations
    rows = session.execute(
        select(*(d.c[name] for name in _DEMAND_COLUMNS),
               org.c.name.label("enterprise_name"), org.c.province.label("enterprise_province"))
        .select_from(d.outerjoin(org, org.c.id == d.c.enterprise_id)).where(d.c.id.in_(ids))).all()
    return [_demand_document(row, row.enterprise_name or "", row.enterprise_province, True)
            for row in rows if Demand.is_public.fget(row)]


def iter_public_documents(session, batch: int = 500) -> Iterator[SearchDocument]:
    """Every public achievement and demand, in id order, a batch at a time."""
    for cls, build in ((Achievement, achievement_document), (Demand, demand_document)):
        last = 0
        while True:
            rows = list(session.scalars(select(cls).where(cls.id > last).order_by(cls.id).limit(batch)))
            if not rows:
                break
            for obj in rows:
                if obj.is_public:
                    yield build(obj)
            last = rows[-1].id
            session.expunge_all()


def count_listings(session) -> int:
    return sum(session.scalar(select(func.count()).select_from(cls)) or 0 for cls in (Achievement, Demand))


# --- the indexer -----------------------------------------------------------------------

class SearchIndexer:
    """Unit-of-work hooks + outbox drain (see the module docstring)."""

    def __init__(self, index: SearchIndex, session_factory, *, batch_size: int = 500,
                 lock_timeout: float = 10.0, now: Callable[[], datetime] | None = None):
        self.index = index
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.lock_timeout = lock_timeout
        self.now = now or (lambda: datetime.now(timezone.utc))

    # before-commit hook: same transaction as the change
    def record(self, uow, changed: set) -> None:
        rows = [{"kind": kind, "entity_id": ident, "created_at": self.now()}
                for kind, ident in sorted(changed) if kind in KINDS]
        if rows:
            uow.session.execute(insert(search_outbox), rows)

    # after-commit hook: only committed changes get here
    def after_commit(self, uow, changed: set) -> None:
        if not any(kind in KINDS for kind, _ in changed):
            return
        try:
            self.drain()
        except Exception:  # noqa: BLE001 - the commit stands; the outbox keeps the rows
            log.warning("search index update deferred: rows stay in search_outbox", exc_info=True)

    def pending(self) -> int:
        with self.session_factory() as session:
            return session.scalar(select(func.count()).select_from(search_outbox)) or 0

    def drain(self, max_batches: int | None = None) -> int:
        """Apply outbox rows to the index until none are left; returns rows handled."""
        handled = batches = 0
        while max_batches is None or batches < max_batches:
            done = self._drain_batch()
            if not done:
                break
            handled += done
            batches += 1
        return handled

    def _drain_batch(self) -> int:
        with self.index.batch(timeout=self.lock_timeout) as writer:
            with self.session_factory() as session:
                rows = session.execute(select(search_outbox.c.id, search_outbox.c.kind, search_outbox.c.entity_id)
                                       .order_by(search_outbox.c.id).limit(self.batch_size)).all()
                if not rows:
                    session.rollback()
                    return 0
                docs = load_documents(session, {(r.kind, r.entity_id) for r in rows})
                session.rollback()
            for (kind, ident), doc in docs.items():
                if doc is None:
                    writer.delete(doc_id(kind, ident))
                else:
                    writer.upsert(doc)
        # the index committed: now forget these rows (a crash before this re-applies them, harmlessly)
        with self.session_factory() as session:
            session.execute(delete(search_outbox).where(search_outbox.c.id.in_([r.id for r in rows])))
            session.commit()
        return len(rows)


# --- use cases --------------------------------------------------------------------------

def reindex(index: SearchIndex, session_factory, progress: Callable[[int], None] | None = None,
            on_total: Callable[[int], None] | None = None, indexer: "SearchIndexer | None" = None) -> int:
    """Rebuild the index from the database; outbox rows older than the rebuild are dropped,
    and (given the indexer) changes committed while it ran are applied afterwards."""
    with session_factory() as session:
        high_water = session.scalar(select(func.max(search_outbox.c.id))) or 0
        if on_total:
            on_total(count_listings(session))
        count = index.rebuild(iter_public_documents(session), progress=progress)
        session.rollback()
    with session_factory() as session:
        session.execute(delete(search_outbox).where(search_outbox.c.id <= high_water))
        session.commit()
    if indexer is not None:
        indexer.drain()
    return count


def check_index(index: SearchIndex, session_factory) -> dict:
    """Drift between the database and the index (empty lists mean in sync)."""
    with session_factory() as session:
        expected = {doc.doc_id: doc.version for doc in iter_public_documents(session)}
        pending = session.scalar(select(func.count()).select_from(search_outbox)) or 0
        session.rollback()
    actual = index.versions()
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    stale = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    return {"database": len(expected), "index": len(actual), "missing": missing, "extra": extra,
            "stale": stale, "pending_outbox": pending, "in_sync": not (missing or extra or stale)}


def build_query(args: dict) -> SearchQuery:
    """Validate free-form search parameters (the API schema checks types first)."""
    text = args.get("q") or ""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery.on("q", f"查询过长：最多 {MAX_QUERY_CHARS} 个字符 (query too long)")
    if "\x00" in text:
        raise BadQuery.on("q", "查询包含非法字符 (NUL character)")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadQuery.on("sort", f"排序方式无效 (sort must be one of {', '.join(SORTS)})")
    doc_type = args.get("type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise BadQuery.on("type", f"类型无效 (type must be one of {', '.join(DOC_TYPES)})")
    per_page = int(args["per_page"]) if args.get("per_page") is not None else 20
    page = int(args["page"]) if args.get("page") is not None else 1
    if not (1 <= per_page <= MAX_PER_PAGE) or not (1 <= page <= 10_000):
        raise BadQuery.on("per_page", PAGING_MESSAGE)
    lo, hi = args.get("price_min"), args.get("price_max")
    if lo is not None and hi is not None and lo > hi:
        raise BadQuery.on("price_min", "价格下限不能高于上限 (price_min greater than price_max)")
    return SearchQuery(
        text=text, doc_type=doc_type, market=args.get("market"), field=args.get("field"),
        ip_type=args.get("ip_type"), mode=args.get("mode"), province=args.get("province"),
        price_min=lo, price_max=hi, sort=sort, page=page, per_page=per_page,
    )


def search(index: SearchIndex, args: dict) -> dict:
    """Public search over published achievements and open demands."""
    started = time.perf_counter()
    result = search_exact_first(index, build_query(args))
    return result_view(result, (time.perf_counter() - started) * 1000)


def result_view(result: SearchResult, took_ms: float | None = None) -> dict:
    return {
        "total": result.total, "page": result.page, "per_page": result.per_page,
        "took_ms": round(took_ms if took_ms is not None else result.took_ms, 2),
        "facets": result.facets,
        "hits": [hit_view(h) for h in result.hits],
    }


def hit_view(h) -> dict:
    return {
        "type": h.doc_type, "id": h.entity_id, "score": h.score, "title": h.title,
        "snippets": h.snippets, "matched": h.matched, "field": h.field, "markets": h.markets,
        "province": h.province, "ip_type": h.ip_type, "modes": h.modes, "price_fen": h.price_fen,
        "status": h.status, "organisation": h.org, "published_at": h.published_at,
    }
