"""The ``SearchIndex`` port and the value types every adapter speaks.

Adapters index ``SearchDocument``s (flat, engine-neutral snapshots of an
achievement or a demand built by ``market.services.search``) and answer
``SearchQuery``s with a ``SearchResult``. Snippets and match explanations are
computed here, from the stored text of the hits on one page, so every adapter
marks terms the same way.
"""
from __future__ import annotations

import abc
import functools
import html
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Protocol

from market.adapters.search import analysis, synonyms

DOC_TYPES = ("achievement", "demand")
SORTS = ("relevance", "newest", "price")
FACETS = ("type", "market", "field", "ip_type", "mode")
#: Text fields and their weights: a title hit counts three times an abstract hit.
TEXT_FIELDS = {"title": 3.0, "keywords": 2.0, "org": 1.0, "body": 1.0}
MAX_QUERY_CHARS = 5000
MAX_PER_PAGE = 100


@dataclass
class SearchDocument:
    """What the index knows about one listing. ``version`` lets check-index spot stale entries."""

    doc_type: str
    entity_id: int
    title: str
    body: str = ""
    keywords: list[str] = dataclasses.field(default_factory=list)
    org: str = ""
    codes: list[str] = dataclasses.field(default_factory=list)  # application numbers (exact.py)
    field: str | None = None
    markets: list[str] = dataclasses.field(default_factory=list)
    province: str | None = None
    ip_type: str | None = None
    modes: list[str] = dataclasses.field(default_factory=list)
    price_fen: int | None = None  # asking price; a demand's budget ceiling
    price_low_fen: int | None = None  # same as price_fen; a demand's budget floor
    status: str = ""
    public: bool = True
    published_at: datetime | None = None
    updated_at: datetime | None = None
    version: str = ""

    @property
    def doc_id(self) -> str:
        return doc_id(self.doc_type, self.entity_id)

    def text_of(self, name: str) -> str:
        if name == "keywords":
            return " ; ".join(self.keywords)
        return getattr(self, name) or ""


def doc_id(doc_type: str, entity_id: int) -> str:
    return f"{doc_type}:{entity_id}"


def combined_text(doc: SearchDocument) -> str:
    """Title line, keywords line, then holder/company and abstract: the one text field
    adapters score on (the first two lines weigh more)."""
    one_line = [(t or "").replace("\n", " ") for t in (doc.title, doc.text_of("keywords"))]
    return "\n".join(one_line + [(doc.org or "").replace("\n", " "), doc.body or ""])


def split_doc_id(value: str) -> tuple[str, int]:
    doc_type, _, entity_id = value.partition(":")
    return doc_type, int(entity_id)


@dataclass
class SearchQuery:
    """A search or a match request. ``weighted_terms`` replaces ``text`` analysis when set
    (matching passes a demand's key terms with their TF-IDF weights)."""

    text: str = ""
    doc_type: str | None = None
    market: str | None = None
    field: str | None = None
    ip_type: str | None = None
    mode: str | None = None
    province: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    public_only: bool = True
    facets: bool = True
    snippets: bool = True
    weighted_terms: list[tuple[str, float]] | None = None
    exclude_ids: frozenset[str] = frozenset()

    _chunks: list | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def chunks(self) -> list[analysis.QueryChunk]:
        """The analysed query (computed once: adapters and snippets both need it)."""
        if self._chunks is None:
            if self.weighted_terms is not None:
                self._chunks = [analysis.QueryChunk([w]) for w in _weighted_words(self.weighted_terms)]
            else:
                self._chunks = analysis.analyse_query(synonyms.expand(self.text))
        return self._chunks

    def term_weights(self) -> dict[str, float]:
        return {t: w for t, w in (self.weighted_terms or [])}

    @property
    def browsing(self) -> bool:
        return not self.chunks()


def _weighted_words(weighted: list[tuple[str, float]]) -> list[analysis.QueryWord]:
    words = []
    for term, _ in weighted:
        subs = [t.text for t in analysis.tokenize(term) if t.sub]
        words.append(analysis.QueryWord(term, subs))
    return words


@dataclass
class SearchHit:
    doc_type: str
    entity_id: int
    score: float
    title: str
    snippets: dict[str, str] = dataclasses.field(default_factory=dict)
    matched: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    field: str | None = None
    markets: list[str] = dataclasses.field(default_factory=list)
    province: str | None = None
    ip_type: str | None = None
    modes: list[str] = dataclasses.field(default_factory=list)
    price_fen: int | None = None
    status: str = ""
    org: str = ""
    published_at: datetime | None = None

    @property
    def doc_id(self) -> str:
        return doc_id(self.doc_type, self.entity_id)


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    took_ms: float
    page: int
    per_page: int


class IndexBatch(Protocol):
    def upsert(self, doc: SearchDocument) -> None: ...
    def delete(self, doc_id: str) -> None: ...


class SearchIndex(abc.ABC):
    """Port: a full-text index of public listings that follows the database."""

    @abc.abstractmethod
    def batch(self, timeout: float = 30.0):
        """Context manager: exclusive write batch, committed as one unit on exit (discarded on error).

        Serialises writers across processes (Whoosh's lock, a PostgreSQL advisory lock)."""

    @abc.abstractmethod
    def rebuild(self, docs: Iterable[SearchDocument], progress=None) -> int:
        """Replace the whole index with ``docs``; returns how many were written."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abc.abstractmethod
    def versions(self) -> dict[str, str]:
        """doc_id -> version of every indexed document (for check-index)."""

    @abc.abstractmethod
    def get(self, doc_id: str) -> SearchDocument | None: ...

    def upsert(self, docs: Iterable[SearchDocument]) -> None:
        with self.batch() as b:
            for doc in docs:
                b.upsert(doc)

    def delete(self, doc_ids: Iterable[str]) -> None:
        with self.batch() as b:
            for value in doc_ids:
                b.delete(value)

    def count(self) -> int:
        return len(self.versions())

    def exact(self, key: str, query: SearchQuery, limit: int) -> list[SearchDocument]:
        """Up to `limit` documents carrying the exact key (see exact.py) that pass the query's
        filters. An adapter without exact keys finds none: its results are ranked only."""
        return []

    def close(self) -> None:  # pragma: no cover - optional
        pass


# --- engine-neutral helpers -----------------------------------------------------

#: A word in more than this share of the documents is dropped from queries that have rarer
#: words too (设置, 第一, 结构 ...): it ranks nothing and costs the most to match.
COMMON_WORD_SHARE = 0.1
#: Query words bring their search-mode sub-words (激光雷达 -> 激光, 雷达) only in queries of up
#: to this many words: long ones have evidence enough without them.
SUBWORDS_UP_TO = 6


def without_words(chunks: list[analysis.QueryChunk], drop: set[str]) -> list[analysis.QueryChunk]:
    """``chunks`` with the ``drop`` words left out of the unquoted ones (quoted phrases are kept
    whole), unless that would leave no word at all: a query of common words only keeps them."""
    if not drop or all(w.text in drop for c in chunks for w in c.words):
        return chunks
    out = []
    for c in chunks:
        words = c.words if c.quoted else [w for w in c.words if w.text not in drop]
        if words:
            out.append(analysis.QueryChunk(words, c.quoted))
    return out

def query_term_set(query: SearchQuery) -> set[str]:
    """Every term a hit may match, sub-words included (for snippets and explanations)."""
    out: set[str] = set()
    for chunk in query.chunks():
        for word in chunk.words:
            out.add(word.text)
            out.update(word.subs)
    return out


MAX_SNIPPET_SOURCE = 5000  # longer abstracts are explained and highlighted from their start


@functools.lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, int, int], ...]]:
    """A stored text's distinct terms in order of first occurrence (what ``explain`` scans) and
    its tokens as ``(term, start, end)`` by start, longest first (what ``highlight`` walks).

    Cached: explanation and snippet share them, and popular listings come back query
    after query. Plain tuples, derived once: building a named tuple per token and
    re-sorting the tokens for every snippet were a third of the time spent on snippets."""
    tokens = analysis.raw_tokens(text[:MAX_SNIPPET_SOURCE])
    distinct = tuple(dict.fromkeys(t[0] for t in tokens))
    ordered = tuple((t[0], t[2], t[3]) for t in sorted(tokens, key=lambda t: (t[2], t[2] - t[3])))
    return distinct, ordered


@functools.lru_cache(maxsize=4096)
def _folded(text: str) -> str | None:
    """The analysed part of ``text`` normalised and lower-cased, as tokens are: each token of
    it is a substring of this. None if lower-casing depends on context (capital sigma)."""
    norm = analysis.normalise(text[:MAX_SNIPPET_SOURCE])
    return None if "\u03a3" in norm else norm.lower()


def _may_match(text: str, terms: set[str]) -> bool:
    """False when no term occurs in ``text`` even as a substring, so no token can match:
    most titles and holders of a page of hits (~80% at 100,000 documents) are then
    explained and highlighted without segmenting them."""
    folded = _folded(text)
    return folded is None or any(t in folded for t in terms)


def explain(doc: SearchDocument, terms: set[str]) -> dict[str, list[str]]:
    """Which query terms occur in which text field of ``doc`` (whole words first)."""
    matched: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        text = doc.text_of(name)
        if not text or not terms or not _may_match(text, terms):
            continue
        found = [t for t in _analysed(text)[0] if t in terms]
        found = [t for t in found if not any(t != o and t in o for o in found)]
        if found:
            matched[name] = found
    return matched


def highlight(text: str, terms: set[str], width: int = 120) -> str:
    """HTML-escaped snippet of ``text`` around the densest run of matched terms, each in <mark>."""
    if not text:
        return ""
    spans = _term_spans(text, terms)
    if not spans:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    best_start, best_count = spans[0][0], 0
    for s, _ in spans:
        count = sum(1 for a, b in spans if s <= a and b <= s + width)
        if count > best_count:
            best_start, best_count = s, count
    start = max(0, best_start - width // 6)
    end = min(len(text), start + width)
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(html.escape(text[cursor:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    out.append(html.escape(text[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out) + suffix


def _term_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Non-overlapping character spans of matched tokens, longest token winning."""
    spans: list[tuple[int, int]] = []
    if not _may_match(text, terms):
        return spans
    for term, start, end in _analysed(text)[1]:
        if term not in terms:
            continue
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


def decorate(hit: SearchHit, doc: SearchDocument, terms: set[str], snippets: bool = True) -> SearchHit:
    """Fill a hit's snippets and explanation from the stored document."""
    if not snippets:
        return hit
    hit.matched = explain(doc, terms)
    hit.snippets = {"title": highlight(doc.title, terms, width=200)}
    body = doc.body or ""
    if body:
        hit.snippets["body"] = highlight(body, terms)
    return hit


def hit_from_doc(doc: SearchDocument, score: float) -> SearchHit:
    return SearchHit(
        doc_type=doc.doc_type, entity_id=doc.entity_id, score=round(float(score), 4), title=doc.title,
        field=doc.field, markets=list(doc.markets), province=doc.province, ip_type=doc.ip_type,
        modes=list(doc.modes), price_fen=doc.price_fen, status=doc.status, org=doc.org,
        published_at=doc.published_at,
    )


def count_facets(docs: Iterable[SearchDocument], counts: dict | None = None) -> dict[str, dict[str, int]]:
    """Facet counts of `docs` (added to `counts`), each facet's values most frequent first."""
    out: dict[str, dict[str, int]] = {name: dict((counts or {}).get(name, {})) for name in FACETS}
    for doc in docs:
        for name, values in facet_values(doc).items():
            for value in set(values):
                out[name][value] = out[name].get(value, 0) + 1
    return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in out.items()}


def facet_values(doc: SearchDocument) -> dict[str, list[str]]:
    return {
        "type": [doc.doc_type],
        "market": list(doc.markets),
        "field": [doc.field] if doc.field else [],
        "ip_type": [doc.ip_type] if doc.ip_type else [],
        "mode": list(doc.modes),
    }


def matches_filters(doc: SearchDocument, q: SearchQuery) -> bool:
    """Reference semantics of every filter (the fake uses it; the others must agree)."""
    if q.public_only and not doc.public:
        return False
    if doc.doc_id in q.exclude_ids:
        return False
    if q.doc_type and doc.doc_type != q.doc_type:
        return False
    if q.market and q.market not in doc.markets:
        return False
    if q.field and doc.field != q.field:
        return False
    if q.ip_type and doc.ip_type != q.ip_type:
        return False
    if q.mode and q.mode not in doc.modes:
        return False
    if q.province and doc.province != q.province:
        return False
    if q.price_min is not None and (doc.price_fen is None or doc.price_fen < q.price_min):
        return False
    if q.price_max is not None and (doc.price_low_fen is None or doc.price_low_fen > q.price_max):
        return False
    return True
