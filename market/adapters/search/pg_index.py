"""``PostgresSearchIndex``: full-text search inside PostgreSQL, for deployments whose
application servers cannot share one Whoosh directory.

PostgreSQL's parsers do not segment Chinese, so the tsvector is built here from
``analysis.tokenize``: word-counted positions (phrases work with ``<->``),
search-mode sub-words at their word's position, and weights by part (title A,
keywords B, holder/company C, abstract D). It goes into a ``tsvector`` column
with a GIN index. ``ts_rank`` has no IDF, so each query word's rank is scaled
by its IDF from jieba's general-corpus table (cheap: no statistics query).
Writers serialise on a transaction-level advisory lock.
"""
from __future__ import annotations

import json
import time
from bisect import bisect_right
from contextlib import contextmanager
from datetime import datetime
from typing import Iterable

from sqlalchemy import MetaData, Table, create_engine, text

from market.adapters.orm_search import search_documents
from market.adapters.search import analysis
from market.adapters.search.base import (
    FACETS, SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResult, combined_text, decorate,
    hit_from_doc, query_term_set,
)

LOCK_KEY = 0x5EA4C4  # advisory lock id of the index writers
WEIGHT_LABELS = ("A", "B", "C", "D")  # by line of combined_text: title, keywords, org, body
RANK_WEIGHTS = "{0.9, 0.9, 0.95, 1.0}"  # D, C, B, A: a strong title weight ranked known items far worse (MRR 0.52 vs 0.75)
RANK_NORMALIZATION = 1  # divide by 1 + log(document length)
PER_TERM_IDF = True  # one ts_rank per query word scaled by its IDF (better ranking, slower)
SUBWORD_WEIGHT = 0.1
PHRASE_BOOST = 0.5
MAX_POS = 16383
#: In a large table, general words (jieba IDF below this: 获得, 方法, 技术...) are dropped
#: from queries that have rarer words too: they hardly rank, but make PostgreSQL rank
#: most of the table. Document frequency would be the better test but costs a count.
GENERAL_WORD_IDF = 5.5
PRUNE_FROM_ROWS = 10_000


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(doc: SearchDocument) -> str:
    """The document's tsvector in PostgreSQL's text form: 'term':1A,5A 'other':2D ..."""
    value = combined_text(doc)
    line_ends, cursor = [], 0
    for _ in range(3):
        end = value.find("\n", cursor)
        line_ends.append(len(value) if end < 0 else end)
        cursor = (end + 1) if end >= 0 else len(value)
    positions: dict[str, list[str]] = {}
    labels = WEIGHT_LABELS[:len(line_ends)] + ("D",)
    for term, pos, start, _end, _sub in analysis.raw_tokens(value):
        label = labels[bisect_right(line_ends, start)]  # the first line ending after the token's start
        entry = positions.get(term)
        if entry is None:
            entry = positions[term] = []
        if len(entry) < 255:
            entry.append(f"{min(pos + 1, MAX_POS)}{label}")
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def _word_tsquery(word: analysis.QueryWord, with_subs: bool) -> str:
    alts = [word.text] + (word.subs if with_subs else [])
    return " | ".join(_lexeme(a) for a in alts)


class PostgresSearchIndex(SearchIndex):
    def __init__(self, engine, table: Table = search_documents, lock_timeout: float = 30.0):
        self.engine = engine
        self.table = table
        self.lock_timeout = lock_timeout
        self._rows_at, self._row_estimate = -1e9, 0

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
            writer = _PgBatch(conn, self.table)
            yield writer
            writer.flush()

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
            for doc in docs:
                writer.upsert(doc)
                count += 1
                if progress:
                    progress(1)
            writer.flush()
        with self.engine.connect() as conn:
            conn.execute(text(f'ANALYZE "{self.table.name}"'))
            conn.commit()
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

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        chunks = self._prune(query.chunks())
        where, params = self._where(query)
        weights = query.term_weights()
        rank_sql = "0"
        if chunks:
            words = [w for c in chunks for w in c.words]
            with_subs = len(words) <= 6
            params["qany"] = " | ".join(f"({_word_tsquery(w, with_subs)})" for w in words)
            where.append("tsv @@ CAST(:qany AS tsquery)")
            terms = [] if PER_TERM_IDF else [
                f"ts_rank(CAST('{RANK_WEIGHTS}' AS float4[]), tsv, CAST(:qany AS tsquery), {RANK_NORMALIZATION})"]
            for i, w in enumerate(words if PER_TERM_IDF else []):
                params[f"w{i}"] = _word_tsquery(w, with_subs)
                scale = weights.get(w.text, 1.0) * analysis.idf(w.text)
                terms.append(f"{scale:.4f} * ts_rank(CAST('{RANK_WEIGHTS}' AS float4[]), tsv, CAST(:w{i} AS tsquery), {RANK_NORMALIZATION})")
            for j, c in enumerate(chunks):
                if len(c.words) >= 2:
                    params[f"p{j}"] = " <-> ".join(_lexeme(x) for x in c.phrase)
                    if c.quoted:
                        where.append(f"tsv @@ CAST(:p{j} AS tsquery)")
                    terms.append(f"{PHRASE_BOOST * 10:.2f} * ts_rank(CAST('{RANK_WEIGHTS}' AS float4[]), tsv, CAST(:p{j} AS tsquery), {RANK_NORMALIZATION})")
            rank_sql = " + ".join(terms)
        cond = " AND ".join(where) or "TRUE"
        order = {
            "newest": "published_at DESC NULLS LAST, doc_id",
            "price": "price_fen ASC NULLS LAST, published_at DESC NULLS LAST, doc_id",
        }.get(query.sort, "rank DESC, doc_id" if chunks else "published_at DESC NULLS LAST, doc_id")
        table = f'"{self.table.name}"'
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                f"SELECT data, {rank_sql} AS rank FROM {table} WHERE {cond} ORDER BY {order} "
                f"LIMIT :limit OFFSET :offset"), params).all()
            total, facets = self._counts(conn, table, cond, params, query.facets)
        terms = query_term_set(query)
        hits: list[SearchHit] = []
        for raw, rank in rows:
            doc = _doc_from_json(raw)
            score = float(rank or 0.0) if query.sort == "relevance" and chunks else 0.0
            hits.append(decorate(hit_from_doc(doc, score), doc, terms, query.snippets))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits, total, facets, round(took, 2), query.page, query.per_page)

    def _prune(self, chunks: list[analysis.QueryChunk]) -> list[analysis.QueryChunk]:
        general = {w.text for c in chunks if not c.quoted for w in c.words if analysis.idf(w.text) < GENERAL_WORD_IDF}
        if not general or all(w.text in general for c in chunks for w in c.words):
            return chunks
        if self._rows() < PRUNE_FROM_ROWS:
            return chunks
        out = []
        for c in chunks:
            words = c.words if c.quoted else [w for w in c.words if w.text not in general]
            if words:
                out.append(analysis.QueryChunk(words, c.quoted))
        return out

    def _rows(self) -> int:
        """Approximate row count (planner statistics), refreshed every minute."""
        now = time.monotonic()
        if now - self._rows_at > 60:
            with self.engine.connect() as conn:
                self._row_estimate = conn.execute(text(
                    "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relname = :t"),
                    {"t": self.table.name}).scalar() or 0
            self._rows_at = now
        return self._row_estimate

    def _counts(self, conn, table: str, cond: str, params: dict, facets: bool):
        if not facets:
            total = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {cond}"), params).scalar()
            return total, {}
        sql = f"""
            WITH m AS (SELECT doc_type, markets, field, ip_type, modes FROM {table} WHERE {cond})
            SELECT '_total' AS facet, '' AS value, count(*) FROM m
            UNION ALL SELECT 'type', doc_type, count(*) FROM m GROUP BY doc_type
            UNION ALL SELECT 'field', field, count(*) FROM m WHERE field IS NOT NULL GROUP BY field
            UNION ALL SELECT 'ip_type', ip_type, count(*) FROM m WHERE ip_type IS NOT NULL GROUP BY ip_type
            UNION ALL SELECT 'market', v, count(*) FROM m,
                unnest(string_to_array(trim(both ',' from m.markets), ',')) AS v WHERE v <> '' GROUP BY v
            UNION ALL SELECT 'mode', v, count(*) FROM m,
                unnest(string_to_array(trim(both ',' from m.modes), ',')) AS v WHERE v <> '' GROUP BY v
        """
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        total = 0
        for facet, value, n in conn.execute(text(sql), params):
            if facet == "_total":
                total = n
            else:
                out[facet][value] = n
        return total, {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}

    @staticmethod
    def _where(q: SearchQuery) -> tuple[list[str], dict]:
        where, params = [], {}
        if q.public_only:
            where.append("public")
        for column, value in (("doc_type", q.doc_type), ("field", q.field), ("ip_type", q.ip_type),
                              ("province", q.province)):
            if value:
                where.append(f"{column} = :{column}")
                params[column] = value
        for column, value in (("markets", q.market), ("modes", q.mode)):
            if value:
                where.append(f"position(:{column}_v in {column}) > 0")
                params[f"{column}_v"] = f",{value},"
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


class _PgBatch:
    def __init__(self, conn, table: Table, upsert: bool = True, size: int = 500):
        self.conn, self.table, self.upsert_mode, self.size = conn, table, upsert, size
        self.rows: list[dict] = []

    def upsert(self, doc: SearchDocument) -> None:
        self.rows.append(_row(doc))
        if len(self.rows) >= self.size:
            self.flush()

    def delete(self, doc_id: str) -> None:
        self.flush()
        self.conn.execute(self.table.delete().where(self.table.c.doc_id == doc_id))

    def flush(self) -> None:
        if not self.rows:
            return
        cols = list(self.rows[0])
        values = ", ".join(f":{c}" if c != "tsv" else "CAST(:tsv AS tsvector)" for c in cols)
        sql = f'INSERT INTO "{self.table.name}" ({", ".join(cols)}) VALUES ({values})'
        if self.upsert_mode:
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "doc_id")
            sql += f" ON CONFLICT (doc_id) DO UPDATE SET {updates}"
        self.conn.execute(text(sql), self.rows)
        self.rows = []


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
