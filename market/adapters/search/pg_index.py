"""``PostgresSearchIndex``: full-text search inside PostgreSQL, for deployments whose
application servers cannot share one Whoosh directory.

PostgreSQL's parsers do not segment Chinese, so the tsvector is built here from
``analysis.tokenize``: word-counted positions (phrases work with ``<->``),
search-mode sub-words at their word's position, and weights by part (title A,
keywords B, holder/company C, abstract D). It goes into a ``tsvector`` column
with a GIN index. ``ts_rank`` has no IDF, so each query word's rank is scaled
by its IDF from jieba's general-corpus table (cheap: no statistics query).
Writers serialise on a transaction-level advisory lock.

Speed at 100,000 documents comes from never ranking (or counting) rows the GIN
index did not pick: ``ts_rank`` reads and decompresses each tsvector, so ranking
every row that has any query word took up to 0.7 s. A query matches the documents
having all its words if there are ENOUGH_MATCHES of them, else at least k of the
words for the largest k that gives enough (total and facets count that set); at
most RANK_CANDIDATES of them are ranked. Filter values and price bands are
lexemes in the tsvector too ("=m:SH"), so filters narrow the GIN result instead
of discarding rows read from the table. A search's statements share one pipeline
(psycopg 3): the total and facets are counted on the server while the page's hits
are decorated here.
"""
from __future__ import annotations

import json
import time
from bisect import bisect_left
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from itertools import combinations
from typing import Iterable

from sqlalchemy import MetaData, Table, create_engine, text
from sqlalchemy.exc import DBAPIError

from market.adapters.orm_search import search_documents
from market.adapters.search import analysis
from market.adapters.search.exact import exact_keys
from market.adapters.search.base import (
    FACETS, SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResult, combined_text, decorate,
    hit_from_doc, query_term_set, COMMON_WORD_SHARE, SUBWORDS_UP_TO, without_words,
)

LOCK_KEY = 0x5EA4C4  # advisory lock id of the index writers
WEIGHT_LABELS = ("A", "B", "C", "D")  # by line of combined_text: title, keywords, org, body
RANK_WEIGHTS = "{0.9, 0.9, 0.95, 1.0}"  # D, C, B, A: a strong title weight ranked known items far worse (MRR 0.52 vs 0.75)
RANK_NORMALIZATION = 1  # divide by 1 + log(document length)
#: Matches ranked per query: enough for the first pages; ranking reads every tsvector.
RANK_CANDIDATES = 200
#: At most this many documents of the chosen tier are pre-ranked (the rest are not ranked).
COORD_SCAN = 3000
#: Widen from "all words" to "all but one" ... to "any word" while fewer documents match.
ENOUGH_MATCHES = 10
#: Queries of up to this many words are matched by tiers (C(6, 3) = 20 combinations at most).
TIER_WORDS = 6
#: Score multiplier per share of query words matched: full matches outrank partial ones.
COORD_WEIGHT = 1.0
SUBWORD_WEIGHT = 0.1
PHRASE_BOOST = 0.5
MAX_POS = 16383
#: In a large table, general words (jieba IDF below this: 获得, 方法, 技术...) and words in
#: more than COMMON_WORD_SHARE of the documents (ANALYZE's statistics: 设置, 第一, 结构 in
#: patents) are dropped from queries that have rarer words too: they hardly rank, but
#: widen the match to much of the table.
GENERAL_WORD_IDF = 5.5
#: Exact keys (exact.py) are lexemes too: "=x:an:202110123456.7", "=x:org:清华大学".
EXACT_PREFIX = "=x:"
#: Filter lexemes: "=" never occurs inside a word the analyser produces.
FILTER_PREFIXES = {"field": "f:", "ip_type": "ip:", "province": "p:", "market": "m:", "mode": "mode:"}
#: Price band limits (fen) of the "=ph:" (price) and "=pl:" (budget floor) lexemes: 10,000 yuan
#: to 5 billion in 1-2-5 steps. Migration 0008 writes the same bands.
PRICE_BANDS = tuple(m * 10 ** e for e in range(6, 12) for m in (1, 2, 5))
PRUNE_FROM_ROWS = 10_000
#: kB of GIN pending list a writer leaves (PostgreSQL's default: 4 MB, about 1,800 documents).
#: Every search scans all of it: at 400 pending pages (3.2 MB) a search's ranking statements
#: took 7.5 ms instead of 1.9 ms at 100,000 documents. 512 kB costs a search at most ~1 ms, and
#: upserts ~0.8 instead of ~0.6 ms a document (merged more often). A rebuild keeps the default
#: (one transaction, merged at the end).
WRITER_PENDING_LIST_KB = 512


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


#: Position strings by weight and word position ("12A" is position 12 of the title):
#: formatting them was a third of building a document's tsvector.
_POSITION_TEXT = tuple(tuple(f"{pos + 1}{label}" for pos in range(2048)) for label in WEIGHT_LABELS)


def tsvector_literal(doc: SearchDocument) -> str:
    """The document's tsvector in PostgreSQL's text form: 'term':1A,5A 'other':2D ...

    One segmentation of the whole text; the weight is the line a token starts on
    (title, keywords, holder/company, abstract), and the tokens come in text order,
    so the weight only changes at a line end. At most 255 positions a term, none
    past MAX_POS (PostgreSQL's limits)."""
    value = combined_text(doc)
    line_ends, cursor = [], 0
    for _ in range(3):
        end = value.find("\n", cursor)
        if end < 0:
            break
        line_ends.append(end)
        cursor = end + 1
    line_ends.append(len(value))  # the last line (the abstract) runs to the end
    positions: defaultdict[str, list[str]] = defaultdict(list)
    line, line_end, texts = 0, line_ends[0], _POSITION_TEXT[0]
    for term, pos, start, _end, _sub in analysis.raw_tokens(value):
        if start >= line_end:
            while start >= line_ends[line] and line < len(line_ends) - 1:
                line += 1
            line_end, texts = line_ends[line], _POSITION_TEXT[line]
        try:
            positions[term].append(texts[pos])
        except IndexError:  # beyond the precomputed positions
            positions[term].append(f"{min(pos + 1, MAX_POS)}{WEIGHT_LABELS[line]}")
    entries = [f"{_lexeme(t)}:{','.join(p if len(p) < 256 else p[:255])}" for t, p in positions.items()]
    entries += [_lexeme(f) for f in filter_lexemes(doc)]
    entries += [_lexeme(EXACT_PREFIX + k) for k in exact_keys(doc)]
    return " ".join(entries)


def filter_lexemes(doc: SearchDocument) -> list[str]:
    """The document's filter values as lexemes no query word can produce ("=m:SH"), so
    the GIN index applies filters too: the rows it returns are the filtered ones, and
    counting or ranking them never visits the rows a filter would reject."""
    out = [f"={FILTER_PREFIXES[name]}{value}" for name, value in
           (("field", doc.field), ("ip_type", doc.ip_type), ("province", doc.province)) if value]
    out += [f"={FILTER_PREFIXES['market']}{m}" for m in doc.markets if m]
    out += [f"={FILTER_PREFIXES['mode']}{m}" for m in doc.modes if m]
    if doc.price_fen is not None:
        out.append(f"=ph:{price_band(doc.price_fen)}")
    if doc.price_low_fen is not None:
        out.append(f"=pl:{price_band(doc.price_low_fen)}")
    return list(dict.fromkeys(out))


def price_band(fen: int) -> int:
    """How many PRICE_BANDS lie below the price: bands only narrow a price filter down
    (the GIN index returns whole bands), the exact comparison runs on the column."""
    return bisect_left(PRICE_BANDS, fen)


def _word_tsquery(word: analysis.QueryWord, with_subs: bool) -> str:
    alts = [word.text] + (word.subs if with_subs else [])
    return " | ".join(_lexeme(a) for a in alts)


def _importance(word: analysis.QueryWord, weights: dict[str, float]) -> float:
    """A query word's weight times its IDF (jieba's table): how much matching it counts."""
    return weights.get(word.text, 1.0) * analysis.idf(word.text)


def _pipeline_connection(conn):
    """The psycopg 3 connection under ``conn`` when it can pipeline statements, else None."""
    if conn.dialect.driver != "psycopg":
        return None
    import psycopg
    return conn.connection.driver_connection if psycopg.Pipeline.is_supported() else None


class PostgresSearchIndex(SearchIndex):
    def __init__(self, engine, table: Table = search_documents, lock_timeout: float = 30.0):
        self.engine = engine
        self.table = table
        self.lock_timeout = lock_timeout
        self._rows_at, self._row_estimate, self._shares = -1e9, 0, {}

    @classmethod
    def standalone(cls, url: str, table: str = "search_documents_bench") -> "PostgresSearchIndex":
        """An index in its own table (benchmarks and evaluation), created if missing."""
        engine = create_engine(url)
        copy = search_documents.to_metadata(MetaData(), name=table)
        for index in list(copy.indexes):
            index.name = index.name.replace("search_documents", table)
        copy.primary_key.name = f"pk_{table}"
        copy.metadata.create_all(engine)
        return cls(engine, copy)

    # --- writing -------------------------------------------------------------------
    @contextmanager
    def batch(self, timeout: float | None = None):
        with self.engine.begin() as conn:
            self._lock(conn, timeout)
            # this writer merges the GIN pending list into the index once it passes this size
            conn.execute(text(f"SET LOCAL gin_pending_list_limit = {WRITER_PENDING_LIST_KB}"))
            writer = _PgBatch(conn, self.table)
            try:
                yield writer
                writer.flush()
            except BaseException as exc:
                writer.close(exc)
                raise

    def _lock(self, conn, timeout: float | None) -> None:
        ms = int((self.lock_timeout if timeout is None else timeout) * 1000)
        conn.execute(text(f"SET LOCAL lock_timeout = {max(ms, 1)}"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})

    def rebuild(self, docs: Iterable[SearchDocument], progress=None) -> int:
        count = 0
        with self.engine.begin() as conn:
            self._lock(conn, None)
            conn.execute(self.table.delete())
            writer = _PgBatch(conn, self.table, upsert=False)
            try:
                for doc in docs:
                    writer.upsert(doc)
                    count += 1
                    if progress:
                        progress(1)
                writer.flush()
            except BaseException as exc:
                writer.close(exc)
                raise
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM merges the GIN pending list the bulk load left (up to 4 MB of unsorted
            # entries that every search would scan: 8-14 ms at 100,000 documents) and removes
            # the rows the rebuild replaced: until then the GIN index still points at them and
            # searches read their pages too (p50/p95 10.0/25.6 ms instead of 8.6/19.2 ms).
            conn.execute(text(f'VACUUM (ANALYZE) "{self.table.name}"'))
        return count

    # --- reading -------------------------------------------------------------------
    def versions(self) -> dict[str, str]:
        t = self.table
        with self.engine.connect() as conn:
            return {r.doc_id: r.version for r in conn.execute(t.select().with_only_columns(t.c.doc_id, t.c.version))}

    def get(self, doc_id: str) -> SearchDocument | None:
        t = self.table
        with self.engine.connect() as conn:
            raw = conn.execute(t.select().with_only_columns(t.c.data).where(t.c.doc_id == doc_id)).scalar()
        return _doc_from_json(raw) if raw else None

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f'SELECT count(*) FROM "{self.table.name}"')).scalar()

    def exact(self, key: str, query: SearchQuery, limit: int) -> list[SearchDocument]:
        where, params = self._where(query)
        where.append("tsv @@ CAST(:exact AS tsquery)")
        params.update(exact=_lexeme(EXACT_PREFIX + key), limit=limit)
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                f'SELECT data FROM "{self.table.name}" WHERE {" AND ".join(where)} '
                f"ORDER BY published_at DESC NULLS LAST, doc_id LIMIT :limit"), params).scalars().all()
        return [_doc_from_json(raw) for raw in rows]

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        chunks = self._prune(query.chunks())
        where, params = self._where(query)
        table = f'"{self.table.name}"'
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
        with self.engine.connect() as conn:
            with _statements(conn) as run:
                # The planner's row estimates for a tsquery are rough; a sequential scan
                # reads (and decompresses) every tsvector, a GIN bitmap only the matches.
                if chunks:
                    run.send("SET LOCAL enable_seqscan = off")
                tier, combos = self._tier(run, table, chunks, query, where, params) if chunks else (None, None)
                base = " AND ".join(where) or "TRUE"
                cond = base if tier is None else f"{base} AND tsv @@ CAST(:tier{tier} AS tsquery)"
                if chunks and query.sort == "relevance":
                    rows = self._ranked(run, table, base, tier, combos, chunks, query, params)
                else:
                    order = {
                        "newest": "published_at DESC NULLS LAST, doc_id",
                        "price": "price_fen ASC NULLS LAST, published_at DESC NULLS LAST, doc_id",
                    }.get(query.sort, "published_at DESC NULLS LAST, doc_id")
                    rows = run.rows(
                        f"SELECT data, 0 AS rank FROM {table} WHERE {cond} ORDER BY {order} "
                        f"LIMIT :limit OFFSET :offset", params)
                counts = self._counts(run, table, cond, params, query.facets)
                run.end()
                # decorated here while the server counts (~10 ms for thousands of matches)
                hits = _hits(rows, query, scored=bool(chunks) and query.sort == "relevance")
            total, facets = counts()  # fetched by the pipeline's last flush
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits, total, facets, round(took, 2), query.page, query.per_page)

    def _tier(self, run: "_Statements", table: str, chunks, query: SearchQuery, where: list[str], params: dict):
        """Which documents match: those having all query words if there are enough of them,
        else at least k of the words for the largest k that gives enough, else any word.
        Sets params ``tier0``...; returns the index of the tier chosen and, for short
        queries, the word combinations with exactly its k words, rarest words first.

        Ranking every document that has any query word is what made large indexes slow
        (a common word matches a fifth of the table); the GIN index answers each tier
        without reading the documents, and the tiers are probed in one statement whose
        later CASE branches run only when the earlier ones found too few."""
        words = [w for c in chunks for w in c.words]
        with_subs = len(words) <= SUBWORDS_UP_TO
        weights = query.term_weights()
        for j, c in enumerate(chunks):
            if c.quoted:  # a quoted phrase is required
                where.append(f"tsv @@ CAST(:quoted{j} AS tsquery)")
                params[f"quoted{j}"] = " <-> ".join(_lexeme(x) for x in c.phrase)
        alts = {w.text: f"({_word_tsquery(w, with_subs)})" for w in words}
        key = sorted(words, key=lambda w: -_importance(w, weights))
        # Long queries (a listing's key terms, pasted text) rarely have all or most of their
        # words in one document: they match any word, pre-ranked by the words matched.
        short = len(words) <= TIER_WORDS
        tiers = [" & ".join(alts[w.text] for w in key)] if 1 < len(words) and short else []
        for k in range(len(key) - 1 if short else 0, 1, -1):
            tiers.append(" | ".join("(" + " & ".join(alts[w.text] for w in combo) + ")"
                                    for combo in combinations(key, k)))
        tiers.append(" | ".join(alts.values()))
        for i, tier in enumerate(tiers):
            params[f"tier{i}"] = tier
        chosen = len(tiers) - 1
        if chosen:
            chosen, params["stronger"] = self._probe(run, table, " AND ".join(where) or "TRUE", chosen, params)
        combos = None
        if short:  # tier i holds the documents having len(words) - i of the words
            combos = [" & ".join(alts[w.text] for w in combo) for combo in sorted(
                combinations(key, len(words) - chosen),
                key=lambda ws: -sum(_importance(w, weights) for w in ws))]
        return chosen, combos

    @staticmethod
    def _probe(run: "_Statements", table: str, cond: str, last: int, params: dict) -> tuple[int, list[str]]:
        """The first tier (below ``last``) with ENOUGH_MATCHES documents, else ``last``; and the
        documents of the tier above it (fewer than ENOUGH_MATCHES: all of them), which the
        ranking then reads by id instead of matching that tier again (a GIN scan of every
        word's entries, 1-2 ms for four words with sub-words).

        One statement: a tier's CTE runs only when a CASE branch reads it, i.e. when the
        tiers above it found too few."""
        probes = ", ".join(
            f"p{i} AS MATERIALIZED (SELECT ARRAY(SELECT doc_id FROM {table} WHERE {cond} AND "
            f"tsv @@ CAST(:tier{i} AS tsquery) LIMIT :enough) AS ids)" for i in range(last))
        enough = [f"WHEN (SELECT cardinality(ids) FROM p{i}) >= :enough" for i in range(last)]
        stronger = ["NULL"] + [f"(SELECT ids FROM p{i})" for i in range(last)]
        chosen, ids = run.rows(
            f"WITH {probes} SELECT CASE {' '.join(f'{w} THEN {i}' for i, w in enumerate(enough))} ELSE {last} END, "
            f"CASE {' '.join(f'{w} THEN {stronger[i]}' for i, w in enumerate(enough))} ELSE {stronger[last]} END",
            {**params, "enough": ENOUGH_MATCHES})[0]
        return chosen, ids or []

    def _ranked(self, run: "_Statements", table: str, base: str, tier: int, combos, chunks, query: SearchQuery,
                params: dict):
        """Rank the matches of the tier above the chosen one (fewer than ENOUGH_MATCHES)
        and at most RANK_CANDIDATES of the chosen tier (ts_rank reads every tsvector it
        ranks), then read the stored documents of the requested page only."""
        words = [w for c in chunks for w in c.words]
        with_subs = len(words) <= SUBWORDS_UP_TO
        weights = query.term_weights()
        rank_weights = f"CAST('{RANK_WEIGHTS}' AS float4[])"
        terms, matched = [], []
        for i, w in enumerate(words):
            params[f"w{i}"] = _word_tsquery(w, with_subs)
            scale = _importance(w, weights)
            terms.append(f"{scale:.4f} * ts_rank({rank_weights}, v, CAST(:w{i} AS tsquery), {RANK_NORMALIZATION})")
            matched.append(f"(v @@ CAST(:w{i} AS tsquery))::int")
        for j, c in enumerate(chunks):
            if len(c.words) >= 2:
                params[f"ph{j}"] = " <-> ".join(_lexeme(x) for x in c.phrase)
                terms.append(f"{PHRASE_BOOST * 10:.2f} * ts_rank({rank_weights}, v, CAST(:ph{j} AS tsquery), {RANK_NORMALIZATION})")
        rank_sql = " + ".join(terms)
        if COORD_WEIGHT:
            rank_sql = f"({rank_sql}) * (1 + {COORD_WEIGHT} * ({' + '.join(matched)}) / {len(words)}.0)"
        params.update(candidates=RANK_CANDIDATES, scan=COORD_SCAN)
        coord = " + ".join(f"{_importance(w, weights):.4f} * (v @@ CAST(:w{i} AS tsquery))::int"
                           for i, w in enumerate(words))
        # ``tsv || ''`` decompresses the tsvector once for all the tests and ts_rank calls.
        if combos:
            # A short query's chosen tier, less the stronger one, holds the documents having
            # exactly k of the words: taken combination by combination, rarest words first
            # (each a GIN lookup), until there are enough candidates.
            branches = []
            for i, combo in enumerate(combos):
                params[f"combo{i}"] = combo
                branch = (f"SELECT doc_id, v FROM (SELECT doc_id, tsv || ''::tsvector AS v FROM {table} "
                          f"WHERE {base} AND tsv @@ CAST(:combo{i} AS tsquery) LIMIT :candidates) AS b{i}")
                if tier:
                    branch += f" WHERE NOT v @@ CAST(:tier{tier - 1} AS tsquery)"
                branches.append(f"({branch})")
            chosen = f"SELECT doc_id, v FROM ({' UNION ALL '.join(branches)}) AS b LIMIT :candidates"
        else:
            # A long query's: the first COORD_SCAN pre-ranked by the IDF-weighted words matched.
            chosen = (f"SELECT doc_id, v FROM (SELECT doc_id, tsv || ''::tsvector AS v FROM {table} "
                      f"WHERE {base} AND tsv @@ CAST(:tier{tier} AS tsquery) LIMIT :scan) AS s")
            if tier:
                chosen += f" WHERE NOT v @@ CAST(:tier{tier - 1} AS tsquery)"
            chosen += f" ORDER BY {coord} DESC LIMIT :candidates"
        candidates = f"({chosen})"
        if tier:  # the stronger matches, fewer than ENOUGH_MATCHES: all of them (found by _probe)
            candidates = (f"SELECT doc_id, tsv || ''::tsvector AS v FROM {table} WHERE doc_id = ANY(:stronger) "
                          f"UNION ALL {candidates}")
        return run.rows(f"""
            SELECT d.data, r.rank FROM (
                SELECT doc_id, {rank_sql} AS rank FROM ({candidates}) AS c
                ORDER BY rank DESC, doc_id LIMIT :limit OFFSET :offset) AS r
            JOIN {table} AS d ON d.doc_id = r.doc_id
            ORDER BY r.rank DESC, r.doc_id""", params)

    def _prune(self, chunks: list[analysis.QueryChunk]) -> list[analysis.QueryChunk]:
        """Drop general words (jieba's IDF) and words in more than COMMON_WORD_SHARE of the
        documents (the planner's statistics) from queries that have rarer words too."""
        if self._rows() < PRUNE_FROM_ROWS:
            return chunks
        shares = self._word_shares()
        return without_words(chunks, {w.text for c in chunks if not c.quoted for w in c.words
                                      if analysis.idf(w.text) < GENERAL_WORD_IDF
                                      or shares.get(w.text, 0.0) > COMMON_WORD_SHARE})

    def _rows(self) -> int:
        """Approximate row count (planner statistics), refreshed every minute."""
        self._statistics()
        return self._row_estimate

    def _word_shares(self) -> dict[str, float]:
        """Share of documents containing each of the most common lexemes (ANALYZE's sample)."""
        self._statistics()
        return self._shares

    def _statistics(self) -> None:
        now = time.monotonic()
        if now - self._rows_at > 60:
            with self.engine.connect() as conn:
                self._row_estimate = conn.execute(text(
                    "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relname = :t"),
                    {"t": self.table.name}).scalar() or 0
                row = conn.execute(text(
                    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                    "WHERE tablename = :t AND attname = 'tsv' AND schemaname = current_schema()"),
                    {"t": self.table.name}).first()
            self._shares = dict(zip(row[0], row[1])) if row and row[0] else {}
            self._rows_at = now

    def _counts(self, run: "_Statements", table: str, cond: str, params: dict, facets: bool):
        """Sends the statement counting the matches (and their facets); returns a function
        that waits for its result and gives (total, facets)."""
        if not facets:
            pending = run.send(f"SELECT count(*) FROM {table} WHERE {cond}", params)
            return lambda: (pending()[0][0], {})
        # One pass, plain columns: the facet columns are grouped as stored (",SH,JS,")
        # and the multi-valued ones split here, over a few dozen distinct strings.
        pending = run.send(f"""
            SELECT GROUPING(doc_type, field, ip_type, markets, modes) AS g,
                   doc_type, field, ip_type, markets, modes, count(*)
            FROM {table} WHERE {cond}
            GROUP BY GROUPING SETS ((doc_type), (field), (ip_type), (markets), (modes))
        """, params)
        return lambda: _facet_counts(pending())

    @staticmethod
    def _where(q: SearchQuery) -> tuple[list[str], dict]:
        where, params = [], {}
        if q.public_only:
            where.append("public")
        if q.doc_type:  # nine in ten documents are achievements: a plain column test
            where.append("doc_type = :doc_type")
            params["doc_type"] = q.doc_type
        lexemes = [_lexeme(f"={FILTER_PREFIXES[name]}{value}") for name, value in
                   (("field", q.field), ("ip_type", q.ip_type), ("province", q.province),
                    ("market", q.market), ("mode", q.mode)) if value]
        if q.price_min is not None:
            bands = range(price_band(q.price_min), len(PRICE_BANDS) + 1)
            lexemes.append("(" + " | ".join(_lexeme(f"=ph:{b}") for b in bands) + ")")
        if q.price_max is not None:
            bands = range(0, price_band(q.price_max) + 1)
            lexemes.append("(" + " | ".join(_lexeme(f"=pl:{b}") for b in bands) + ")")
        if lexemes:
            where.append("tsv @@ CAST(:filters AS tsquery)")
            params["filters"] = " & ".join(lexemes)
        if q.price_min is not None:
            where.append("price_fen >= :price_min")
            params["price_min"] = q.price_min
        if q.price_max is not None:
            where.append("price_low_fen <= :price_max")
            params["price_max"] = q.price_max
        if q.exclude_ids:
            where.append("NOT (doc_id = ANY(:exclude_ids))")
            params["exclude_ids"] = sorted(q.exclude_ids)
        return where, params


def _hits(rows, query: SearchQuery, scored: bool) -> list[SearchHit]:
    """The page's hits from (stored document, rank) rows, with snippets and explanations."""
    terms = query_term_set(query)
    hits: list[SearchHit] = []
    for raw, rank in rows:
        doc = _doc_from_json(raw)
        hits.append(decorate(hit_from_doc(doc, float(rank or 0.0) if scored else 0.0), doc, terms, query.snippets))
    return hits


def _facet_counts(rows) -> tuple[int, dict[str, dict[str, int]]]:
    """Total and facets from the rows of the GROUPING SETS count (``_counts``)."""
    out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    total = 0
    for g, doc_type, field, ip_type, markets, modes, n in rows:
        if g == 0b01111:
            out["type"][doc_type] = n
            total += n
        elif g == 0b10111 and field is not None:
            out["field"][field] = n
        elif g == 0b11011 and ip_type is not None:
            out["ip_type"][ip_type] = n
        elif g in (0b11101, 0b11110):
            name = "market" if g == 0b11101 else "mode"
            for value in filter(None, (markets if name == "market" else modes).split(",")):
                out[name][value] = out[name].get(value, 0) + n
    return total, {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}


@contextmanager
def _statements(conn):
    """The statements of one search on ``conn``: pipelined with psycopg 3, else one by one.

    The driver's errors are raised as SQLAlchemy's (as through ``conn.execute``), and a
    connection the driver found broken is not returned to the pool."""
    raw = _pipeline_connection(conn)
    if raw is None:
        yield _Statements(conn)
        return
    import psycopg
    try:
        with raw.pipeline():
            yield _Pipelined(raw, conn.dialect)
    except psycopg.Error as exc:
        if raw.broken or raw.closed:
            conn.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


class _Statements:
    """Runs a search's statements one after the other (drivers without pipeline mode).

    ``send`` starts a statement and returns a function giving its rows; ``rows`` waits
    for them. ``end`` says no statement follows (the transaction can end)."""

    def __init__(self, conn):
        self.conn = conn

    def rows(self, sql: str, params: dict | None = None) -> list:
        return self.conn.execute(text(sql), params or {}).all()

    def send(self, sql: str, params: dict | None = None):
        result = self.conn.execute(text(sql), params or {})
        rows = result.all() if result.returns_rows else []
        return lambda: rows

    def end(self) -> None:
        pass


class _Pipelined(_Statements):
    """Runs a search's statements in psycopg's pipeline mode: a statement whose result is
    not needed yet (SET, the counts) costs no round trip of its own, and the server works
    on it while this process goes on (decorating the hits). A round trip is the larger
    part of a cheap statement's time when the machine is busy.

    The transaction psycopg begins is rolled back by ``end`` in the same flush as the
    last statement, so returning the connection costs no round trip either. Statements
    are never prepared (as when every search's transaction ended with a rollback)."""

    def __init__(self, raw, dialect):
        self.raw, self.dialect = raw, dialect

    def _execute(self, sql: str, params: dict | None):
        cursor = self.raw.cursor()
        # the same SQL and values as through SQLAlchemy: text() binds them unprocessed too
        cursor.execute(str(text(sql).compile(dialect=self.dialect)), params or {}, prepare=False)
        return cursor

    def rows(self, sql: str, params: dict | None = None) -> list:
        return self._execute(sql, params).fetchall()

    def send(self, sql: str, params: dict | None = None):
        cursor = self._execute(sql, params)
        return cursor.fetchall

    def end(self) -> None:
        self.raw.cursor().execute("ROLLBACK", prepare=False)


class _PgBatch:
    """Writes one batch of documents in the caller's transaction.

    With psycopg 3 (pipeline mode), every ``chunk`` documents are sent at once
    and not waited for: PostgreSQL inserts them (GIN index entries, TOAST) while
    this process segments the next ones, instead of the two taking turns
    (~0.1 ms a document of server time). Errors surface at ``flush``, which
    ends the pipeline. Other drivers: one executemany per ``size`` documents."""

    def __init__(self, conn, table: Table, upsert: bool = True, size: int = 500, chunk: int = 50):
        self.conn, self.table, self.upsert_mode, self.size = conn, table, upsert, size
        self.rows: list[dict] = []
        self._raw, self._pipeline, self._cursor = _pipeline_connection(conn), None, None
        if self._raw is not None:
            self.size = chunk

    def _statement(self, cols: list[str], placeholder: str) -> str:
        """The INSERT (upsert) of one row; ``placeholder``: ":{}" (SQLAlchemy) or "%({})s" (psycopg)."""
        values = ", ".join(placeholder.format(c) if c != "tsv" else f"CAST({placeholder.format(c)} AS tsvector)"
                           for c in cols)
        sql = f'INSERT INTO "{self.table.name}" ({", ".join(cols)}) VALUES ({values})'
        if self.upsert_mode:
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "doc_id")
            sql += f" ON CONFLICT (doc_id) DO UPDATE SET {updates}"
        return sql

    def upsert(self, doc: SearchDocument) -> None:
        self.rows.append(_row(doc))
        if len(self.rows) >= self.size:
            self._send()

    def delete(self, doc_id: str) -> None:
        self.flush()
        self.conn.execute(self.table.delete().where(self.table.c.doc_id == doc_id))

    def _send(self) -> None:
        if not self.rows:
            return
        cols = list(self.rows[0])
        if self._raw is None:
            self.conn.execute(text(self._statement(cols, ":{}")), self.rows)
        else:
            if self._pipeline is None:
                self._pipeline = self._raw.pipeline()
                self._pipeline.__enter__()
                self._cursor = self._raw.cursor()
            # the same values as the text() statement: it binds them unprocessed too
            self._cursor.executemany(self._statement(cols, "%({})s"), self.rows)
        self.rows = []

    def flush(self) -> None:
        """Send what is left and wait until the server has written all of it."""
        self._send()
        self.close()

    def close(self, exc: BaseException | None = None) -> None:
        """Leave pipeline mode (waits for the statements sent; raises their error unless ``exc``)."""
        pipeline, cursor, self._pipeline, self._cursor = self._pipeline, self._cursor, None, None
        if pipeline is not None:
            try:
                pipeline.__exit__(type(exc) if exc else None, exc, None)
            finally:
                cursor.close()


def _row(doc: SearchDocument) -> dict:
    return {
        "doc_id": doc.doc_id, "doc_type": doc.doc_type, "entity_id": doc.entity_id,
        "version": doc.version or "-", "public": bool(doc.public), "field": doc.field,
        "markets": "," + ",".join(doc.markets) + "," if doc.markets else "",
        "province": doc.province, "ip_type": doc.ip_type,
        "modes": "," + ",".join(doc.modes) + "," if doc.modes else "",
        "price_fen": doc.price_fen, "price_low_fen": doc.price_low_fen, "published_at": doc.published_at,
        "data": _doc_json(doc), "tsv": tsvector_literal(doc),
    }


def _doc_json(doc: SearchDocument) -> str:
    data = dict(doc.__dict__)
    for key in ("published_at", "updated_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return json.dumps(data, ensure_ascii=False)


def _doc_from_json(raw: str) -> SearchDocument:
    data = json.loads(raw)
    for key in ("published_at", "updated_at"):
        data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    return SearchDocument(**data)
