"""``WhooshSearchIndex``: the default adapter, one index directory per deployment.

Queries are built in code, never with ``QueryParser``: the parser over Chinese
requires every sub-word (激光 AND 雷达 AND 激光雷达) and was ~5x slower. Each
query word becomes an OR over the weighted text fields (sub-words count for
less), and each run of words the user typed together adds exact-phrase and
proximity boosts. Writers are serialised by Whoosh's own file lock; ``batch``
waits for it, so concurrent processes queue instead of failing with LockError.
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from whoosh import index as windex
from whoosh import sorting, writing
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, NumericRange, Or, Phrase, Term

from market.adapters.search import analysis
from market.adapters.search.base import (
    FACETS, TEXT_FIELDS, SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResult,
    decorate, hit_from_doc, query_term_set,
)

#: Ranking knobs (tuned with bench/search_eval.py).
SUBWORD_WEIGHT = 0.35
PHRASE_BOOST = {"title": 4.0, "body": 2.0, "keywords": 2.0}
NEAR_BOOST = 1.0
NEAR_SLOP = 6
COORD_SCALE = 0.5
NO_PRICE = 2**62


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer over ``analysis.tokenize``: positions count words, not characters."""

    def __init__(self, subwords: bool = True):
        self.subwords = subwords

    def __eq__(self, other):
        return type(other) is type(self) and other.subwords == self.subwords

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for tok in analysis.tokenize(value, subwords=self.subwords):
            t.text = tok.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[tok.start:tok.end]
            if positions:
                t.pos = start_pos + tok.pos
            if chars:
                t.startchar, t.endchar = start_char + tok.start, start_char + tok.end
            yield t


def build_schema() -> Schema:
    text = WordTokenizer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        version=ID(sortable=True),
        type=ID,
        title=TEXT(analyzer=text),
        body=TEXT(analyzer=text),
        keywords=TEXT(analyzer=text),
        org=TEXT(analyzer=text),
        field=ID,
        markets=KEYWORD(commas=True),
        province=ID,
        ip_type=ID,
        modes=KEYWORD(commas=True),
        status=ID,
        public=BOOLEAN,
        price=NUMERIC(int, bits=64),
        price_sort=NUMERIC(int, bits=64, sortable=True),
        published=NUMERIC(int, bits=64, sortable=True),
        doc=STORED,
    )


_FACET_FIELDS = {"type": ("type", False), "market": ("markets", True), "field": ("field", False),
                 "ip_type": ("ip_type", False), "mode": ("modes", True)}


class WhooshSearchIndex(SearchIndex):
    def __init__(self, path: str | Path, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.path.mkdir(parents=True, exist_ok=True)
        if windex.exists_in(str(self.path)):
            self._ix = windex.open_dir(str(self.path))
        else:
            self._ix = windex.create_in(str(self.path), build_schema())

    # --- writing -------------------------------------------------------------------
    @contextmanager
    def batch(self, timeout: float | None = None) -> Iterator["_WhooshBatch"]:
        writer = self._ix.writer(timeout=self.lock_timeout if timeout is None else timeout, delay=0.02)
        batch = _WhooshBatch(writer)
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.dirty:
            writer.commit()
        else:
            writer.cancel()

    def rebuild(self, docs: Iterable[SearchDocument], progress=None) -> int:
        writer = self._ix.writer(timeout=self.lock_timeout, delay=0.02, limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**_fields(doc))
                count += 1
                if progress:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        return count

    def optimize(self) -> None:
        """Merge all segments into one (faster queries after bulk loads)."""
        with self._ix.writer(timeout=self.lock_timeout) as w:
            w.optimize = True

    # --- reading -------------------------------------------------------------------
    def versions(self) -> dict[str, str]:
        with self._ix.searcher() as s:
            ids = s.reader().column_reader("id")
            versions = s.reader().column_reader("version")
            return {_s(ids[n]): _s(versions[n]) for n in s.reader().all_doc_ids()}

    def get(self, doc_id: str) -> SearchDocument | None:
        with self._ix.searcher() as s:
            stored = s.document(id=doc_id)
        return _doc_from_stored(stored["doc"]) if stored else None

    def count(self) -> int:
        with self._ix.searcher() as s:
            return s.doc_count()

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        chunks = query.chunks()
        q = build_query(chunks, query.term_weights()) if chunks else Every()
        flt = _filter(query)
        kwargs = {}
        if query.sort == "newest" or (query.sort == "relevance" and not chunks):
            kwargs["sortedby"] = sorting.FieldFacet("published", reverse=True)
        elif query.sort == "price":
            kwargs["sortedby"] = [sorting.FieldFacet("price_sort"), sorting.FieldFacet("published", reverse=True)]
        if query.facets:
            kwargs["groupedby"] = {
                name: sorting.FieldFacet(fieldname, allow_overlap=overlap)
                for name, (fieldname, overlap) in _FACET_FIELDS.items()
            }
            kwargs["maptype"] = sorting.Count
        self._ix = self._ix.refresh()
        with self._ix.searcher() as s:
            results = s.search_page(q, query.page, pagelen=query.per_page, filter=flt, **kwargs)
            total = results.total
            terms = query_term_set(query)
            hits: list[SearchHit] = []
            for hit in results:
                doc = _doc_from_stored(hit["doc"])
                score = hit.score if "sortedby" not in kwargs and isinstance(hit.score, (int, float)) else 0.0
                hits.append(decorate(hit_from_doc(doc, score), doc, terms, query.snippets))
            facets = {}
            if query.facets:
                raw = results.results
                facets = {name: _counts(raw.groups(name)) for name in FACETS}
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits, total, facets, round(took, 2), query.page, query.per_page)


class _WhooshBatch:
    def __init__(self, writer):
        self.writer = writer
        self.dirty = False

    def upsert(self, doc: SearchDocument) -> None:
        self.writer.update_document(**_fields(doc))
        self.dirty = True

    def delete(self, doc_id: str) -> None:
        self.writer.delete_by_term("id", doc_id)
        self.dirty = True


def build_query(chunks: list[analysis.QueryChunk], weights: dict[str, float]):
    """Weighted OR of the words over the text fields, plus phrase and proximity boosts."""
    words = []
    for chunk in chunks:
        for word in chunk.words:
            w = weights.get(word.text, 1.0)
            alts = [Term(f, word.text, boost=fb * w) for f, fb in TEXT_FIELDS.items()]
            for sub in word.subs:
                alts += [Term(f, sub, boost=fb * w * SUBWORD_WEIGHT) for f, fb in TEXT_FIELDS.items()
                         if f in ("title", "body")]
            words.append(Or(alts))
    boosts = []
    for chunk in chunks:
        if len(chunk.words) >= 2:
            phrase = chunk.phrase
            boosts += [Phrase(f, phrase, boost=b) for f, b in PHRASE_BOOST.items()]
            boosts.append(Phrase("body", phrase, slop=NEAR_SLOP, boost=NEAR_BOOST))
    query = words[0] if not boosts and len(words) == 1 else Or(
        words + boosts, scale=COORD_SCALE if len(words) > 1 else None)
    required = [Or([Phrase(f, c.phrase) for f in TEXT_FIELDS]) for c in chunks if c.quoted]
    return And([query] + required) if required else query


def _filter(q: SearchQuery):
    parts = []
    if q.public_only:
        parts.append(Term("public", True))
    if q.doc_type:
        parts.append(Term("type", q.doc_type))
    if q.market:
        parts.append(Term("markets", q.market))
    if q.field:
        parts.append(Term("field", q.field))
    if q.ip_type:
        parts.append(Term("ip_type", q.ip_type))
    if q.mode:
        parts.append(Term("modes", q.mode))
    if q.province:
        parts.append(Term("province", q.province))
    if q.price_min is not None or q.price_max is not None:
        parts.append(NumericRange("price", q.price_min, q.price_max))
    query = And(parts) if parts else Every()
    if q.exclude_ids:
        from whoosh.query import AndNot
        query = AndNot(query, Or([Term("id", i) for i in q.exclude_ids]))
    return query


def _fields(doc: SearchDocument) -> dict:
    fields = {
        "id": doc.doc_id, "version": doc.version or "-", "type": doc.doc_type,
        "title": doc.title or "", "body": doc.body or "", "keywords": doc.text_of("keywords"),
        "org": doc.org or "", "markets": ",".join(doc.markets), "modes": ",".join(doc.modes),
        "status": doc.status or "", "public": bool(doc.public),
        "price_sort": doc.price_fen if doc.price_fen is not None else NO_PRICE,
        "published": _epoch(doc.published_at), "doc": _stored(doc),
    }
    for name in ("field", "province", "ip_type"):
        if getattr(doc, name):
            fields[name] = getattr(doc, name)
    if doc.price_fen is not None:
        fields["price"] = doc.price_fen
    return fields


def _stored(doc: SearchDocument) -> str:
    data = {k: v for k, v in doc.__dict__.items()}
    for key in ("published_at", "updated_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return json.dumps(data, ensure_ascii=False)


def _doc_from_stored(raw: str) -> SearchDocument:
    data = json.loads(raw)
    for key in ("published_at", "updated_at"):
        data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    return SearchDocument(**data)


def _epoch(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


def _counts(groups: dict) -> dict[str, int]:
    return {_s(k): int(v) for k, v in sorted(groups.items(), key=lambda kv: (-kv[1], _s(kv[0]))) if k not in (None, "", b"")}


def _s(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
