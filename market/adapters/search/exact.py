"""What users try first: an application number, or the holder's exact name, finds its listings
first, on every adapter.

Full-text ranking cannot promise that: an application number is not in the text at all, and a
holder's name is a few common words (大学, 研究院, 有限公司) that many listings share. So each
document carries exact keys ("an:202110123456.7", "org:清华大学"), every adapter finds the
documents with a key (`SearchIndex.exact`: a Whoosh keyword field, lexemes in the PostgreSQL
tsvector), and `search_exact_first` puts them ahead of the ranked results, page by page, with
the total and facets counting them once.
"""
from __future__ import annotations

import dataclasses
import re
import time
from datetime import datetime, timezone

from market.adapters.search import analysis
from market.adapters.search.base import (
    SearchDocument, SearchIndex, SearchQuery, SearchResult, count_facets, decorate, hit_from_doc, query_term_set,
)

#: At most this many listings are put first (a university holds hundreds): the holder's
#: others still match its name in the text and follow by relevance.
MAX_PINNED = 20
_APPLICATION_NUMBER = re.compile(r"^(?:ZL|CN)?(\d{12}|\d{8})([0-9X])$")


def application_number_key(text: str) -> str | None:
    """`ZL202110123456.7`, `CN202110123456.7`, `2021101234567`, `zl 202110123456.7` ->
    `202110123456.7` (the stored form); None if the text is not an application number.
    Tolerant on purpose: it finds, it does not validate (a wrong check digit finds nothing)."""
    t = analysis.to_halfwidth(text or "").upper()
    t = re.sub(r"[\s.．]", "", t)
    m = _APPLICATION_NUMBER.match(t)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def org_key(name: str) -> str:
    """A holder's name as users type it: simplified, half-width, lower-case, without spaces
    (and without commas, which separate keys in Whoosh's keyword field)."""
    folded = analysis.normalise(name or "").lower()
    return "".join(folded.split()).replace(",", "")


def exact_keys(doc: SearchDocument) -> list[str]:
    keys = [f"an:{n}" for n in doc.codes]
    org = org_key(doc.org)
    if org:
        keys.append(f"org:{org}")
    return keys


def exact_key(query: SearchQuery) -> str | None:
    """The key a relevance search looks up first; none for browsing, sorting or matching."""
    if query.weighted_terms is not None or query.sort != "relevance" or not (query.text or "").strip():
        return None
    number = application_number_key(query.text)
    if number:
        return f"an:{number}"
    org = org_key(query.text)
    return f"org:{org}" if len(org) >= 2 else None


def _timestamp(value: datetime | None) -> float:
    if value is None:
        return 0.0
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()


def search_exact_first(index: SearchIndex, query: SearchQuery) -> SearchResult:
    """`index.search(query)` with the documents carrying the query's exact key first."""
    key = exact_key(query)
    pinned = index.exact(key, query, MAX_PINNED) if key else []
    if not pinned:
        return index.search(query)
    started = time.perf_counter()
    pinned.sort(key=lambda d: (-_timestamp(d.published_at), d.doc_id))   # newest first, as browsing
    n, k = query.per_page, len(pinned)
    start = (query.page - 1) * n
    head = pinned[start:start + n]
    rest = dataclasses.replace(query, exclude_ids=query.exclude_ids | {d.doc_id for d in pinned})
    offset, wanted = max(0, start - k), n - len(head)
    first = offset // n + 1
    last = (offset + wanted - 1) // n + 1 if wanted else first
    results = [index.search(dataclasses.replace(rest, page=p, facets=query.facets and p == first))
               for p in range(first, last + 1)]
    ranked = [h for r in results for h in r.hits]
    skip = offset - (first - 1) * n
    ranked = ranked[skip:skip + wanted]
    top = max([h.score for h in ranked] + [0.0]) + 1.0
    terms = query_term_set(query)
    hits = [decorate(hit_from_doc(d, top), d, terms, query.snippets) for d in head] + ranked
    facets = count_facets(pinned, results[0].facets) if query.facets else {}
    took = (time.perf_counter() - started) * 1000 + sum(r.took_ms for r in results)
    return SearchResult(hits, results[0].total + k, facets, round(took, 2), query.page, query.per_page)
