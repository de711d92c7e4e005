"""``FakeSearchIndex``: in-memory, for unit tests of services (same port, same semantics)."""
from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from typing import Iterable

from market.adapters.search import analysis
from market.adapters.search.exact import exact_keys
from market.adapters.search.base import (
    TEXT_FIELDS, SearchDocument, SearchIndex, SearchQuery, SearchResult, count_facets, decorate,
    hit_from_doc, matches_filters, query_term_set,
)


class FakeSearchIndex(SearchIndex):
    def __init__(self):
        self.docs: dict[str, SearchDocument] = {}
        self._terms: dict[str, dict[str, list[str]]] = {}
        self._lock = threading.Lock()
        self.commits = 0

    @contextmanager
    def batch(self, timeout: float = 30.0):
        if not self._lock.acquire(timeout=timeout):
            raise TimeoutError("search index is locked")
        try:
            staged = _FakeBatch()
            yield staged
            for key, doc in staged.ops:
                if doc is None:
                    self.docs.pop(key, None)
                    self._terms.pop(key, None)
                else:
                    self.docs[key] = doc
                    self._terms[key] = {f: analysis.terms(doc.text_of(f)) for f in TEXT_FIELDS}
            if staged.ops:
                self.commits += 1
        finally:
            self._lock.release()

    def rebuild(self, docs: Iterable[SearchDocument], progress=None) -> int:
        with self.batch() as b:
            for key in list(self.docs):
                b.delete(key)
            count = 0
            for doc in docs:
                b.upsert(doc)
                count += 1
                if progress:
                    progress(1)
        return count

    def versions(self) -> dict[str, str]:
        return {key: doc.version for key, doc in self.docs.items()}

    def get(self, doc_id: str) -> SearchDocument | None:
        return self.docs.get(doc_id)

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        chunks = query.chunks()
        weights = query.term_weights()
        words = [(w, weights.get(w.text, 1.0)) for c in chunks for w in c.words]
        candidates = [d for d in self.docs.values() if matches_filters(d, query)]
        scored = []
        n = max(1, len(self.docs))
        for doc in candidates:
            score = self._score(doc, words, n) if words else 0.0
            if words and score <= 0:
                continue
            if not all(any(analysis.has_phrase(doc.text_of(f), c.phrase) for f in TEXT_FIELDS)
                       for c in chunks if c.quoted):
                continue
            scored.append((score, doc))
        total = len(scored)
        facets = count_facets([d for _, d in scored]) if query.facets else {}
        _sort(scored, query.sort if words or query.sort != "relevance" else "newest")
        start = (query.page - 1) * query.per_page
        terms = query_term_set(query)
        hits = [decorate(hit_from_doc(doc, score), doc, terms, query.snippets) for score, doc in scored[start:start + query.per_page]]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits, total, facets, round(took, 2), query.page, query.per_page)

    def exact(self, key: str, query: SearchQuery, limit: int) -> list[SearchDocument]:
        return [d for d in self.docs.values() if key in exact_keys(d) and matches_filters(d, query)][:limit]

    def _score(self, doc: SearchDocument, words, n: int) -> float:
        terms = self._terms[doc.doc_id]
        score = 0.0
        for word, weight in words:
            for fieldname, fb in TEXT_FIELDS.items():
                tf = terms[fieldname].count(word.text)
                tf_sub = sum(terms[fieldname].count(s) for s in word.subs) * 0.35
                if tf or tf_sub:
                    df = sum(1 for t in self._terms.values() if word.text in t[fieldname]) or 1
                    score += fb * weight * (tf + tf_sub) / (tf + tf_sub + 1.2) * math.log(1 + n / df)
        return score


class _FakeBatch:
    def __init__(self):
        self.ops: list[tuple[str, SearchDocument | None]] = []

    def upsert(self, doc: SearchDocument) -> None:
        self.ops.append((doc.doc_id, doc))

    def delete(self, doc_id: str) -> None:
        self.ops.append((doc_id, None))


def _sort(scored: list, sort: str) -> None:
    def published(doc):
        return doc.published_at.timestamp() if doc.published_at else 0

    if sort == "newest":
        scored.sort(key=lambda sd: -published(sd[1]))
    elif sort == "price":
        scored.sort(key=lambda sd: (sd[1].price_fen is None, sd[1].price_fen or 0, -published(sd[1])))
    else:
        scored.sort(key=lambda sd: -sd[0])
