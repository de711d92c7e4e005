"""Indexing and query speed of the search adapters at scale.

Indexes the shared corpus (patents and papers from ../shared/data) plus
synthesised listings up to --docs documents (default 100,000): each synthetic
listing takes a real title and recombines real abstract sentences, and gets
random market/field/IP type/modes/price so filters and facets have work to do.
Prints docs/s, index size and query latency p50/p95 over --queries realistic
queries (2-4 Chinese key terms of a random listing; half with a filter):

* whoosh     WhooshSearchIndex, API-style search (facets, total, snippets) and top-10 only
* postgres   PostgresSearchIndex (needs --pg-url), the same two modes
* tantivy    peer for the ratio only: pre-segmented text, whitespace tokenizer, BM25 OR, top 10

Usage: .venv/bin/python bench/search_bench.py [--docs 100000] [--pg-url URL] [--adapters whoosh,postgres,tantivy]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market.adapters.search import analysis  # noqa: E402
from market.adapters.search.base import SearchDocument, SearchQuery  # noqa: E402
from market.domain import taxonomy  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
FILES = ("patents_bdci2022.jsonl", "patents_kppatent_zh.jsonl", "papers_csl.jsonl")
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def load(data: Path) -> list[dict]:
    out = []
    for name in FILES:
        with (data / name).open(encoding="utf-8") as fh:
            out += [r for r in map(json.loads, fh) if r.get("title") or r.get("abstract")]
    return out


def corpus(records: list[dict], n: int, seed: int) -> list[SearchDocument]:
    rng = random.Random(seed)
    sentences = [s for r in records for s in re.split(r"(?<=[。；;])", r.get("abstract") or "") if len(s) > 8]
    titles = [r["title"] for r in records if r.get("title")]
    orgs = [r["applicant"] for r in records if r.get("applicant")]
    docs = []
    for i in range(n):
        if i < len(records):
            r = records[i]
            title, body, org = r.get("title") or "", r.get("abstract") or "", r.get("applicant") or ""
        else:
            title = rng.choice(titles)
            body = "".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
            org = rng.choice(orgs)
        price = rng.choice([None, rng.randint(1, 500) * 100_000])
        markets = sorted(rng.sample(taxonomy.MARKET_CODES, rng.choice([1, 1, 1, 2])))
        docs.append(SearchDocument(
            doc_type="achievement" if rng.random() < 0.9 else "demand", entity_id=i + 1, title=title, body=body,
            org=org, field=rng.choice(taxonomy.FIELDS), markets=markets, province=rng.choice(taxonomy.YRD_PROVINCES),
            ip_type=rng.choice(taxonomy.IP_TYPES), modes=rng.sample(taxonomy.TRANSFER_MODES, rng.choice([1, 2])),
            price_fen=price, price_low_fen=price, status="published", public=True,
            published_at=T0 + timedelta(minutes=i), version="1"))
    return docs


def queries(docs: list[SearchDocument], n: int, seed: int) -> list[SearchQuery]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        doc = rng.choice(docs)
        terms = [t for t, _ in analysis.key_terms(doc.title + "\n" + doc.body, top_k=8)
                 if re.fullmatch(r"[\u4e00-\u9fff]{2,}", t)]
        if len(terms) < 2:
            continue
        text = " ".join(rng.sample(terms, min(len(terms), rng.randint(2, 4))))
        filters = {}
        if len(out) % 2:
            filters = rng.choice([{"market": rng.choice(taxonomy.MARKET_CODES)}, {"field": rng.choice(taxonomy.FIELDS)},
                                  {"doc_type": "achievement", "price_max": 20_000_000}])
        out.append(SearchQuery(text, **filters))
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return s[len(s) // 2], s[min(len(s) - 1, int(len(s) * 0.95))]


def timed(fn, qs) -> tuple[float, float]:
    for q in qs[:10]:  # warm caches
        fn(q)
    samples = []
    for q in qs:
        started = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def report(name, n, seconds, size, full, top):
    print(f"{name:9s} {n} docs indexed in {seconds:.1f} s = {n / seconds:,.0f} docs/s, index {size / 2**20:,.1f} MiB",
          flush=True)
    if full:
        print(f"{'':9s} API search (facets+total+snippets): p50 {full[0]:.2f} ms  p95 {full[1]:.2f} ms", flush=True)
    print(f"{'':9s} top-10 ranking only:               p50 {top[0]:.2f} ms  p95 {top[1]:.2f} ms", flush=True)


def top10(q: SearchQuery) -> SearchQuery:
    """Ranking only: no facets, no exact total, no snippets (what tantivy is timed on)."""
    return dataclasses.replace(q, facets=False, snippets=False, per_page=10)


def bench_whoosh(docs, qs, tmp: Path):
    from market.adapters.search.whoosh_index import WhooshSearchIndex
    index = WhooshSearchIndex(tmp / "whoosh")
    started = time.perf_counter()
    index.rebuild(docs)
    seconds = time.perf_counter() - started
    full = timed(index.search, qs)
    top = timed(lambda q: index.search(top10(q)), qs)
    report("whoosh", len(docs), seconds, dir_size(tmp / "whoosh"), full, top)
    return top


def bench_postgres(docs, qs, url: str):
    from sqlalchemy import text

    from market.adapters.search.pg_index import PostgresSearchIndex
    index = PostgresSearchIndex.standalone(url, table="search_bench_documents")
    started = time.perf_counter()
    index.rebuild(docs)
    seconds = time.perf_counter() - started
    with index.engine.connect() as conn:
        size = conn.execute(text("SELECT pg_total_relation_size('search_bench_documents')")).scalar()
    full = timed(index.search, qs)
    top = timed(lambda q: index.search(top10(q)), qs)
    report("postgres", len(docs), seconds, size, full, top)
    # the machine is shared: the load average says what the figures were measured under
    print(f"{'':9s} load average during the run: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(1/5/15 min)", flush=True)
    with index.engine.begin() as conn:
        conn.execute(text("DROP TABLE search_bench_documents"))
    return top


def bench_tantivy(docs, qs, tmp: Path):
    import rjieba
    import tantivy

    def seg(value: str) -> str:
        return " ".join(w.lower() for w in rjieba.cut(value) if w.strip())

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True)
    builder.add_text_field("text", tokenizer_name="whitespace")
    schema = builder.build()
    (tmp / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(tmp / "tantivy"))
    started = time.perf_counter()
    writer = index.writer()
    for d in docs:
        writer.add_document(tantivy.Document(id=d.entity_id, text=seg(f"{d.title}\n{d.org}\n{d.body}")))
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()

    def search(q: SearchQuery):
        terms = sorted(set(seg(q.text).split()))
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t)) for t in terms])
        return [searcher.doc(addr)["id"][0] for _, addr in searcher.search(query, 10).hits]

    top = timed(search, qs)
    report("tantivy", len(docs), seconds, dir_size(tmp / "tantivy"), None, top)
    return top


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--adapters", default="whoosh,postgres,tantivy")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args(argv)
    if not (args.data / FILES[0]).exists():
        print(f"no shared data at {args.data}; nothing to benchmark")
        return 0
    docs = corpus(load(args.data), args.docs, args.seed)
    qs = queries(docs, args.queries, args.seed)
    print(f"{len(docs)} documents, {len(qs)} queries (2-4 key terms, half with a filter), e.g. {qs[0].text!r}")
    tops = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.adapters.split(","):
            if name == "whoosh":
                tops[name] = bench_whoosh(docs, qs, Path(tmp))
            elif name == "postgres":
                tops[name] = bench_postgres(docs, qs, args.pg_url)
            elif name == "tantivy":
                tops[name] = bench_tantivy(docs, qs, Path(tmp))
    if "tantivy" in tops:
        peer = tops["tantivy"][1]
        for name, (_, p95) in tops.items():
            if name != "tantivy":
                print(f"ratio {name}/tantivy at p95 (top-10): {p95 / peer:,.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
