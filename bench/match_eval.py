"""Judged evaluation of demand -> achievement matching (issue 21).

64 real enterprise demands (../shared/data/demands_bdci2019.jsonl, a fixed sample) are matched
against the achievements of the four markets' feeds (../shared/data/feeds, read with the
platform's feed adapters). The top 10 of every system are pooled and each pooled candidate was
graded by reading the demand (title and description) and the candidate (title, keywords,
abstract), with this rubric:

* 0 -- unrelated, or the overlap is only generic words (研发, 技术, 系统, 方法 ...), an
  organisation name, or a shared word used in another sense (吊钩 of a crane for a lamp).
* 1 -- same specific technical area (same material, product family, process or equipment
  class) and could partly help: a component, a neighbouring process, a related method.
* 2 -- directly addresses the demand's stated problem or goal (its product, process or
  target property), so a transfer officer would forward it as is.

Only ids and grades are stored (bench/match_judgements.json: demand id -> {achievement key:
grade}, achievement key = market:market's own id); never texts. A candidate that enters a
system's top 10 after a change must be graded before a gain is claimed: the run reports the
number of ungraded candidates in each system's top 10 (counted as 0 meanwhile).

Metrics per system, averaged over the demands: P@5 (share of the top 5 graded >= 1),
nDCG@10 (gain = grade, ideal = the best grades pooled for that demand), and the share of
demands with a grade-2 candidate in the top 5.

Systems:
* ours       the matches API's code path (market.services.matching) on the Whoosh adapter
* ours_pg    the same on the PostgreSQL adapter (with --postgres URL)
* bm25       plain BM25 OR-query of every jieba word of the demand's whole text (tantivy)

Usage:
  .venv/bin/python bench/match_eval.py [--postgres URL]
  .venv/bin/python bench/match_eval.py --pool 1-8      # print ungraded pooled candidates
  .venv/bin/python bench/match_eval.py --grade FILE    # merge grades: lines "D<n> <digits>"
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_data import DATA, load_achievements, load_demands  # noqa: E402

from market.adapters.search.whoosh_index import WhooshSearchIndex  # noqa: E402
from market.services import matching  # noqa: E402

JUDGEMENTS = ROOT / "bench" / "match_judgements.json"
PENDING = Path(tempfile.gettempdir()) / "match_eval_pending.json"
TOP = 10


def ours(docs, tmp: Path, index=None):
    if index is None:
        index = WhooshSearchIndex(tmp / "ours")
        index.rebuild(d for _, d in docs)
    keys = {d.entity_id: k for k, d in docs}

    def match(demand: dict) -> list[str]:
        view = matching.match_text(index, demand["title"], demand.get("abstract") or "", "achievement",
                                   {"per_page": TOP})
        items = view["matches"] + view.get("closest", [])
        return [keys[m["id"]] for m in items][:TOP]
    return match


def ours_pg(docs, url: str):
    from market.adapters.search.pg_index import PostgresSearchIndex  # optional: needs a server
    index = PostgresSearchIndex.standalone(url, table="match_eval_documents")
    index.rebuild(d for _, d in docs)
    return ours(docs, Path("."), index)


def bm25(docs, tmp: Path):
    import rjieba  # only this baseline segments by itself
    import tantivy

    def seg(text: str) -> list[str]:
        return [w.lower() for w in rjieba.cut(text) if w.strip() and any(c.isalnum() for c in w)]

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="whitespace")
    schema = builder.build()
    (tmp / "bm25").mkdir()
    index = tantivy.Index(schema, path=str(tmp / "bm25"))
    writer = index.writer()
    for key, d in docs:
        text = " ".join(seg(" ".join([d.title, " ".join(d.keywords), d.org, d.body])))
        writer.add_document(tantivy.Document(key=key, text=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def match(demand: dict) -> list[str]:
        terms = sorted(set(seg(demand["title"] + "\n" + (demand.get("abstract") or ""))))
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t)) for t in terms])
        return [searcher.doc(addr)["key"][0] for _, addr in searcher.search(q, TOP).hits]
    return match


def load_grades() -> dict[str, dict[str, int]]:
    if JUDGEMENTS.exists():
        return json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["grades"]
    return {}


def save_grades(grades: dict) -> None:
    body = {"rubric": "see bench/match_eval.py docstring: 0 unrelated/generic, 1 same area partly helps, "
                      "2 directly addresses", "grades": {d: dict(sorted(g.items())) for d, g in sorted(grades.items())}}
    JUDGEMENTS.write_text(json.dumps(body, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def metrics(ranked: list[str], graded: dict[str, int]) -> tuple[float, float, bool, int]:
    grades = [graded.get(k, 0) for k in ranked[:TOP]]
    p5 = sum(1 for g in grades[:5] if g >= 1) / 5
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades))
    ideal = sorted(graded.values(), reverse=True)[:TOP]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    ungraded = sum(1 for k in ranked[:TOP] if k not in graded)
    return p5, (dcg / idcg if idcg else 0.0), any(g == 2 for g in grades[:5]), ungraded


def report(name: str, runs: dict[str, list[str]], grades: dict, latencies: list[float]) -> None:
    rows = [metrics(runs[d], grades.get(d, {})) for d in runs]
    n = len(rows)
    latencies = sorted(latencies)
    print(f"{name:12s} P@5 {sum(r[0] for r in rows) / n:.3f}  nDCG@10 {sum(r[1] for r in rows) / n:.3f}  "
          f"grade-2 in top 5 {sum(r[2] for r in rows) / n:.3f}  ungraded in top 10 {sum(r[3] for r in rows)}  "
          f"p95 {latencies[int(len(latencies) * 0.95)]:.0f} ms", flush=True)


def print_pool(demands, runs_by_system, docs, grades, which: range) -> None:
    by_key = dict(docs)
    pending = {}
    for n, d in enumerate(demands, start=1):
        if n not in which:
            continue
        pool = []
        for runs in runs_by_system.values():
            pool += [k for k in runs[d["id"]] if k not in grades.get(d["id"], {}) and k not in pool]
        if not pool:
            continue
        pending[f"D{n}"] = [d["id"], pool]
        print(f"\n=== D{n} {d['title']}\n{(d.get('abstract') or '')[:300]}")
        for i, k in enumerate(pool, start=1):
            doc = by_key[k]
            print(f"  {i:2d}. {doc.title} | {doc.body[:70]}")
    PENDING.write_text(json.dumps(pending, ensure_ascii=False), encoding="utf-8")


def merge_grades(path: Path, grades: dict) -> int:
    pending = json.loads(PENDING.read_text(encoding="utf-8"))
    added = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, digits = line.split()
        demand_id, pool = pending[label]
        if len(digits) != len(pool):
            raise SystemExit(f"{label}: {len(digits)} grades for {len(pool)} candidates")
        for key, g in zip(pool, digits):
            grades.setdefault(demand_id, {})[key] = int(g)
            added += 1
    return added


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--postgres", help="SQLAlchemy URL: also evaluate the PostgreSQL adapter")
    ap.add_argument("--systems", default="ours,bm25")
    ap.add_argument("--pool", help="print the ungraded pooled candidates of demands A-B (1-based)")
    ap.add_argument("--grade", type=Path, help="merge grades for the last --pool printout")
    ap.add_argument("--save-runs", type=Path, help="write each system's top 10 per demand to this JSON file")
    ap.add_argument("--runs", type=Path, action="append", default=[],
                    help="a --save-runs file of an earlier version: its systems are pooled and reported "
                         "under the name <system>@<file stem> (before/after figures in one run)")
    args = ap.parse_args(argv)
    grades = load_grades()
    if args.grade:
        print(f"merged {merge_grades(args.grade, grades)} grades")
        save_grades(grades)
        return 0
    if not (args.data / "feeds").exists():
        print(f"no shared data at {args.data}; nothing to evaluate")
        return 0
    docs = load_achievements(args.data)
    demands = load_demands(args.data)
    print(f"{len(docs)} achievements, {len(demands)} demands, {sum(map(len, grades.values()))} grades")
    systems = [s for s in args.systems.split(",") if s] + (["ours_pg"] if args.postgres else [])
    runs_by_system = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in systems:
            match = {"ours": lambda: ours(docs, Path(tmp)), "bm25": lambda: bm25(docs, Path(tmp)),
                     "ours_pg": lambda: ours_pg(docs, args.postgres)}[name]()
            runs, latencies = {}, []
            for d in demands:
                started = time.perf_counter()
                runs[d["id"]] = match(d)
                latencies.append((time.perf_counter() - started) * 1000)
            runs_by_system[name] = runs
            if not args.pool:
                report(name, runs, grades, latencies)
    for path in args.runs:
        for name, runs in json.loads(path.read_text(encoding="utf-8")).items():
            runs_by_system[f"{name}@{path.stem}"] = runs
            if not args.pool:
                report(f"{name}@{path.stem}", runs, grades, [0.0])
    if args.save_runs:
        args.save_runs.write_text(json.dumps(runs_by_system, ensure_ascii=False), encoding="utf-8")
    if args.pool:
        a, _, b = args.pool.partition("-")
        print_pool(demands, runs_by_system, docs, grades, range(int(a), int(b or a) + 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
