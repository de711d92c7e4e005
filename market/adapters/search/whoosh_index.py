"""``WhooshSearchIndex``: the default adapter, one index directory per deployment.

Queries are built in code, never with ``QueryParser``: the parser over Chinese
requires every sub-word (激光 AND 雷达 AND 激光雷达) and was ~5x slower. Each
query word becomes a term of one OR (rare words also bring their sub-words, at
a low weight, for texts segmented differently), and each run of words the user
typed together adds an exact-phrase boost. Writers are serialised by Whoosh's own file lock; ``batch``
waits for it, so concurrent processes queue instead of failing with LockError.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import json
import threading
from bisect import bisect_right
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from whoosh import index as windex
from whoosh import scoring, sorting, writing
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Positions
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, NumericRange, Or, Phrase, Term

from market.adapters.search import analysis
from market.adapters.search.whoosh_patches import _DECODED  # importing it applies the patches
from market.adapters.search.exact import exact_keys
from market.adapters.search.base import (
    FACETS, SearchDocument, SearchHit, combined_text, SearchIndex, SearchQuery, SearchResult,
    COMMON_WORD_SHARE, SUBWORDS_UP_TO, decorate, facet_values, hit_from_doc, query_term_set, without_words,
)

#: Ranking knobs, tuned with bench/search_eval.py. Scoring runs on one combined
#: ``text`` field (title, keywords, holder/company, abstract): per-field BM25 with a
#: heavy title weight ranked known items far worse (MRR 0.50 against 0.77),
#: because other listings' titles repeat common words. The title keeps a small
#: weight inside that field (its words count more in the tf, as in BM25F), so
#: that, other things equal, a title hit outranks an abstract hit, at no query cost.
TITLE_TF = 1.5  # a title word counts as 1.5 occurrences (BM25F-style weighted tf)
KEYWORDS_TF = 1.5
SUBWORD_WEIGHT = 0.1
#: Query-side sub-words (in queries of up to SUBWORDS_UP_TO words) only for words in at most
#: this share of the documents: a rare or unseen word
#: may be one the texts segment differently (query 激光雷达, text 激光/雷达), while a common
#: word's sub-words added nothing to ranking (eval: same MRR and recall) and cost ~45%
#: of query time at 100,000 documents (sub-words are common words with long postings).
SUBWORDS_MAX_DF_SHARE = 0.001
SUBWORDS_MIN_DF = 10  # small indexes: always expand words this rare
PHRASE_BOOST = 0.5
COORD_SCALE = None
BM25_K1, BM25_B = 0.8, 0.75
NO_PRICE = 2**62
#: In a large index, a query word found in more than this share of documents is
#: dropped when rarer words remain: its IDF makes it nearly worthless for ranking,
#: yet walking its postings dominated query time (e.g. 获得, 方法 at 100,000 docs).
PRUNE_FROM_DOCS = 10_000


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer over ``analysis.tokenize``: positions count words, not characters."""

    def __init__(self, subwords: bool = True, line_boosts: tuple[float, ...] = ()):
        self.subwords = subwords
        self.line_boosts = tuple(line_boosts)

    def __eq__(self, other):
        return (type(other) is type(self) and other.subwords == self.subwords
                and getattr(other, "line_boosts", ()) == self.line_boosts)

    def _boosts(self, value: str) -> tuple[list[int], list[float]]:
        """The end offsets of the first lines that weigh more (title, keywords) and the boosts
        by line, the rest of the text last (1.0): a token starting at ``start`` has the boost
        ``boosts[bisect_right(ends, start)]`` (the first line ending after it)."""
        ends, boosts, start = [], [], 0
        for boost in getattr(self, "line_boosts", ()):
            end = value.find("\n", start)
            if end < 0:
                end = len(value)
            ends.append(end)
            boosts.append(boost)
            start = end + 1
        return ends, boosts + [1.0]

    def weighted_positions(self, value: str) -> tuple[dict[str, list[int]], dict[str, float]]:
        """term -> positions and term -> summed boost, as Whoosh's ``Positions`` format
        collects them from the token stream (same order, same sums)."""
        ends, boosts = self._boosts(value)
        poses: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        for text, pos, start, _end, _sub in analysis.raw_tokens(value, subwords=self.subwords):
            found = poses.get(text)
            if found is None:
                poses[text] = [pos]
                weights[text] = 0.0 + boosts[bisect_right(ends, start)]
            else:
                found.append(pos)
                weights[text] += boosts[bisect_right(ends, start)]
        return poses, weights

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
        ends, boosts = self._boosts(value)
        for text, pos, start, end, _sub in analysis.raw_tokens(value, subwords=self.subwords):
            t.text = text
            t.boost = boosts[bisect_right(ends, start)]
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


class WordPositions(Positions):
    """Whoosh's ``Positions`` format, fed straight from ``WordTokenizer`` without a
    ``Token`` object per token: the same postings and bytes (indexes stay
    compatible), ~10% less indexing time."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WordTokenizer) or not isinstance(value, str) or kwargs.get("start_pos"):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        poses, weights = analyzer.weighted_positions(value)
        encode = self.encode
        for word, poslist in poses.items():
            yield (word, len(poslist), weights[word] * fb, encode(poslist))




def _codec():
    """Whoosh's codec with short posting lists inlined into the term table.

    The default (``inlinelimit=1``) writes a pickled, zlib-compressed block into the
    postings file for *every* term, even one seen in a single document; in a
    500-document batch most terms are that rare, and those block writes were the
    largest part of each commit. Terms in fewer than 8 documents of a segment now
    live in their term-info record (read without a seek), and blocks are compressed
    at level 1: ~25% more documents/s at the same index size. Existing segments
    keep their own layout (readers handle both)."""
    from whoosh.codec.whoosh3 import W3Codec
    return W3Codec(compression=1, inlinelimit=8)


def _load_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _load_malloc_trim()

# Postings a batch writer (and the merges its commit runs) keeps in memory before spilling sorted
# runs to disk: Whoosh's default of 128 MB let a merge of grown segments hold that much at once.
BATCH_LIMIT_MB = 32


def _release_freed_memory(merged: bool) -> None:
    """Hand memory freed by a commit back to the OS.

    A commit that merged segments leaves the merged-away segments' readers in
    reference cycles (CompoundStorage.close() fails with BufferError while a view
    is alive), and their memory-mapped files stay resident until a full
    collection, which the collector seldom runs: resident memory grew with the
    rows imported (SQLite + Whoosh, 20,000 rows: mapped files 23 -> 92 MB). So a
    merging commit (a few in a long import; rare for single updates) collects.
    A commit also sorts and writes the batch's postings (millions of small bytes
    objects); glibc kept the freed, fragmented heap, so trimming follows."""
    if merged:
        gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _word_text(analyzer: WordTokenizer) -> TEXT:
    field = TEXT(analyzer=analyzer)
    field.format = WordPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    weighted = WordTokenizer(line_boosts=(TITLE_TF, KEYWORDS_TF))
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        version=ID(sortable=True),
        type=ID,
        text=_word_text(weighted),
        field=ID,
        markets=KEYWORD(commas=True),
        province=ID,
        ip_type=ID,
        modes=KEYWORD(commas=True),
        status=ID,
        public=BOOLEAN,
        price=NUMERIC(int, bits=64),
        price_low=NUMERIC(int, bits=64),
        price_sort=NUMERIC(int, bits=64, sortable=True),
        published=NUMERIC(int, bits=64, sortable=True),
        facetkey=ID(sortable=True),  # every facet value of the doc, packed (see _facet_key)
        exact=_exact_field(),        # application numbers, the holder's name (see exact.py)
        doc=STORED,
    )


def _exact_field() -> KEYWORD:
    return KEYWORD(commas=True)


class WhooshSearchIndex(SearchIndex):
    def __init__(self, path: str | Path, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.path.mkdir(parents=True, exist_ok=True)
        self._facet_cache: tuple = ((), [])
        self._allow_cache: dict = {}
        self._local = threading.local()
        self._segment_facets: dict = {}
        if windex.exists_in(str(self.path)):
            self._ix = windex.open_dir(str(self.path))
            self._add_exact_field()
        else:
            self._ix = windex.create_in(str(self.path), build_schema())

    def _add_exact_field(self) -> None:
        """An index made before exact keys gets the field (its documents get keys when
        reindexed: their version changed, so check-index lists them as stale)."""
        if "exact" in self._ix.schema.names():
            return
        with self._ix.writer(timeout=self.lock_timeout, delay=0.02) as writer:
            if "exact" not in writer.schema.names():
                writer.add_field("exact", _exact_field())
        self._ix = windex.open_dir(str(self.path))

    # --- writing -------------------------------------------------------------------
    @contextmanager
    def batch(self, timeout: float | None = None) -> Iterator["_WhooshBatch"]:
        writer = self._ix.writer(timeout=self.lock_timeout if timeout is None else timeout, delay=0.02,
                                 limitmb=BATCH_LIMIT_MB, codec=_codec())
        batch = _WhooshBatch(writer)
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.dirty:
            before = {seg.segment_id() for seg in writer.segments}
            writer.commit()
            _release_freed_memory(merged=bool(before - {seg.segment_id() for seg in self._ix._segments()}))
        else:
            writer.cancel()

    def rebuild(self, docs: Iterable[SearchDocument], progress=None) -> int:
        writer = self._ix.writer(timeout=self.lock_timeout, delay=0.02, limitmb=256, codec=_codec())
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
        with self._ix.writer(timeout=self.lock_timeout, codec=_codec()) as w:
            w.optimize = True

    # --- reading -------------------------------------------------------------------
    def versions(self) -> dict[str, str]:
        self._ix = self._ix.refresh()
        with self._ix.searcher() as s:
            if s.doc_count() == 0:
                return {}  # an empty reader has no columns
            ids = s.reader().column_reader("id")
            versions = s.reader().column_reader("version")
            return {_s(ids[n]): _s(versions[n]) for n in s.reader().all_doc_ids()}

    def get(self, doc_id: str) -> SearchDocument | None:
        self._ix = self._ix.refresh()
        with self._ix.searcher() as s:
            stored = s.document(id=doc_id)
        return _doc_from_stored(stored["doc"]) if stored else None

    def count(self) -> int:
        self._ix = self._ix.refresh()
        with self._ix.searcher() as s:
            return s.doc_count()

    def exact(self, key: str, query: SearchQuery, limit: int) -> list[SearchDocument]:
        s = self._searcher()
        if "exact" not in s.schema:
            return []
        fq = filter_query(query)
        q = And([Term("exact", key), fq]) if fq is not None else Term("exact", key)
        docs = (_doc_from_stored(hit["doc"]) for hit in s.search(q, limit=limit + len(query.exclude_ids)))
        return [d for d in docs if d.doc_id not in query.exclude_ids][:limit]

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        s = self._searcher()
        chunks = prune_common_words(query.chunks(), s)
        q = (build_query(chunks, query.term_weights(), lambda t: s.doc_frequency("text", t), s.doc_count())
             if chunks else Every())
        kwargs = {}
        if query.sort == "newest" or (query.sort == "relevance" and not chunks):
            kwargs["sortedby"] = sorting.FieldFacet("published", reverse=True)
        elif query.sort == "price":
            kwargs["sortedby"] = [sorting.FieldFacet("price_sort"), sorting.FieldFacet("published", reverse=True)]
        start = (query.page - 1) * query.per_page
        fq = filter_query(query)
        allow = self._allowed(s, fq)
        if allow is not None and not allow:  # Whoosh would read an empty filter as no filter
            facets = self._facet_counts(s, 0) if query.facets else {}
            return SearchResult([], 0, facets, round((time.perf_counter() - started) * 1000, 2),
                                query.page, query.per_page)
        restrict = (set(s.docs_for_query(Or([Term("id", i) for i in sorted(query.exclude_ids)])))
                    if query.exclude_ids else None)
        # Top hits with Whoosh's block-quality skipping, filtered by cached doc sets; the exact
        # total and facets come from cached per-term doc masks (cold terms reuse the posting
        # blocks ranking just decoded, so both run in the same ``_DECODED`` scope).
        _DECODED.blocks = {} if query.facets else None
        try:
            results = s.search(q, limit=start + query.per_page, filter=_narrowing(s, allow), mask=restrict,
                               **kwargs)
            matched = self._matching(s, q, chunks, fq) if query.facets else 0
        finally:
            _DECODED.blocks = None
        page = [(hit["doc"], hit.score) for hit in results[start:start + query.per_page]]
        if query.facets:
            if restrict:
                matched &= ~doc_mask(restrict, s.doc_count_all())
            total = matched.bit_count()
            facets = self._facet_counts(s, matched)
        else:  # ranking only (evaluation, benchmarks): an estimate, no second pass
            total, facets = _estimated_total(s, q, results, allow, restrict), {}
        terms = query_term_set(query)
        hits: list[SearchHit] = []
        for raw, score in page:
            doc = _doc_from_stored(raw)
            score = score if "sortedby" not in kwargs and isinstance(score, (int, float)) else 0.0
            hits.append(decorate(hit_from_doc(doc, score), doc, terms, query.snippets))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits, total, facets, round(took, 2), query.page, query.per_page)

    def _searcher(self):
        """One searcher per thread, reused until the index changes (opening one costs ~10 ms)."""
        current = getattr(self._local, "searcher", None)
        if current is not None and self._ix.latest_generation() != current.reader().generation():
            # not Searcher.refresh(): it reuses segment readers with their old deletion sets
            current.close()
            current = None
        if current is None:
            current = self._ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = current
        return current

    def _matching(self, searcher, q, chunks, fq) -> int:
        """Every doc number the query matches, as a bit mask (for total and facets).

        A plain OR of terms is the union of the terms' doc masks, cached per index
        state like the filters, so union and intersection are a few big-integer
        operations (Python sets of tens of thousands of doc numbers cost ~3 ms a
        query at 100,000 documents, and counting facets over them ~4 ms more).
        Quoted phrases take the slow path."""
        size = searcher.doc_count_all()
        allow = None if fq is None else self._allowed_mask(searcher, fq)
        if not chunks:
            return allow if allow is not None else doc_mask(searcher.docs_for_query(q), size)
        if any(c.quoted for c in chunks) or not isinstance(q, Or):
            matched = doc_mask(searcher.docs_for_query(q), size)
        else:
            matched = 0
            for fieldname, text in {(t.fieldname, t.text) for t in q.subqueries if isinstance(t, Term)}:
                matched |= self._term_mask(searcher, fieldname, text)
        return matched if allow is None else matched & allow

    def _term_mask(self, searcher, fieldname: str, text: str) -> int:
        self._allowed(searcher, None)  # resets the caches when the index changed
        key = ("term", fieldname, text)
        mask = self._allow_cache.get(key)
        if mask is None:
            self._bound_cache()
            mask = self._allow_cache[key] = doc_mask(posting_ids(searcher, fieldname, text),
                                                     searcher.doc_count_all())
        return mask

    def _allowed_mask(self, searcher, fq) -> int:
        """``_allowed`` as a bit mask, cached alongside it."""
        allowed = self._allowed(searcher, fq)
        key = ("mask", repr(fq))
        mask = self._allow_cache.get(key)
        if mask is None:
            mask = self._allow_cache[key] = doc_mask(allowed, searcher.doc_count_all())
        return mask

    def _bound_cache(self) -> None:
        if len(self._allow_cache) > 4096:
            self._allow_cache = {"__signature__": self._allow_cache["__signature__"]}

    def _allowed(self, searcher, fq) -> set[int] | None:
        """Doc numbers passing the filters, cached per index state (filters repeat a lot)."""
        signature = self._signature(searcher)
        if self._allow_cache.get("__signature__") != signature:
            self._allow_cache = {"__signature__": signature}
        if fq is None:
            return None
        key = repr(fq)
        allowed = self._allow_cache.get(key)
        if allowed is None:
            self._bound_cache()
            allowed = self._allow_cache[key] = _query_docs(searcher, fq)
        return allowed

    @staticmethod
    def _signature(searcher) -> tuple:
        return tuple((r.segment().segment_id() if r.segment() else id(r), r.doc_count())
                     for r, _ in searcher.reader().leaf_readers())

    def _facet_counts(self, searcher, matched: int) -> dict[str, dict[str, int]]:
        """Facet value -> number of matched documents: one AND and popcount per value."""
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for (name, value, _nth), mask in self._facet_masks(searcher).items():
            n = (matched & mask).bit_count()
            if n:
                out[name][value] = out[name].get(value, 0) + n
        return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in out.items()}

    def _facet_masks(self, searcher) -> dict[tuple[str, str, int], int]:
        """(facet, value, nth) -> bit mask of the documents that list the value at least
        nth+1 times (a value listed twice counted twice before masks, and still does).
        Built once per segment (segments never change) and shifted to the segment's offset."""
        leaves = searcher.reader().leaf_readers()
        signature = tuple(r.segment().segment_id() if r.segment() else id(r) for r, _ in leaves)
        if self._facet_cache[0] == signature:
            return self._facet_cache[1]
        masks: dict[tuple[str, str, int], int] = {}
        for reader, offset in leaves:
            seg_id = reader.segment().segment_id() if reader.segment() else None
            local = self._segment_facets.get(seg_id)
            if local is None:
                local = _segment_facet_masks(reader)
                if seg_id is not None:
                    self._segment_facets[seg_id] = local
            for key, mask in local.items():
                masks[key] = masks.get(key, 0) | (mask << offset)
        self._segment_facets = {k: v for k, v in self._segment_facets.items() if k in signature}
        self._facet_cache = (signature, masks)
        return masks


def _segment_facet_masks(reader) -> dict[tuple[str, str, int], int]:
    """(facet, value, nth) -> segment-local doc mask, from the packed ``facetkey`` column."""
    if not reader.doc_count_all():
        return {}
    by_key: dict[str, list[int]] = {}
    for docnum, packed in enumerate(reader.column_reader("facetkey")):
        by_key.setdefault(_s(packed), []).append(docnum)
    docs: dict[tuple[str, str, int], list[int]] = {}
    for packed, docnums in by_key.items():
        for name, values in zip(FACETS, packed.split("\x1f")):
            seen: Counter = Counter()
            for value in filter(None, values.split(",")):
                docs.setdefault((name, value, seen[value]), []).extend(docnums)
                seen[value] += 1
    size = reader.doc_count_all()
    return {key: doc_mask(ids, size) for key, ids in docs.items()}


_BITS = tuple(1 << i for i in range(8))


def doc_mask(docnums: Iterable[int], size: int) -> int:
    """An int with bit ``d`` set for each doc number ``d`` (all below ``size``).

    Doc sets as masks: union, intersection and counting run over 12.5 kB at
    100,000 documents, whatever the number of matches."""
    ids = docnums if isinstance(docnums, (list, tuple, set, frozenset)) else list(docnums)
    nbytes = (size >> 3) + 1
    if len(ids) * 64 < size:  # sparse: set one bit at a time
        bits = bytearray(nbytes)
        for d in ids:
            bits[d >> 3] |= _BITS[d & 7]
        return int.from_bytes(bits, "little")
    # dense: one byte per document (the cheapest Python store), then packed 8:1 by shifts
    flags = bytearray(nbytes << 3)
    for d in ids:
        flags[d] = 1
    return _pack_flags(int.from_bytes(flags, "little"), nbytes)


@functools.lru_cache(maxsize=8)
def _pack_masks(nbytes: int) -> tuple[int, int, int]:
    return tuple(int.from_bytes(pattern * (nbytes * 8 // len(pattern)), "little")
                 for pattern in (b"\x03\x00", b"\x0f\x00\x00\x00", b"\xff" + b"\x00" * 7))


def _pack_flags(flags: int, nbytes: int) -> int:
    """Bit 8*d set -> bit d set: pairs, quads, then octets of flags are folded into
    the low byte of each 64-bit word, and every 8th byte is kept."""
    pairs, quads, octets = _pack_masks(nbytes)
    flags = (flags | (flags >> 7)) & pairs
    flags = (flags | (flags >> 14)) & quads
    flags = (flags | (flags >> 28)) & octets
    return int.from_bytes(flags.to_bytes(nbytes * 8, "little")[::8], "little")


def _narrowing(searcher, allow: set[int] | None) -> set[int] | None:
    """``allow``, or None when it lets every live document through (the public filter of
    an index of public listings): Whoosh then skips a set lookup per matching posting."""
    return None if allow is not None and len(allow) == searcher.doc_count() else allow


def posting_docs(searcher, fieldname: str, text) -> set[int]:
    """Doc numbers (top-level, undeleted) of one term, as a set (see ``posting_ids``)."""
    return set(posting_ids(searcher, fieldname, text))


def posting_ids(searcher, fieldname: str, text) -> list[int]:
    """Doc numbers (top-level, undeleted) of one term, read a block of postings at a time.

    ``docs_for_query(Term(...))`` yields one doc number per Python generator step
    through three layers of matchers: building the cached filter and term sets that
    way was a fifth of the API search time at 100,000 documents (cold caches). Blocks that
    the running search already decoded are taken from ``_DECODED``."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher
    out: list[int] = []
    for reader, offset in searcher.reader().leaf_readers():
        try:
            if (fieldname, text) not in reader:
                continue
        except ValueError:  # not a value of that field (e.g. a bad number)
            return []
        m = reader.postings(fieldname, text)
        deleted = None
        if isinstance(m, FilterMatcher):
            deleted, m = reader.deleted_docs_set, m.child
        if isinstance(m, W3LeafMatcher):
            ids: list[int] = []
            decoded = getattr(_DECODED, "blocks", None) or {}
            while m.is_active():
                block = decoded.get((m._postfile, m._dataoffset)) if m._ids is None else m._ids
                if block is None:
                    m._read_ids()
                    block = m._ids
                ids.extend(block[m._i:])
                m._next_block()
        else:  # inlined postings and other matchers
            ids = list(m.all_ids())
        if deleted:
            ids = [d for d in ids if d not in deleted]
        out.extend(ids if not offset else [d + offset for d in ids])
    return out


def _query_docs(searcher, q) -> set[int]:
    """Doc numbers matching a filter query: terms (and ANDs of them) through
    ``posting_docs``, anything else through Whoosh."""
    if isinstance(q, Term):
        return posting_docs(searcher, q.fieldname, q.text)
    if isinstance(q, And):
        sets = sorted((_query_docs(searcher, part) for part in q.subqueries), key=len)
        return sets[0].intersection(*sets[1:]) if sets else set()
    return set(searcher.docs_for_query(q))


def _estimated_total(searcher, q, results, allow: set[int] | None, restrict) -> int:
    """How many documents match, estimated from document frequencies.

    Whoosh's own ``estimated_length`` is exact (a walk over every match in Python)
    as soon as a filter is set, which cost more than ranking itself: scale the
    unfiltered estimate by the share of documents the filters let through."""
    if allow is None and not restrict:
        return results.estimated_length()
    estimate = float(q.estimate_size(searcher.reader()))
    if allow is not None:
        estimate = min(estimate * len(allow) / max(1, searcher.doc_count_all()), len(allow))
    return max(int(round(estimate)), results.scored_length())


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


def prune_common_words(chunks: list[analysis.QueryChunk], searcher) -> list[analysis.QueryChunk]:
    """Drop very common words from unquoted chunks of queries that have rarer words too."""
    n = searcher.doc_count()
    if n < PRUNE_FROM_DOCS or not chunks:
        return chunks
    limit = n * COMMON_WORD_SHARE
    return without_words(chunks, {w.text for c in chunks if not c.quoted for w in c.words
                                  if searcher.doc_frequency("text", w.text) > limit})


def build_query(chunks: list[analysis.QueryChunk], weights: dict[str, float], doc_frequency=None,
                doc_count: int | None = None):
    """Weighted OR of the words, plus phrase boosts; quoted chunks are required phrases.

    A word's sub-words join (at a low weight) in short queries when the word is rare
    in the index (``doc_frequency``/``doc_count``; always when those are not given)."""
    parts = []
    short = sum(len(c.words) for c in chunks) <= SUBWORDS_UP_TO
    max_df = None if doc_count is None else max(SUBWORDS_MIN_DF, doc_count * SUBWORDS_MAX_DF_SHARE)
    for chunk in chunks:
        for word in chunk.words:
            w = weights.get(word.text, 1.0)
            parts.append(Term("text", word.text, boost=w))
            if short and word.subs and (max_df is None or doc_frequency(word.text) <= max_df):
                parts += [Term("text", sub, boost=w * SUBWORD_WEIGHT) for sub in word.subs]
    for chunk in chunks:
        if len(chunk.words) >= 2:
            parts.append(Phrase("text", chunk.phrase, boost=PHRASE_BOOST))
    query = Or(parts, scale=COORD_SCALE)
    required = [Phrase("text", c.phrase) for c in chunks if c.quoted]
    return And([query] + required) if required else query


def filter_query(q: SearchQuery):
    """The listing filters as one unscored query (None when nothing is filtered)."""
    parts = []
    if q.public_only:
        parts.append(Term("public", True))
    for name, value in (("type", q.doc_type), ("markets", q.market), ("field", q.field),
                        ("ip_type", q.ip_type), ("modes", q.mode), ("province", q.province)):
        if value:
            parts.append(Term(name, value))
    if q.price_min is not None:
        parts.append(NumericRange("price", q.price_min, None))
    if q.price_max is not None:
        parts.append(NumericRange("price_low", None, q.price_max))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def _fields(doc: SearchDocument) -> dict:
    fields = {
        "id": doc.doc_id, "version": doc.version or "-", "type": doc.doc_type,
        "text": combined_text(doc), "markets": ",".join(doc.markets), "modes": ",".join(doc.modes),
        "status": doc.status or "", "public": bool(doc.public),
        "price_sort": doc.price_fen if doc.price_fen is not None else NO_PRICE,
        "published": _epoch(doc.published_at), "doc": _stored(doc), "facetkey": _facet_key(doc),
        "exact": ",".join(exact_keys(doc)),
    }
    for name in ("field", "province", "ip_type"):
        if getattr(doc, name):
            fields[name] = getattr(doc, name)
    if doc.price_fen is not None:
        fields["price"] = doc.price_fen
    if doc.price_low_fen is not None:
        fields["price_low"] = doc.price_low_fen
    return fields


def _facet_key(doc: SearchDocument) -> str:
    values = facet_values(doc)
    return "\x1f".join(",".join(v.replace(",", " ") for v in values[name]) for name in FACETS)


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


def _s(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
