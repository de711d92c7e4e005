"""Known-item evaluation of search quality on ../shared/data.

Every patent and paper is indexed (title, abstract, applicant: the annotated
keywords are NOT indexed, they are the queries). For each record that has
keywords, the query is its keywords separated by spaces and the record itself
is the only right answer. Prints MRR@10 and Recall@10 for:

* ours            WhooshSearchIndex (word-position tokenizer, field weights,
                  sub-words, phrase and proximity boosts, coordination bonus), as the API
                  searches: exact matches (application number, holder) first, synonyms
                  of config/synonyms.txt expanded (--no-synonyms: without them)
* postgres        PostgresSearchIndex, if --postgres URL is given
* sql_like        SQL LIKE per keyword over title/abstract, ranked by keywords matched
* whoosh_default  Whoosh's default StandardAnalyzer + QueryParser OR-group
* bm25_jieba      plain BM25 OR-query over jieba tokens (tantivy, pre-segmented text)

Usage: .venv/bin/python bench/search_eval.py [--queries 1500] [--all] [--user-dict]
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market.adapters.search import analysis, synonyms  # noqa: E402
from market.adapters.search.base import SearchDocument, SearchQuery  # noqa: E402
from market.adapters.search.exact import search_exact_first  # noqa: E402
from market.adapters.search.whoosh_index import WhooshSearchIndex  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
FILES = ("patents_bdci2022.jsonl", "patents_kppatent_zh.jsonl", "papers_csl.jsonl")


def load_records(data: Path) -> list[dict]:
    records = []
    for name in FILES:
        with (data / name).open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("title") or rec.get("abstract"):
                    records.append(rec)
    return records


def to_document(i: int, rec: dict) -> SearchDocument:
    return SearchDocument(
        doc_type="achievement", entity_id=i, title=rec.get("title") or "", body=rec.get("abstract") or "",
        org=rec.get("applicant") or "", status="published", public=True, version="1",
    )


def make_queries(records: list[dict], n: int | None, seed: int) -> list[tuple[int, str]]:
    queries = [(i, " ".join(r["keywords"])) for i, r in enumerate(records) if r.get("keywords")]
    if n and n < len(queries):
        queries = random.Random(seed).sample(queries, n)
    return queries


def evaluate(name: str, search, queries) -> dict:
    rr, found, latencies = 0.0, 0, []
    for answer, text in queries:
        started = time.perf_counter()
        ranked = search(text)[:10]
        latencies.append((time.perf_counter() - started) * 1000)
        if answer in ranked:
            found += 1
            rr += 1.0 / (ranked.index(answer) + 1)
    latencies.sort()
    out = {"system": name, "mrr@10": rr / len(queries), "recall@10": found / len(queries),
           "p50_ms": latencies[len(latencies) // 2], "p95_ms": latencies[int(len(latencies) * 0.95)]}
    print(f"{name:16s} MRR@10 {out['mrr@10']:.3f}  Recall@10 {out['recall@10']:.3f}  "
          f"p50 {out['p50_ms']:.1f} ms  p95 {out['p95_ms']:.1f} ms", flush=True)
    return out


# --- systems ---------------------------------------------------------------------------

def ours(records, tmp: Path):
    index = WhooshSearchIndex(tmp / "ours")
    index.rebuild(to_document(i, r) for i, r in enumerate(records))

    def search(text):
        query = SearchQuery(text, per_page=10, facets=False, snippets=False, public_only=False)
        return [h.entity_id for h in search_exact_first(index, query).hits]
    return search


def postgres(records, url: str):
    from market.adapters.search.pg_index import PostgresSearchIndex
    index = PostgresSearchIndex.standalone(url, table="search_eval_documents")
    index.rebuild(to_document(i, r) for i, r in enumerate(records))

    def search(text):
        query = SearchQuery(text, per_page=10, facets=False, snippets=False, public_only=False)
        return [h.entity_id for h in search_exact_first(index, query).hits]
    return search


def sql_like(records):
    db = sqlite3.connect(":memory:")
    db.execute("create table docs (id integer primary key, title text, abstract text)")
    db.executemany("insert into docs values (?, ?, ?)",
                   [(i, r.get("title") or "", r.get("abstract") or "") for i, r in enumerate(records)])

    def search(text):
        words = [w for w in text.split() if w][:8]
        if not words:
            return []
        score = " + ".join("((title LIKE ?) OR (abstract LIKE ?))" for _ in words)
        params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
        rows = db.execute(f"select id, {score} as s from docs where s > 0 order by s desc, id limit 10", params)
        return [row[0] for row in rows]
    return search


def whoosh_default(records, tmp: Path):
    from whoosh import index as windex
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser, OrGroup

    schema = Schema(id=ID(stored=True), title=TEXT, body=TEXT)
    ix = windex.create_in(str(tmp / "default"), schema) if (tmp / "default").mkdir() is None else None
    with ix.writer(limitmb=256) as w:
        for i, r in enumerate(records):
            w.add_document(id=str(i), title=r.get("title") or "", body=r.get("abstract") or "")
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    searcher = ix.searcher()

    def search(text):
        return [int(h["id"]) for h in searcher.search(parser.parse(text), limit=10)]
    return search


def bm25_jieba(records, tmp: Path):
    import rjieba
    import tantivy

    def seg(text: str) -> str:
        return " ".join(w.lower() for w in rjieba.cut(text) if w.strip())

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True)
    builder.add_text_field("text", tokenizer_name="whitespace")
    schema = builder.build()
    (tmp / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(tmp / "tantivy"))
    writer = index.writer()
    for i, r in enumerate(records):
        text = seg(" ".join(filter(None, (r.get("title"), r.get("abstract"), r.get("applicant")))))
        writer.add_document(tantivy.Document(id=i, text=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(text):
        terms = sorted(set(seg(text).split()))
        if not terms:
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t)) for t in terms])
        hits = searcher.search(q, 10).hits
        return [searcher.doc(addr)["id"][0] for _, addr in hits]
    return search


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--queries", type=int, default=1500, help="random sample of queries (default 1500)")
    ap.add_argument("--all", action="store_true", help="use every record with keywords as a query")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--systems", default="ours,sql_like,whoosh_default,bm25_jieba")
    ap.add_argument("--postgres", help="SQLAlchemy URL: also evaluate the PostgreSQL adapter")
    ap.add_argument("--no-synonyms", action="store_true", help="search without config/synonyms.txt")
    ap.add_argument("--user-dict", action="store_true",
                    help="add every record's keywords to the segmenter dictionary first (leaks the queries' "
                         "vocabulary; shows what a dictionary built from listings' keywords does)")
    args = ap.parse_args(argv)
    if not (args.data / FILES[0]).exists():
        print(f"no shared data at {args.data}; nothing to evaluate")
        return 0
    records = load_records(args.data)
    if args.no_synonyms:
        synonyms.use_file(None)
    if args.user_dict:
        added = analysis.add_user_terms(k for r in records for k in (r.get("keywords") or []))
        print(f"user dictionary: {added} terms")
    queries = make_queries(records, None if args.all else args.queries, args.seed)
    print(f"{len(records)} documents, {len(queries)} known-item queries (keywords -> their record)")
    systems = [s for s in args.systems.split(",") if s] + (["postgres"] if args.postgres else [])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in systems:
            started = time.perf_counter()
            if name == "ours":
                search = ours(records, tmp)
            elif name == "postgres":
                search = postgres(records, args.postgres)
            elif name == "sql_like":
                search = sql_like(records)
            elif name == "whoosh_default":
                search = whoosh_default(records, tmp)
            elif name == "bm25_jieba":
                search = bm25_jieba(records, tmp)
            else:
                raise SystemExit(f"unknown system {name}")
            print(f"  ({name}: indexed in {time.perf_counter() - started:.1f} s)", flush=True)
            results.append(evaluate(name, search, queries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
